// Operations endpoints: the audit log, usage, refresh jobs, API keys and metrics of the caller's
// tenant.
#include <fmt/format.h>

#include "server/api.h"
#include "server/audit.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/scheduler.h"

namespace custintel::server {
namespace {

using nlohmann::json;

Result<Reply> GetAudit(RequestContext& ctx) {
  CI_ASSIGN_OR_RETURN(auto limit, IntParam(ctx.http, "limit", 1, 1000));
  std::string before = TextParam(ctx.http, "before").value_or("");
  // Flush first: the caller sees every request answered before this one.
  CI_RETURN_IF_ERROR(ctx.services.audit->Flush());
  CI_ASSIGN_OR_RETURN(auto r, ctx.services.control->ReadAudit(ctx.tenant.name(), limit.value_or(100), before));
  json rows = Rows(r);
  json next = rows.empty() ? json(nullptr) : rows.back()["at"];
  ctx.response_summary = fmt::format("{} audit rows", rows.size());
  return Reply{200, json{{"entries", rows}, {"next_before", next}}, {}};
}

Result<Reply> GetUsage(RequestContext& ctx) {
  CI_ASSIGN_OR_RETURN(auto days, IntParam(ctx.http, "days", 1, 366));
  CI_RETURN_IF_ERROR(ctx.services.audit->Flush());
  CI_ASSIGN_OR_RETURN(auto usage, ctx.services.control->ReadUsage(ctx.tenant.name(), static_cast<int>(days.value_or(30))));
  json rows = json::array();
  for (const UsageRow& u : usage) {
    rows.push_back({{"day", u.day}, {"requests", u.requests}, {"ai_calls", u.ai_calls}, {"rate_limited", u.rate_limited}});
  }
  const Config& config = *ctx.services.config;
  auto tier = config.tiers.count(ctx.key.tier) ? config.tiers.at(ctx.key.tier) : TierConfig{};
  return Reply{200,
               json{{"tenant", ctx.tenant.name()},
                    {"tier", ctx.key.tier},
                    {"limits", {{"requests_per_second", tier.requests_per_second}, {"burst", tier.burst},
                                {"ai_calls_per_day", tier.ai_calls_per_day}}},
                    {"days", rows}},
               {}};
}

Result<Reply> GetJobs(RequestContext& ctx) {
  CI_ASSIGN_OR_RETURN(auto limit, IntParam(ctx.http, "limit", 1, 500));
  CI_ASSIGN_OR_RETURN(auto r, ctx.services.control->ReadJobs(ctx.tenant.name(), limit.value_or(50)));
  return Reply{200, json{{"jobs", Rows(r)}, {"schedule", ctx.tenant.config().refresh.schedule}}, {}};
}

Result<Reply> PostRefresh(RequestContext& ctx) {
  CI_ASSIGN_OR_RETURN(std::shared_ptr<Tenant> tenant, ctx.services.tenants->Get(ctx.tenant.name()));
  CI_ASSIGN_OR_RETURN(int64_t job, ctx.services.scheduler->Trigger(tenant, "api:" + ctx.key.key_id));
  ctx.response_summary = fmt::format("refresh job {} started", job);
  return Reply{202, json{{"job_id", job}, {"status", "running"}}, {}};
}

json KeyJson(const KeyInfo& k) {
  return {{"key_id", k.key_id}, {"tenant", k.tenant}, {"role", RoleName(k.role)},
          {"scope", k.scope_account ? json{{"account_id", *k.scope_account}} : json(nullptr)},
          {"tier", k.tier}, {"label", k.label}, {"created_at", k.created_at}, {"revoked", k.revoked}};
}

Result<Reply> ListKeys(RequestContext& ctx) {
  CI_ASSIGN_OR_RETURN(auto keys, ctx.services.control->ListKeys(ctx.tenant.name()));
  json rows = json::array();
  for (const KeyInfo& k : keys) rows.push_back(KeyJson(k));
  return Reply{200, json{{"keys", rows}}, {}};
}

Result<Reply> CreateKey(RequestContext& ctx) {
  CI_ASSIGN_OR_RETURN(json body, JsonBody(ctx.http));
  for (const auto& [k, v] : body.items()) {
    if (k != "role" && k != "account_id" && k != "tier" && k != "label") {
      return Status::InvalidArgument("unknown field '" + k + "' (role, account_id, tier, label)");
    }
    if (!v.is_string()) return Status::InvalidArgument("field '" + k + "' must be a string");
  }
  if (!body.contains("role")) return Status::InvalidArgument("field 'role' is required");
  // Rate limits and AI quotas are the operator's to grant: a tenant's keys take the tier the
  // operator gave the tenant (custintel tenants create --tier) or the key (keys create --tier).
  if (body.contains("tier") && body["tier"].get<std::string>() != ctx.key.tier) {
    return Status::PermissionDenied("a key's tier is set by the operator (custintel keys create --tier), not through "
                                    "the API; keys created here get the creating key's tier '" + ctx.key.tier + "'");
  }
  KeySpec spec;
  spec.tenant = ctx.tenant.name();  // an admin creates keys of its own tenant only
  CI_ASSIGN_OR_RETURN(spec.role, ParseRole(body["role"].get<std::string>()));
  if (body.contains("account_id")) spec.scope_account = body["account_id"].get<std::string>();
  spec.tier = ctx.key.tier;
  spec.label = body.value("label", "");
  CI_ASSIGN_OR_RETURN(CreatedKey created, ctx.services.control->CreateKey(spec));
  json out = KeyJson(created.info);
  out["key"] = created.key;
  ctx.response_summary = "created key " + created.info.key_id;
  return Reply{201, out, {}};
}

// The tenant's own series; the whole server's need the operator's token (server.cc, Public).
Result<Reply> GetMetrics(RequestContext& ctx) {
  Reply r;
  r.text = {{"text/plain; version=0.0.4", ctx.services.metrics->Render(ctx.tenant.name())}};
  return r;
}

Result<Reply> RevokeKey(RequestContext& ctx) {
  const std::string& id = ctx.path_params["id"];
  CI_RETURN_IF_ERROR(ctx.services.control->RevokeKey(id, ctx.tenant.name()));
  ctx.services.keys->Invalidate(id);
  ctx.response_summary = "revoked key " + id;
  return Reply{200, json{{"key_id", id}, {"revoked", true}}, {}};
}

}  // namespace

std::vector<Route> AdminRoutes() {
  json none = nullptr;
  const std::vector<Role> admin = {Role::kAdmin};
  const std::vector<Role> staff = {Role::kAdmin, Role::kAnalyst, Role::kViewer};
  json key_schema = {{"type", "object"},
                     {"required", {"role"}},
                     {"additionalProperties", false},
                     {"properties",
                      {{"role", {{"type", "string"}, {"enum", {"admin", "analyst", "viewer", "account"}}}},
                       {"account_id", {{"type", "string"}}}, {"tier", {{"type", "string"}}},
                       {"label", {{"type", "string"}}}}}};
  // tier: only the creating key's own (documented so that clients sending it are not surprised).
  return {
      {"GET", "/v1/audit", "The tenant's audit log, newest first", admin, false, false,
       {{"limit", "integer", "rows, 1..1000 (default 100)"}, {"before", "string", "next_before of the previous page"}},
       none, GetAudit},
      {"GET", "/v1/usage", "Requests, AI calls and refusals per day, and the tier's limits", admin, false, false,
       {{"days", "integer", "how many days back (default 30)"}}, none, GetUsage},
      {"GET", "/v1/jobs", "Refresh runs of the tenant, newest first", staff, false, false,
       {{"limit", "integer", "rows, 1..500 (default 50)"}}, none, GetJobs},
      Answering(202, {"POST", "/v1/jobs/refresh", "Run the pipeline for the tenant now (202; see GET /v1/jobs)",
                      {Role::kAdmin, Role::kAnalyst}, false, false, {}, none, PostRefresh}),
      {"GET", "/v1/keys", "The tenant's API keys (never their secrets)", admin, false, false, {}, none, ListKeys},
      Answering(201, {"POST", "/v1/keys", "Create an API key of the tenant; the key is in this answer only", admin,
                      false, false, {}, key_schema, CreateKey}),
      {"POST", "/v1/keys/{id}/revoke", "Revoke a key; it fails at once (no body needed)", admin, false, false, {}, none,
       RevokeKey},
      {"GET", "/metrics", "Prometheus metrics of the key's tenant (the operator's token: the whole server)", admin,
       false, false, {}, none, GetMetrics, false, "text/plain; version=0.0.4"},
  };
}

}  // namespace custintel::server
