#include "server/server.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <condition_variable>
#include <list>
#include <thread>

#include "core/log.h"
#include "core/strings.h"
#include "core/utf8.h"
#include "server/keys.h"
#include "server/writes.h"

namespace custintel::server {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

HttpResponse JsonResponse(int status, const json& body) { return {status, "application/json", body.dump(), {}}; }

HttpResponse Error(int status, const std::string& message) {
  return {status, "application/json", ErrorJson(status, message), {}};
}

HttpResponse ErrorFor(const Status& s) { return Error(HttpStatusFor(s), s.message()); }


}  // namespace

// Interrupts queries that run past their deadline, so one slow request cannot hold a
// worker and a connection forever. Checks every 100 ms.
class Watchdog {
 public:
  explicit Watchdog(double timeout_s) : timeout_(timeout_s) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  using Token = std::list<std::pair<Clock::time_point, store::Connection*>>::iterator;
  Token Arm(store::Connection* conn) {
    std::lock_guard<std::mutex> lock(mu_);
    armed_.push_front({Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_)),
                       conn});
    return armed_.begin();
  }
  void Disarm(Token t) {
    std::lock_guard<std::mutex> lock(mu_);
    armed_.erase(t);
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, std::chrono::milliseconds(100));
      auto now = Clock::now();
      for (auto& [deadline, conn] : armed_) {
        if (conn && now > deadline) {
          conn->Interrupt();
          conn = nullptr;  // interrupt once
        }
      }
    }
  }
  double timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::list<std::pair<Clock::time_point, store::Connection*>> armed_;
  bool stopping_ = false;
  std::thread thread_;
};

// One request on its way through the stages of Handle().
struct Server::Call {
  const HttpRequest& http;
  Clock::time_point start;
  std::string route_name = "unmatched";  // the metrics label
  std::string tenant_name;               // "" until a key names one
  std::optional<KeyInfo> key;
  std::shared_ptr<Tenant> tenant;
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  AuditRow audit;
  bool audited = false;  // customer-level, AI and write routes
};

Result<std::unique_ptr<Server>> Server::Create(ServeOptions options) {
  std::unique_ptr<Server> s(new Server());
  s->options_ = std::move(options);
  const ServerConfig& sc = s->options_.config.server;
  CI_ASSIGN_OR_RETURN(s->control_, ControlDb::Open(s->options_.data_dir, false));
  CI_RETURN_IF_ERROR(s->control_->FailAbandonedJobs());
  s->tenants_ = std::make_unique<TenantRegistry>(s->options_.data_dir + "/tenants", s->options_.config,
                                                 s->options_.ai_from_flags);
  s->keys_ = std::make_unique<KeyCache>(s->control_.get());
  s->audit_ = std::make_unique<AuditLog>(s->control_.get());
  s->quotas_ = std::make_unique<Quotas>(s->options_.config.tiers);
  s->scheduler_ = std::make_unique<Scheduler>(s->control_.get(), RunPipelineRefresh);
  s->watchdog_ = std::make_unique<Watchdog>(sc.request_timeout_s);
  s->services_ = {s->control_.get(), s->audit_.get(), s->scheduler_.get(), s->keys_.get(), s->tenants_.get(),
                  &s->options_.config, &s->metrics_, s->quotas_.get()};
  CI_ASSIGN_OR_RETURN(auto tenants, s->control_->ListTenants());
  CI_ASSIGN_OR_RETURN(auto usage, s->control_->ReadUsage("", 1));
  for (const UsageRow& u : usage) {
    if (u.day == UtcDay()) s->quotas_->SeedAi(u.tenant, u.ai_calls);
  }
  for (const TenantInfo& t : tenants) {
    CI_ASSIGN_OR_RETURN(auto tenant, s->tenants_->Get(t.name));
    CI_RETURN_IF_ERROR(s->scheduler_->Add(tenant).WithContext("tenant " + t.name + " [refresh] schedule"));
  }
  CI_RETURN_IF_ERROR(s->RecoverWriteAudits());
  if (const char* token = std::getenv(sc.operator_token_env.c_str()); token && *token) {
    if (std::strlen(token) < 16) {
      return Status::InvalidArgument("$" + sc.operator_token_env + " (the operator's token) must be 16 characters or more");
    }
    s->operator_token_ = token;
  }
  s->routes_ = AllRoutes();
  s->openapi_ = OpenApiDocument(s->routes_).dump(2);
  s->dashboard_.Load(sc.assets_dir);
  HttpServerOptions ho;
  ho.host = sc.host;
  ho.port = sc.port;
  ho.threads = sc.threads;
  ho.max_body_bytes = static_cast<size_t>(sc.max_body_bytes);
  ho.read_timeout_s = sc.read_timeout_s;
  ho.write_timeout_s = sc.write_timeout_s;
  ho.keep_alive_timeout_s = sc.keep_alive_timeout_s;
  ho.keep_alive_max_requests = sc.keep_alive_max_requests;
  s->http_ = std::make_unique<HttpServer>(ho);
  s->responses_ = std::make_unique<ResponseCache>(static_cast<size_t>(sc.response_cache_bytes));
  return s;
}

Status Server::RecoverWriteAudits() {
  for (const std::shared_ptr<Tenant>& tenant : tenants_->Loaded()) {
    CI_ASSIGN_OR_RETURN(store::Connection conn, tenant->Connect());
    CI_ASSIGN_OR_RETURN(std::vector<AuditRow> written, WriteAudits(conn, ""));
    // Once the audit log holds every write's row, the old answers go (the ledger stays bounded).
    auto compact = [&]() -> Status {
      CI_ASSIGN_OR_RETURN(int64_t n, CompactWriteLedger(conn));
      if (n > 0) LogInfo(fmt::format("tenant {}: answers of {} writes older than {} days dropped from the ledger",
                                     tenant->name(), n, kKeepWriteAnswersDays));
      return Status::Ok();
    };
    if (written.empty()) {
      CI_RETURN_IF_ERROR(compact());
      continue;
    }
    std::string since = written.front().at;  // the earliest (same text format: compares as time)
    for (const AuditRow& row : written) since = std::min(since, row.at);
    CI_ASSIGN_OR_RETURN(auto logged, control_->AuditedRequestIds(tenant->name(), since));
    std::vector<AuditRow> missing;
    for (AuditRow& row : written) {
      if (!logged.count(row.request_id)) missing.push_back(std::move(row));
    }
    if (!missing.empty()) {
      CI_RETURN_IF_ERROR(control_->AppendAudit(missing).WithContext("recovering the audit rows of writes"));
      LogInfo(fmt::format("tenant {}: {} audit rows of writes recovered into the audit log", tenant->name(),
                          missing.size()));
    }
    CI_RETURN_IF_ERROR(compact());
  }
  return Status::Ok();
}

Server::~Server() { Stop(); }

Result<int> Server::Bind() { return http_->Bind(); }

Status Server::Serve() {
  audit_->Start();
  scheduler_->Start();
  Status s = http_->Serve([this](const HttpRequest& r) { return Handle(r); },
                          [](int status) { return ErrorJson(status, ""); });
  Stop();
  return s;
}

void Server::Stop() {
  if (stopped_.exchange(true)) return;
  if (http_) http_->Stop();
  if (scheduler_) scheduler_->Stop();
  if (audit_) audit_->Stop();
}

HttpResponse Server::Handle(const HttpRequest& r) {
  Call call{r, Clock::now()};
  HttpResponse res = Stages(call);
  if (call.audited) {
    call.audit.status = res.status;
    call.audit.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - call.start).count();
    audit_->Record(std::move(call.audit));
  }
  res.headers.push_back({"X-Content-Type-Options", "nosniff"});
  metrics_.Observe(call.tenant_name, r.method, call.route_name, res.status,
                   std::chrono::duration<double>(Clock::now() - call.start).count());
  return res;
}

HttpResponse Server::Stages(Call& c) {
  if (Status valid = ValidateRequest(c.http); !valid.ok()) return ErrorFor(valid);
  if (auto res = Public(c)) return *res;
  if (auto res = Authenticate(c)) return *res;
  if (auto res = Admit(c)) return *res;
  if (auto res = Match(c)) return *res;
  return Execute(c);
}

std::optional<HttpResponse> Server::Public(Call& c) {
  const HttpRequest& r = c.http;
  if (r.method != "GET") return std::nullopt;
  std::optional<HttpResponse> res;
  if (r.path == "/healthz") {
    res = JsonResponse(200, {{"status", "ok"}});
  } else if (r.path == "/v1/openapi.json") {
    res = HttpResponse{200, "application/json", openapi_, {}};
  } else if (r.path == "/metrics" && !operator_token_.empty() && HashesEqual(PresentedKey(r), operator_token_)) {
    res = HttpResponse{200, "text/plain; version=0.0.4", metrics_.Render(std::nullopt), {}};  // the whole server
  } else if (auto f = dashboard_.Serve(r.path)) {
    res = *f;
  } else if (r.path == "/assets/echarts.min.js") {
    res = Error(404, "the charting library is not installed at " + dashboard_.charts_path() + " (run scripts/deps.sh)");
  }
  if (res) c.route_name = r.path.compare(0, 8, "/assets/") == 0 ? "/assets/*" : r.path;
  return res;
}

std::optional<HttpResponse> Server::Authenticate(Call& c) {
  auto key = keys_->Authenticate(c.http);
  if (!key.ok()) {
    HttpResponse res = key.status().code() == StatusCode::kPermissionDenied ? Error(401, key.status().message())
                                                                            : ErrorFor(key.status());
    res.headers.push_back({"WWW-Authenticate", "Bearer"});
    return res;
  }
  c.key = *key;
  c.tenant_name = key->tenant;
  auto tenant = tenants_->Get(key->tenant);
  if (!tenant.ok()) {
    return ErrorFor(Status::Unavailable("tenant '" + key->tenant + "' is not available: " + tenant.status().message()));
  }
  c.tenant = *tenant;
  AuditRow& a = c.audit;
  a.request_id = RandomId("r");  // unique across restarts: recovered write audits are matched by it
  a.key_id = key->key_id;
  a.tenant = key->tenant;
  a.role = std::string(RoleName(key->role));
  a.scope_account = key->scope_account.value_or("");
  a.method = c.http.method;
  a.path = Utf8Truncate(c.http.path, 300);
  a.at = UtcTimestamp();
  return std::nullopt;
}

std::optional<HttpResponse> Server::Admit(Call& c) {
  int retry_after = 0;
  Status rate = quotas_->TakeRequest(c.key->tenant, c.key->tier, &retry_after);
  if (rate.ok()) return std::nullopt;
  audit_->CountRequest(c.key->tenant, false, true);
  HttpResponse res = ErrorFor(rate);
  res.headers.push_back({"Retry-After", std::to_string(retry_after)});
  return res;
}

std::optional<HttpResponse> Server::Match(Call& c) {
  const HttpRequest& r = c.http;
  const KeyInfo& key = *c.key;
  bool path_known = false;
  for (const Route& candidate : routes_) {
    if (!MatchPath(candidate.path, r.path, &c.params)) continue;
    path_known = true;
    if (candidate.method == r.method) {
      c.route = &candidate;
      break;
    }
  }
  const Route* route = c.route;
  audit_->CountRequest(key.tenant, route && route->uses_ai, false);
  if (!route) return path_known ? Error(405, r.method + " is not allowed on " + r.path) : Error(404, "no route " + r.path);
  c.route_name = route->path;
  c.audit.route = route->path;
  c.audited = route->customer_data || route->uses_ai;
  c.audit.uses_ai = route->uses_ai;
  if (std::find(route->roles.begin(), route->roles.end(), key.role) == route->roles.end()) {
    return Error(403, fmt::format("a {} key may not call {} {}", RoleName(key.role), route->method, route->path));
  }
  for (const auto& [name, value] : r.query) {
    bool known = std::any_of(route->query.begin(), route->query.end(), [&](const ParamDoc& p) { return p.name == name; });
    if (!known) return Error(400, "unknown parameter '" + Utf8Truncate(name, 64) + "' for " + route->path);
  }
  if (route->uses_ai) {
    int retry_after = 0;
    Status ai = quotas_->CheckAi(key.tenant, key.tier, &retry_after);
    if (!ai.ok()) {
      HttpResponse res = ErrorFor(ai);
      res.headers.push_back({"Retry-After", std::to_string(retry_after)});
      return res;
    }
  }
  return std::nullopt;
}

HttpResponse Server::Execute(Call& c) {
  const HttpRequest& r = c.http;
  const KeyInfo& key = *c.key;
  Tenant& tenant = *c.tenant;
  const Route* route = c.route;
  AuditRow* audit = &c.audit;
  // A cached answer of this tenant's current data generation: same audit row, no query.
  const bool cacheable = route->cacheable && options_.config.server.response_cache_bytes > 0;
  const uint64_t generation = tenant.generation();
  std::string cache_key;
  if (cacheable) {
    cache_key = ResponseCache::Key(tenant.name(), RoleName(key.role), key.scope_account, r);
    auto hit = responses_->Find(cache_key, generation);
    metrics_.CountCache(tenant.name(), hit.has_value());
    if (hit) {
      audit->tables_touched = hit->tables;
      audit->rows_returned = hit->rows;
      audit->prompt_summary = hit->prompt_summary;
      audit->response_summary = hit->response_summary;
      return std::move(hit->response);
    }
  }
  // Whatever a write changes, no cached answer computed before it is served after it.
  struct BumpAfterWrite {
    Tenant& t;
    bool write;
    ~BumpAfterWrite() {
      if (write) t.BumpGeneration();
    }
  } bump{tenant, r.method != "GET"};
  auto lease = tenant.Acquire(key.scope_account);
  if (!lease.ok()) return ErrorFor(lease.status());
  RequestContext ctx{r, key, tenant, *lease, services_, c.params, {}, 0, "", "", audit};
  auto token = watchdog_->Arm(&lease->conn());
  Result<Reply> reply = Status::Internal("no reply");
  try {
    reply = route->handler(ctx);
  } catch (const std::exception& e) {  // a bug: handlers return Status values
    LogError(fmt::format("{} {}: {}", r.method, r.path, e.what()));
    reply = Status::Internal("internal error");
  }
  watchdog_->Disarm(token);
  audit->tables_touched = Join(ctx.tables, ",");
  audit->rows_returned = ctx.rows;
  audit->prompt_summary = Utf8Truncate(ctx.prompt_summary, 200);
  if (!reply.ok()) {
    Status s = reply.status();
    if (s.message().find("INTERRUPT") != std::string::npos || s.message().find("nterrupt") != std::string::npos) {
      s = Status::Unavailable(fmt::format("the query ran longer than {} s and was stopped",
                                          options_.config.server.request_timeout_s));
    }
    audit->response_summary = Utf8Truncate(s.message(), 200);
    return ErrorFor(s);
  }
  if (reply->status != route->ok_status && reply->status >= 200 && reply->status < 300) {
    // The OpenAPI document promises route->ok_status: a mismatch is a bug in the route table.
    LogError(fmt::format("{} {}: answered {} where the route table documents {}", r.method, r.path, reply->status,
                         route->ok_status));
    audit->response_summary = "internal error: undocumented success code";
    return ErrorFor(Status::Internal("internal error"));
  }
  if (route->uses_ai) quotas_->CountAi(key.tenant);
  audit->response_summary = Utf8Truncate(ctx.response_summary, 200);
  HttpResponse res = reply->text ? HttpResponse{reply->status, reply->text->first, reply->text->second, {}}
                                 : JsonResponse(reply->status, reply->body);
  res.headers = reply->headers;
  if (cacheable && res.status == 200) {
    responses_->Store(cache_key, generation,
                      {res, audit->rows_returned, audit->tables_touched, audit->response_summary, audit->prompt_summary});
  }
  return res;
}

}  // namespace custintel::server
