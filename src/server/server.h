// `custintel serve`: every tenant of a data directory behind one HTTP API and dashboard.
//
// A request goes through Handle() in stages, each able to answer on its own:
//   1. Validate: path, query and body checked once at the door (UTF-8, control characters,
//      sizes: 400), so nothing malformed reaches a table, the audit log included;
//   2. Public: /healthz, /v1/openapi.json, the dashboard's static files — nothing else is
//      public: deny by default; the operator's token reads the whole server's /metrics;
//   3. Authenticate: the API key → tenant, role, scope (401 when missing, unknown, revoked);
//   4. Admit: the tenant's request rate (token bucket, 429 + Retry-After);
//   5. Match: the route (404 / 405), the key's role (403), the query parameters (400), the AI
//      quota for routes that use AI (429 + Retry-After);
//   6. Execute: a cached answer, or the handler over a connection scoped to the key,
//      interrupted after request_timeout_s;
//   7. audit (customer-level, AI and write routes), usage, metrics.
//
//   CI_ASSIGN_OR_RETURN(auto server, Server::Create({"/srv/custintel", config}));
//   CI_ASSIGN_OR_RETURN(int port, server->Bind());
//   return server->Serve();   // until Stop() or SIGINT/SIGTERM in the CLI
//
// Thread safety: Handle() runs on many threads at once; Stop() from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "server/api.h"
#include "server/audit.h"
#include "server/auth.h"
#include "server/control.h"
#include "server/dashboard.h"
#include "server/http.h"
#include "server/metrics.h"
#include "server/quota.h"
#include "server/response_cache.h"
#include "server/scheduler.h"
#include "server/tenants.h"

namespace custintel::server {

struct ServeOptions {
  std::string data_dir;
  Config config;  // [server], [tiers.*]; a tenant's own tenants/<name>.toml adds its [refresh]
  // config.ai came from `serve --backend/--model/--base-url`: it then overrides every tenant's
  // own [ai] too (otherwise a tenant's tenants/<name>.toml decides its AI backend).
  bool ai_from_flags = false;
};

class Watchdog;

class Server {
 public:
  static Result<std::unique_ptr<Server>> Create(ServeOptions options);
  ~Server();

  // Listens on config.server.host:port (0 = any free port); returns the port.
  Result<int> Bind();
  // Serves until Stop(); then flushes the audit log and waits for running refreshes.
  Status Serve();
  void Stop();

  HttpResponse Handle(const HttpRequest& request);
  Scheduler& scheduler() { return *scheduler_; }

 private:
  struct Call;  // one request on its way through the stages (server.cc)
  Server() = default;
  HttpResponse Stages(Call& call);
  std::optional<HttpResponse> Public(Call& call);
  std::optional<HttpResponse> Authenticate(Call& call);
  std::optional<HttpResponse> Admit(Call& call);
  std::optional<HttpResponse> Match(Call& call);
  HttpResponse Execute(Call& call);
  // Audit rows of writes that reached a tenant database but not the control database (the
  // server stopped in between): appended at start.
  Status RecoverWriteAudits();

  ServeOptions options_;
  std::unique_ptr<ControlDb> control_;
  std::unique_ptr<TenantRegistry> tenants_;
  std::unique_ptr<KeyCache> keys_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Quotas> quotas_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<Watchdog> watchdog_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<ResponseCache> responses_;
  Metrics metrics_;
  Dashboard dashboard_;
  Services services_;
  std::vector<Route> routes_;
  std::string openapi_;
  std::string operator_token_;  // "" = no operator view
  std::atomic<bool> stopped_{false};
};

}  // namespace custintel::server
