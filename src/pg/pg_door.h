// The one door to PostgreSQL's server headers (STYLE.md: one door per dependency), and the
// rules for crossing between PostgreSQL's C error handling and C++.
//
// PostgreSQL reports errors with longjmp (ereport(ERROR) jumps to the nearest PG_TRY or the
// top of the query). A longjmp over a C++ frame skips its destructors, so the two never cross:
//
// - C++ code calls PostgreSQL only through PgGuard(...), which catches PostgreSQL's error,
//   copies it and throws it as a C++ PgError;
// - every SQL-callable function runs its C++ body inside CallBoundary(...), which catches every
//   C++ exception, lets the C++ objects go, and only then raises the PostgreSQL error (the
//   original ErrorData for a PgError; an ERROR with the SqlError's SQLSTATE otherwise).
//
// Include this header last: PostgreSQL's c.h redefines printf-family names.
#pragma once

#include <cstring>
#include <exception>
#include <string>

extern "C" {
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
}

#include "core/status.h"

namespace custintel::pg {

// A PostgreSQL error caught by PgGuard, carried through C++ frames to CallBoundary.
class PgError : public std::exception {
 public:
  explicit PgError(ErrorData* data) : data_(data) {}
  ErrorData* data() const { return data_; }
  const char* what() const noexcept override { return data_ && data_->message ? data_->message : "PostgreSQL error"; }

 private:
  ErrorData* data_;  // palloc'd in the caller's memory context
};

// An error custintel raises: SQLSTATE (ERRCODE_*), message, optional hint.
class SqlError : public std::exception {
 public:
  SqlError(int sqlstate, std::string message, std::string hint = {})
      : sqlstate_(sqlstate), message_(std::move(message)), hint_(std::move(hint)) {}
  int sqlstate() const { return sqlstate_; }
  const std::string& hint() const { return hint_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  int sqlstate_;
  std::string message_, hint_;
};

// A failed Status as a SqlError: its code mapped onto a SQLSTATE. `what` names the call.
[[noreturn]] void ThrowStatus(const Status& status, const std::string& what);

// Runs `f` (which must hold no C++ object with a destructor across PostgreSQL calls: plain C
// calls on plain data only) and turns a PostgreSQL error into a PgError.
template <class F>
void PgGuard(F&& f) {
  MemoryContext caller = CurrentMemoryContext;
  ErrorData* volatile error = nullptr;  // set after the longjmp: volatile
  PG_TRY();
  {
    f();
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller);
    error = CopyErrorData();
    FlushErrorState();
  }
  PG_END_TRY();
  if (error) throw PgError(error);
}

// PostgreSQL's CHECK_FOR_INTERRUPTS on the calling (main) thread: a pending query cancel or
// terminate is thrown as a PgError (57014 "canceling statement due to user request" ...).
void RaisePendingInterrupts();

// Runs `body(fcinfo)` and raises, after every C++ object of it is gone, what it threw.
Datum CallBoundary(FunctionCallInfo fcinfo, Datum (*body)(FunctionCallInfo));

}  // namespace custintel::pg
