// The OpenAPI 3 document, generated from the route table so the two cannot disagree
// (tests/server also checks every documented path against the running server).
#include "core/version.h"
#include "server/api.h"

namespace custintel::server {
namespace {

using nlohmann::json;

json ErrorResponse(const std::string& description) {
  return {{"description", description},
          {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

json Operation(const Route& r) {
  json roles = json::array();
  for (Role role : r.roles) roles.push_back(RoleName(role));
  json op = {{"summary", r.summary},
             {"operationId", r.method + " " + r.path},
             {"x-roles", roles},
             {"x-audited", r.customer_data || r.uses_ai},
             {"x-uses-ai", r.uses_ai},
             {"security", {{{"bearerAuth", json::array()}}}}};
  json params = json::array();
  size_t open = 0;
  while ((open = r.path.find('{', open)) != std::string::npos) {
    size_t close = r.path.find('}', open);
    params.push_back({{"name", r.path.substr(open + 1, close - open - 1)}, {"in", "path"}, {"required", true},
                      {"schema", {{"type", "string"}}}});
    open = close;
  }
  for (const ParamDoc& p : r.query) {
    params.push_back({{"name", p.name}, {"in", "query"}, {"required", false}, {"description", p.description},
                      {"schema", {{"type", p.type}}}});
  }
  if (!params.empty()) op["parameters"] = params;
  if (!r.request_schema.is_null()) {
    op["requestBody"] = {{"required", true}, {"content", {{"application/json", {{"schema", r.request_schema}}}}}};
  }
  json ok_schema = r.content_type == "application/json" ? json{{"type", "object"}} : json{{"type", "string"}};
  json responses = {{std::to_string(r.ok_status),
                     {{"description", "OK"}, {"content", {{r.content_type, {{"schema", ok_schema}}}}}}},
                    {"400", ErrorResponse("invalid parameter or body")},
                    {"401", ErrorResponse("missing, unknown or revoked API key")},
                    {"403", ErrorResponse("the key's role may not call this")},
                    {"404", ErrorResponse("not found (or not in the key's scope)")},
                    {"413", ErrorResponse("body too large")},
                    {"429", ErrorResponse("rate limit or AI quota; see Retry-After")}};
  if (r.uses_ai) {
    responses["501"] = ErrorResponse("the configured AI backend cannot do this (e.g. free text without a model)");
  }
  op["responses"] = responses;
  return op;
}

}  // namespace

json OpenApiDocument(const std::vector<Route>& routes) {
  json paths = json::object();
  for (const Route& r : routes) {
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[r.path][method] = Operation(r);
  }
  paths["/healthz"]["get"] = {{"summary", "Liveness (public)"}, {"security", json::array()},
                              {"responses", {{"200", {{"description", "OK"}}}}}};
  paths["/v1/openapi.json"]["get"] = {{"summary", "This document (public)"}, {"security", json::array()},
                                      {"responses", {{"200", {{"description", "OpenAPI 3 document"}}}}}};
  return {{"openapi", "3.0.3"},
          {"info", {{"title", "custintel API"}, {"version", std::string(kVersion)},
                    {"description", "Customer intelligence per tenant. Every key sees only its tenant; account keys "
                                    "see only their account's rows, in every endpoint and aggregate."}}},
          {"servers", {{{"url", "/"}}}},
          {"paths", paths},
          {"components",
           {{"securitySchemes", {{"bearerAuth", {{"type", "http"}, {"scheme", "bearer"}}}}},
            {"schemas",
             {{"Error",
               {{"type", "object"},
                {"properties",
                 {{"error", {{"type", "object"},
                             {"properties", {{"code", {{"type", "string"}}}, {"status", {{"type", "integer"}}},
                                             {"message", {{"type", "string"}}}}}}}}}}}}}}},
          {"security", {{{"bearerAuth", json::array()}}}}};
}

}  // namespace custintel::server
