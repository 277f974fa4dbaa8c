#include "server/api.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "core/strings.h"
#include "store/result_json.h"
#include "core/utf8.h"

namespace custintel::server {
namespace {

std::string PercentDecode(const std::string& s, bool* ok) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    int v = 0;
    if (i + 2 >= s.size() + 0 || std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ptr != s.data() + i + 3) {
      *ok = false;
      return out;
    }
    out += static_cast<char>(v);
    i += 2;
  }
  return out;
}

std::string CodeName(int status) {
  switch (status) {
    case 400: return "invalid_argument";
    case 401: return "unauthenticated";
    case 403: return "permission_denied";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 429: return "rate_limited";
    case 501: return "not_implemented";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "error";
  }
}

std::string DefaultMessage(int status) {
  switch (status) {
    case 400: return "the request is malformed";
    case 413: return "the request body is larger than this server accepts";
    case 404: return "no such resource";
    default: return "the request failed";
  }
}

}  // namespace

bool MatchPath(const std::string& tmpl, const std::string& path, std::map<std::string, std::string>* params) {
  std::vector<std::string> t = Split(tmpl, '/'), p = Split(path, '/');
  if (t.size() != p.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].size() > 2 && t[i].front() == '{' && t[i].back() == '}') {
      bool ok = true;
      std::string v = PercentDecode(p[i], &ok);
      if (!ok || v.empty()) return false;
      found[t[i].substr(1, t[i].size() - 2)] = v;
    } else if (t[i] != p[i]) {
      return false;
    }
  }
  if (params) *params = std::move(found);
  return true;
}

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnimplemented: return 501;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kIoError:
    case StatusCode::kCorruption:
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

nlohmann::json ErrorBody(int http_status, const std::string& message) {
  return {{"error",
           {{"code", CodeName(http_status)},
            {"status", http_status},
            {"message", message.empty() ? DefaultMessage(http_status) : message}}}};
}

std::string ErrorJson(int http_status, const std::string& message) {
  return ErrorBody(http_status, message).dump();
}

nlohmann::json Cell(const store::QueryResult& r, size_t c, size_t i) { return store::CellToJson(r, c, i); }

nlohmann::json Rows(const store::QueryResult& r) { return store::ResultToJson(r); }

Result<std::optional<int64_t>> IntParam(const HttpRequest& r, const std::string& name, int64_t lo, int64_t hi) {
  const std::string* v = r.Query(name);
  if (!v) return std::optional<int64_t>();
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size() || out < lo || out > hi) {
    return Status::InvalidArgument("parameter '" + name + "' must be an integer from " + std::to_string(lo) + " to " +
                                   std::to_string(hi));
  }
  return std::optional<int64_t>(out);
}

Result<std::optional<double>> NumberParam(const HttpRequest& r, const std::string& name, double lo, double hi) {
  const std::string* v = r.Query(name);
  if (!v) return std::optional<double>();
  double out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size() || !(out >= lo && out <= hi)) {
    return Status::InvalidArgument("parameter '" + name + "' must be a number from " + std::to_string(lo) + " to " +
                                   std::to_string(hi));
  }
  return std::optional<double>(out);
}

std::optional<std::string> TextParam(const HttpRequest& r, const std::string& name) {
  const std::string* v = r.Query(name);
  if (!v || v->empty()) return std::nullopt;
  return *v;
}

namespace {

constexpr size_t kMaxPathBytes = 2048;
constexpr size_t kMaxQueryParams = 64;
constexpr size_t kMaxQueryBytes = 4096;  // one name or value

// Printable UTF-8: no C0 control characters, no DEL.
Status CheckText(std::string_view what, const std::string& s, size_t max_bytes) {
  if (s.size() > max_bytes) return Status::InvalidArgument(fmt::format("{} is longer than {} bytes", what, max_bytes));
  if (!IsValidUtf8(s)) return Status::InvalidArgument(std::string(what) + " is not valid UTF-8");
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return Status::InvalidArgument(std::string(what) + " holds a control character");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateRequest(const HttpRequest& r) {
  CI_RETURN_IF_ERROR(CheckText("the path", r.path, kMaxPathBytes));
  // Path parameters are percent-decoded once more by MatchPath: check what they decode to.
  for (const std::string& segment : Split(r.path, '/')) {
    bool ok = true;
    std::string decoded = PercentDecode(segment, &ok);
    if (ok) CI_RETURN_IF_ERROR(CheckText("the path", decoded, kMaxPathBytes));
  }
  if (r.query.size() > kMaxQueryParams) {
    return Status::InvalidArgument(fmt::format("more than {} query parameters", kMaxQueryParams));
  }
  for (const auto& [name, value] : r.query) {
    CI_RETURN_IF_ERROR(CheckText("a query parameter name", name, kMaxQueryBytes));
    CI_RETURN_IF_ERROR(CheckText("query parameter '" + Utf8Truncate(name, 64) + "'", value, kMaxQueryBytes));
  }
  if (!IsValidUtf8(r.body)) return Status::InvalidArgument("the body is not valid UTF-8");
  return Status::Ok();
}

Result<nlohmann::json> JsonBody(const HttpRequest& r) {
  if (r.body.empty()) return Status::InvalidArgument("the request needs a JSON object body");
  std::string type = r.Header("content-type");
  if (!type.empty() && type.find("json") == std::string::npos) {
    return Status::InvalidArgument("Content-Type must be application/json, not '" + type + "'");
  }
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("the body is not valid JSON");
  if (!j.is_object()) return Status::InvalidArgument("the body must be a JSON object");
  return j;
}

Result<store::QueryResult> RequestContext::Query(const std::string& sql, const std::vector<store::Param>& params,
                                                 std::initializer_list<const char*> tables_read) {
  for (const char* t : tables_read) {
    if (std::find(tables.begin(), tables.end(), t) == tables.end()) tables.emplace_back(t);
  }
  return lease.conn().Query(sql, params);
}

Route Answering(int status, Route r) {
  r.ok_status = status;
  return r;
}

std::vector<Route> AllRoutes() {
  std::vector<Route> all;
  for (auto* part : {&DataRoutes, &WriteRoutes, &AdminRoutes}) {
    for (Route& r : (*part)()) all.push_back(std::move(r));
  }
  return all;
}

}  // namespace custintel::server
