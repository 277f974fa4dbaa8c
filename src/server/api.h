// What an endpoint is: a Route (method, path template, who may call it, what it reads, its
// parameters) and a handler from a RequestContext to a Reply. The route table is the single
// source of truth: the dispatcher (server.cc) checks roles, parameters and quotas from it,
// and the OpenAPI document (openapi.cc) is generated from it.
//
// Handlers never throw: expected failures are Status values, mapped to HTTP codes in one
// place (HttpStatusFor). They read tenant data only through the lease's scoped.* views.
//
// Thread safety: routes are immutable after start; handlers run concurrently.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "server/control.h"
#include "server/http.h"
#include "server/tenants.h"
#include "store/database.h"

namespace custintel::server {

class AuditLog;
class Scheduler;
class KeyCache;
class Metrics;
class Quotas;
struct AuditRow;

// What handlers may reach besides the tenant's data.
struct Services {
  ControlDb* control = nullptr;
  AuditLog* audit = nullptr;
  Scheduler* scheduler = nullptr;
  KeyCache* keys = nullptr;
  TenantRegistry* tenants = nullptr;
  const Config* config = nullptr;
  Metrics* metrics = nullptr;
  // Tier quotas: a handler that may call a model outside a uses_ai route (on-demand texts) checks
  // and counts the tenant's AI calls here.
  Quotas* quotas = nullptr;
};

struct RequestContext {
  const HttpRequest& http;
  const KeyInfo& key;
  Tenant& tenant;
  Lease& lease;  // scoped to the key
  Services& services;
  std::map<std::string, std::string> path_params;
  // Filled by handlers for the audit log.
  std::vector<std::string> tables;
  int64_t rows = 0;
  std::string prompt_summary;
  std::string response_summary;
  // The request's audit row as the server has it so far (who, what). A write handler stores
  // it in its own transaction (server/writes.h), so no acknowledged write lacks its audit row.
  const AuditRow* audit = nullptr;

  bool scoped() const { return key.scope_account.has_value(); }
  // A query over the lease; records the tables it names for the audit log.
  Result<store::QueryResult> Query(const std::string& sql, const std::vector<store::Param>& params,
                                   std::initializer_list<const char*> tables_read);
};

struct Reply {
  int status = 200;
  nlohmann::json body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set for answers that are not JSON (GET /metrics): sent as is, with this content type.
  std::optional<std::pair<std::string, std::string>> text;  // (content type, body)
};

using RouteHandler = std::function<Result<Reply>(RequestContext&)>;

struct ParamDoc {
  std::string name;
  std::string type;  // OpenAPI type: string, integer, number
  std::string description;
};

struct Route {
  std::string method;  // GET, POST
  std::string path;    // OpenAPI template: /v1/customers/{id}
  std::string summary;
  std::vector<Role> roles;         // who may call it
  bool customer_data = false;      // reads customer-level rows: audited
  bool uses_ai = false;            // counts against the tier's ai_calls_per_day; audited
  std::vector<ParamDoc> query;     // the only query parameters accepted
  nlohmann::json request_schema;   // JSON schema of the body (null = no body)
  RouteHandler handler;
  // Its 200 answers may be reused until the tenant's data changes (server/response_cache.h).
  bool cacheable = false;
  std::string content_type = "application/json";  // of its successful answers
  int ok_status = 200;  // its success code (201 Created, 202 Accepted): what the OpenAPI document says
};

// `r` answering `status` on success (201, 202); the handler must answer the same (the server
// refuses to send a different 2xx: an error in the route table, not the client's).
Route Answering(int status, Route r);

// The routes of each area.
std::vector<Route> DataRoutes();   // segments, customers, churn, summary, cohorts, sentiment
std::vector<Route> WriteRoutes();  // reviews, tickets, refresh-insight, ask
std::vector<Route> AdminRoutes();  // audit, usage, jobs, keys, metrics
std::vector<Route> AllRoutes();

// Matches "/v1/customers/C1" against "/v1/customers/{id}"; fills params (percent-decoded).
bool MatchPath(const std::string& tmpl, const std::string& path, std::map<std::string, std::string>* params);

// The one mapping from Status to HTTP status code.
int HttpStatusFor(const Status& s);
// {"error": {"code": "invalid_argument", "status": 400, "message": "..."}}
nlohmann::json ErrorBody(int http_status, const std::string& message);
std::string ErrorJson(int http_status, const std::string& message);

// Query results as JSON rows (numbers as numbers, JSON columns nested, NULL as null).
nlohmann::json Rows(const store::QueryResult& r);
nlohmann::json Cell(const store::QueryResult& r, size_t col, size_t row);

// Parameter readers: InvalidArgument naming the parameter when malformed or out of range.
Result<std::optional<int64_t>> IntParam(const HttpRequest& r, const std::string& name, int64_t lo, int64_t hi);
Result<std::optional<double>> NumberParam(const HttpRequest& r, const std::string& name, double lo, double hi);
std::optional<std::string> TextParam(const HttpRequest& r, const std::string& name);
// What the HTTP door lets through (server.cc checks every request once, before anything else):
// path, query names and values valid UTF-8 without control characters and within size
// limits, and a body that is valid UTF-8. InvalidArgument naming the part that is not.
Status ValidateRequest(const HttpRequest& r);
// Parses a JSON object body; InvalidArgument saying what is wrong.
Result<nlohmann::json> JsonBody(const HttpRequest& r);

// The OpenAPI 3 document for the routes.
nlohmann::json OpenApiDocument(const std::vector<Route>& routes);

}  // namespace custintel::server
