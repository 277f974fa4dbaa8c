#include "server/server.h"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <list>
#include <thread>

#include "core/log.h"
#include "core/strings.h"

namespace custintel::server {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

HttpResponse JsonResponse(int status, const json& body) { return {status, "application/json", body.dump(), {}}; }

HttpResponse Error(int status, const std::string& message) {
  return {status, "application/json", ErrorJson(status, message), {}};
}

HttpResponse ErrorFor(const Status& s) { return Error(HttpStatusFor(s), s.message()); }

std::string Truncate(const std::string& s, size_t n) { return s.size() <= n ? s : s.substr(0, n) + "..."; }

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

Result<std::unique_ptr<Server>> Server::Create(ServeOptions options) {
  std::unique_ptr<Server> s(new Server());
  s->options_ = std::move(options);
  const ServerConfig& sc = s->options_.config.server;
  CI_ASSIGN_OR_RETURN(s->control_, ControlDb::Open(s->options_.data_dir, false));
  CI_RETURN_IF_ERROR(s->control_->FailAbandonedJobs());
  s->tenants_ = std::make_unique<TenantRegistry>(s->options_.data_dir + "/tenants", s->options_.config);
  s->keys_ = std::make_unique<KeyCache>(s->control_.get());
  s->audit_ = std::make_unique<AuditLog>(s->control_.get());
  s->quotas_ = std::make_unique<Quotas>(s->options_.config.tiers);
  s->scheduler_ = std::make_unique<Scheduler>(s->control_.get(), RunPipelineRefresh);
  s->watchdog_ = std::make_unique<Watchdog>(sc.request_timeout_s);
  s->services_ = {s->control_.get(), s->audit_.get(), s->scheduler_.get(), s->keys_.get(), s->tenants_.get(),
                  &s->options_.config};
  CI_ASSIGN_OR_RETURN(auto tenants, s->control_->ListTenants());
  CI_ASSIGN_OR_RETURN(auto usage, s->control_->ReadUsage("", 1));
  for (const UsageRow& u : usage) {
    if (u.day == UtcDay()) s->quotas_->SeedAi(u.tenant, u.ai_calls);
  }
  for (const TenantInfo& t : tenants) {
    CI_ASSIGN_OR_RETURN(auto tenant, s->tenants_->Get(t.name));
    CI_RETURN_IF_ERROR(s->scheduler_->Add(tenant).WithContext("tenant " + t.name + " [refresh] schedule"));
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
  s->http_ = std::make_unique<HttpServer>(ho);
  s->responses_ = std::make_unique<ResponseCache>(static_cast<size_t>(sc.response_cache_bytes));
  return s;
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

HttpResponse Server::Public(const HttpRequest& r, bool* handled) {
  *handled = true;
  if (r.method == "GET" && r.path == "/healthz") return JsonResponse(200, {{"status", "ok"}});
  if (r.method == "GET" && r.path == "/v1/openapi.json") return {200, "application/json", openapi_, {}};
  if (r.method == "GET") {
    if (auto f = dashboard_.Serve(r.path)) return *f;
    if (r.path == "/assets/echarts.min.js") {
      return Error(404, "the charting library is not installed at " + dashboard_.charts_path() + " (run scripts/deps.sh)");
    }
  }
  *handled = false;
  return {};
}

HttpResponse Server::Handle(const HttpRequest& r) {
  auto start = Clock::now();
  std::string route_name = "unmatched";
  bool handled = false;
  HttpResponse res = Public(r, &handled);
  if (handled) {
    route_name = r.path.compare(0, 8, "/assets/") == 0 ? "/assets/*" : r.path;
  } else {
    auto key = keys_->Authenticate(r);
    if (!key.ok()) {
      res = key.status().code() == StatusCode::kPermissionDenied ? Error(401, key.status().message())
                                                                 : ErrorFor(key.status());
      res.headers.push_back({"WWW-Authenticate", "Bearer"});
    } else {
      auto tenant = tenants_->Get(key->tenant);
      AuditRow audit;
      bool audited = false;
      if (!tenant.ok()) {
        res = ErrorFor(Status::Unavailable("tenant '" + key->tenant + "' is not available: " + tenant.status().message()));
      } else {
        res = HandleRoute(r, *key, *tenant, &route_name, &audit, &audited);
      }
      audit.status = res.status;
      audit.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (audited) audit_->Record(std::move(audit));
    }
  }
  res.headers.push_back({"X-Content-Type-Options", "nosniff"});
  metrics_.Observe(r.method, route_name, res.status, std::chrono::duration<double>(Clock::now() - start).count());
  return res;
}

HttpResponse Server::HandleRoute(const HttpRequest& r, const KeyInfo& key, std::shared_ptr<Tenant> tenant,
                                 std::string* route_name, AuditRow* audit, bool* audited) {
  *audit = AuditRow{};
  audit->request_id = fmt::format("r{}", next_request_.fetch_add(1));
  audit->key_id = key.key_id;
  audit->tenant = key.tenant;
  audit->role = std::string(RoleName(key.role));
  audit->scope_account = key.scope_account.value_or("");
  audit->method = r.method;
  audit->path = Truncate(r.path, 300);
  int retry_after = 0;
  Status rate = quotas_->TakeRequest(key.tenant, key.tier, &retry_after);
  if (!rate.ok()) {
    audit_->CountRequest(key.tenant, false, true);
    HttpResponse res = ErrorFor(rate);
    res.headers.push_back({"Retry-After", std::to_string(retry_after)});
    return res;
  }
  if (r.method == "GET" && r.path == "/metrics") {
    *route_name = "/metrics";
    audit_->CountRequest(key.tenant, false, false);
    if (key.role != Role::kAdmin) return Error(403, "metrics need an admin key");
    return {200, "text/plain; version=0.0.4",
            metrics_.Render() + fmt::format("# TYPE custintel_response_cache_hits_total counter\n"
                                            "custintel_response_cache_hits_total {}\n"
                                            "# TYPE custintel_response_cache_misses_total counter\n"
                                            "custintel_response_cache_misses_total {}\n",
                                            responses_->hits(), responses_->misses()),
            {}};
  }
  const Route* route = nullptr;
  bool path_known = false;
  std::map<std::string, std::string> params;
  for (const Route& candidate : routes_) {
    if (!MatchPath(candidate.path, r.path, &params)) continue;
    path_known = true;
    if (candidate.method == r.method) {
      route = &candidate;
      break;
    }
  }
  audit_->CountRequest(key.tenant, route && route->uses_ai, false);
  if (!route) return path_known ? Error(405, r.method + " is not allowed on " + r.path) : Error(404, "no route " + r.path);
  *route_name = route->path;
  audit->route = route->path;
  *audited = route->customer_data || route->uses_ai;
  audit->uses_ai = route->uses_ai;
  if (std::find(route->roles.begin(), route->roles.end(), key.role) == route->roles.end()) {
    return Error(403, fmt::format("a {} key may not call {} {}", RoleName(key.role), route->method, route->path));
  }
  for (const auto& [name, value] : r.query) {
    bool known = std::any_of(route->query.begin(), route->query.end(), [&](const ParamDoc& p) { return p.name == name; });
    if (!known) return Error(400, "unknown parameter '" + Truncate(name, 64) + "' for " + route->path);
  }
  if (route->uses_ai) {
    Status ai = quotas_->CheckAi(key.tenant, key.tier, &retry_after);
    if (!ai.ok()) {
      HttpResponse res = ErrorFor(ai);
      res.headers.push_back({"Retry-After", std::to_string(retry_after)});
      return res;
    }
  }
  // A cached answer of this tenant's current data generation: same audit row, no query.
  const bool cacheable = route->cacheable && options_.config.server.response_cache_bytes > 0;
  const uint64_t generation = tenant->generation();
  std::string cache_key;
  if (cacheable) {
    cache_key = ResponseCache::Key(tenant->name(), RoleName(key.role), key.scope_account, r);
    if (auto hit = responses_->Find(cache_key, generation)) {
      audit->tables_touched = hit->tables;
      audit->rows_returned = hit->rows;
      audit->prompt_summary = hit->prompt_summary;
      audit->response_summary = hit->response_summary;
      return hit->response;
    }
  }
  // Whatever a write changes, no cached answer computed before it is served after it.
  struct BumpAfterWrite {
    Tenant& t;
    bool write;
    ~BumpAfterWrite() {
      if (write) t.BumpGeneration();
    }
  } bump{*tenant, r.method != "GET"};
  auto lease = tenant->Acquire(key.scope_account);
  if (!lease.ok()) return ErrorFor(lease.status());
  RequestContext ctx{r, key, *tenant, *lease, services_, params, {}, 0, "", ""};
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
  audit->prompt_summary = Truncate(ctx.prompt_summary, 200);
  if (!reply.ok()) {
    Status s = reply.status();
    if (s.message().find("INTERRUPT") != std::string::npos || s.message().find("nterrupt") != std::string::npos) {
      s = Status::Unavailable(fmt::format("the query ran longer than {} s and was stopped",
                                          options_.config.server.request_timeout_s));
    }
    audit->response_summary = Truncate(s.message(), 200);
    return ErrorFor(s);
  }
  if (route->uses_ai) quotas_->CountAi(key.tenant);
  audit->response_summary = Truncate(ctx.response_summary, 200);
  HttpResponse res = JsonResponse(reply->status, reply->body);
  res.headers = reply->headers;
  if (cacheable && res.status == 200) {
    responses_->Store(cache_key, generation,
                      {res, audit->rows_returned, audit->tables_touched, audit->response_summary, audit->prompt_summary});
  }
  return res;
}

}  // namespace custintel::server
