// Status and Result<T>: how custintel reports expected failures.
//
// An expected failure (bad row, missing file, backend down, quota spent) is a value, never an
// exception. Messages are written for the user who must act on them:
//   "orders.csv line 812: amount 'abc' is not a number".
//
//   Result<Table> t = LoadTable(path);
//   if (!t.ok()) return t.status();
//   CI_ASSIGN_OR_RETURN(auto rows, CountRows(*t));
//
// Thread safety: values; copy freely.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace custintel {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // the caller's input is wrong (bad flag, bad value, bad schema)
  kNotFound,          // a named file, table, tenant or row does not exist
  kAlreadyExists,
  kIoError,           // the OS refused (permissions, disk full)
  kCorruption,        // stored data is not what it should be
  kUnavailable,       // a backend or server is down; retrying may help
  kResourceExhausted, // budget, quota or rate limit spent
  kPermissionDenied,
  kUnimplemented,     // visibly not built yet
  kInternal,          // a bug in custintel or a dependency
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return {code_, context + ": " + message_};
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Holds either a T or a failed Status.
// REQUIRES: a Result is never built from an ok Status.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace custintel

#define CI_CONCAT_INNER_(a, b) a##b
#define CI_CONCAT_(a, b) CI_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` (a Status) is not ok.
#define CI_RETURN_IF_ERROR(expr)                         \
  do {                                                   \
    ::custintel::Status ci_status_ = (expr);             \
    if (!ci_status_.ok()) return ci_status_;             \
  } while (0)

// `lhs = *expr` when `expr` (a Result) is ok, else returns its Status.
#define CI_ASSIGN_OR_RETURN(lhs, expr) \
  CI_ASSIGN_OR_RETURN_IMPL_(CI_CONCAT_(ci_result_, __LINE__), lhs, expr)
#define CI_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
