#include <new>

#include "pg/pg_door.h"

namespace custintel::pg {

void ThrowStatus(const Status& status, const std::string& what) {
  int code = ERRCODE_INTERNAL_ERROR;
  std::string hint;
  switch (status.code()) {
    case StatusCode::kInvalidArgument: code = ERRCODE_INVALID_PARAMETER_VALUE; break;
    case StatusCode::kNotFound: code = ERRCODE_UNDEFINED_FILE; break;
    case StatusCode::kUnavailable: code = ERRCODE_CONNECTION_FAILURE; break;
    case StatusCode::kResourceExhausted:
      code = ERRCODE_INSUFFICIENT_RESOURCES;
      hint = "The role's daily model quota (custintel.max_calls_per_role_day, custintel.max_tokens_per_role_day) "
             "resets at 00:00 UTC; a superuser may raise it: ALTER ROLE ... SET custintel.max_calls_per_role_day.";
      break;
    case StatusCode::kPermissionDenied: code = ERRCODE_INSUFFICIENT_PRIVILEGE; break;
    case StatusCode::kUnimplemented:
      code = ERRCODE_FEATURE_NOT_SUPPORTED;
      if (status.message().find("needs a model") != std::string::npos) {
        hint = "A superuser sets a model: ALTER SYSTEM SET custintel.backend = 'llama' and custintel.model = "
               "'/path/model.gguf', or custintel.backend = 'http' and custintel.base_url = 'http://host:port' "
               "(an OpenAI-compatible server); then SELECT pg_reload_conf().";
      }
      break;
    default: break;
  }
  throw SqlError(code, what + ": " + status.message(), hint);
}

namespace {

// Copies `s` into `buf` (truncated, always terminated).
void CopyTo(char* buf, size_t size, const char* s) {
  std::strncpy(buf, s, size - 1);
  buf[size - 1] = '\0';
}

}  // namespace

void RaisePendingInterrupts() {
  PgGuard([] { CHECK_FOR_INTERRUPTS(); });
}

Datum CallBoundary(FunctionCallInfo fcinfo, Datum (*body)(FunctionCallInfo)) {
  ErrorData* pg_error = nullptr;
  int code = 0;
  char message[4096];
  char hint[1024];
  hint[0] = '\0';
  Datum result = (Datum)0;
  try {
    result = body(fcinfo);
  } catch (const PgError& e) {
    pg_error = e.data();
  } catch (const SqlError& e) {
    code = e.sqlstate();
    CopyTo(message, sizeof message, e.what());
    CopyTo(hint, sizeof hint, e.hint().c_str());
  } catch (const std::bad_alloc&) {
    code = ERRCODE_OUT_OF_MEMORY;
    CopyTo(message, sizeof message, "custintel: out of memory");
  } catch (const std::exception& e) {
    code = ERRCODE_INTERNAL_ERROR;
    CopyTo(message, sizeof message, e.what());
  } catch (...) {
    code = ERRCODE_INTERNAL_ERROR;
    CopyTo(message, sizeof message, "custintel: unknown C++ exception");
  }
  // Every C++ object of the body is gone here: PostgreSQL may longjmp.
  if (pg_error) ReThrowError(pg_error);
  if (code != 0) {
    ereport(ERROR, (errcode(code), errmsg("%s", message), hint[0] ? errhint("%s", hint) : 0));
  }
  return result;
}

}  // namespace custintel::pg
