// Commands of the serving area (issue 8): serve, tenants create|list, keys create|list|revoke.
// The work is in server/; this file maps flags onto it.
#include <fmt/format.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "server/control.h"
#include "server/server.h"

namespace custintel::cli {
namespace {

struct ServeArgs {
  std::string data_dir = "custintel-data";
  std::string host;
  int port = -1;
  std::string tenant, role, scope, tier, label, key_id;
  bool json = false;
};

Status UsageError(GlobalOptions& g, Status s) {
  g.usage_error = true;
  return s;
}

Status RunServe(GlobalOptions& g, const ServeArgs& a, bool db_given) {
  // Every flag is honoured or refused: serve reads the tenants of --data-dir, never --db.
  if (db_given) {
    return UsageError(g, Status::InvalidArgument("serve takes --data-dir (its tenants' databases live under it), not "
                                                 "--db"));
  }
  CI_ASSIGN_OR_RETURN(Config config, ResolveConfig(g));
  if (!g.memory_limit.empty()) config.database.memory_limit = g.memory_limit;  // each tenant's database
  const bool ai_flags = !g.ai_backend.empty() || !g.ai_model.empty() || !g.ai_base_url.empty();
  if (ai_flags) {
    CI_ASSIGN_OR_RETURN(config.ai, ResolveAiConfig(g));  // every tenant's backend, over its own [ai]
    if (config.ai.backend == "http" && config.ai.base_urls.empty()) {
      return UsageError(g, Status::InvalidArgument("--backend http needs --base-url URL (or [ai] base_urls)"));
    }
    if (config.ai.backend == "llama" && !std::filesystem::is_regular_file(config.ai.model)) {
      return UsageError(g, Status::InvalidArgument("--backend llama needs --model FILE.gguf, an existing file (got '" +
                                                   config.ai.model + "')"));
    }
  }
  if (!a.host.empty()) config.server.host = a.host;
  if (a.port >= 0) config.server.port = a.port;
  if (a.port > 65535) return UsageError(g, Status::InvalidArgument("--port must be 0..65535"));
  // SIGINT/SIGTERM are taken by a thread that stops the server cleanly (audit flushed, jobs joined).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  CI_ASSIGN_OR_RETURN(auto server, server::Server::Create({a.data_dir, config, ai_flags}));
  CI_ASSIGN_OR_RETURN(int port, server->Bind());
  std::cout << fmt::format("custintel serving {} on http://{}:{}/", a.data_dir, config.server.host, port) << std::endl;
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    server->Stop();
  });
  Status s = server->Serve();
  pthread_kill(waiter.native_handle(), SIGTERM);  // wake the waiter when Serve ended on its own
  waiter.join();
  return s;
}

Status RunTenantsCreate(GlobalOptions& g, const ServeArgs& a) {
  CI_ASSIGN_OR_RETURN(Config config, ResolveConfig(g));
  std::string tier = a.tier.empty() ? config.server.default_tier : a.tier;
  if (!config.tiers.count(tier)) return UsageError(g, Status::InvalidArgument("--tier '" + tier + "' is not configured"));
  if (Status v = server::ValidateTenantName(a.tenant); !v.ok()) return UsageError(g, v);
  CI_ASSIGN_OR_RETURN(auto control, server::ControlDb::Open(a.data_dir, true));
  CI_RETURN_IF_ERROR(control->CreateTenant(a.tenant, tier));
  std::cout << fmt::format("created tenant {} (tier {}): {}\n", a.tenant, tier, control->TenantDbPath(a.tenant));
  std::cout << fmt::format("load data: custintel ingest --db {} --dir ...; custintel run --db {}\n",
                           control->TenantDbPath(a.tenant), control->TenantDbPath(a.tenant));
  return Status::Ok();
}

Status RunTenantsList(const ServeArgs& a) {
  CI_ASSIGN_OR_RETURN(auto control, server::ControlDb::Open(a.data_dir, false));
  CI_ASSIGN_OR_RETURN(auto tenants, control->ListTenants());
  if (a.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& t : tenants) rows.push_back({{"name", t.name}, {"tier", t.tier}, {"created_at", t.created_at}});
    std::cout << rows.dump(2) << '\n';
    return Status::Ok();
  }
  std::cout << fmt::format("{:<24} {:<12} {}\n", "tenant", "tier", "created_at");
  for (const auto& t : tenants) std::cout << fmt::format("{:<24} {:<12} {}\n", t.name, t.tier, t.created_at);
  return Status::Ok();
}

Status RunKeysCreate(GlobalOptions& g, const ServeArgs& a) {
  auto role = server::ParseRole(a.role);
  if (!role.ok()) return UsageError(g, role.status());
  server::KeySpec spec{a.tenant, *role, std::nullopt, a.tier, a.label};
  if (!a.scope.empty()) {
    const std::string prefix = "account_id=";
    if (a.scope.compare(0, prefix.size(), prefix) != 0 || a.scope.size() == prefix.size()) {
      return UsageError(g, Status::InvalidArgument("--scope must be account_id=VALUE"));
    }
    spec.scope_account = a.scope.substr(prefix.size());
  }
  if (*role == server::Role::kAccount && !spec.scope_account) {
    return UsageError(g, Status::InvalidArgument("an account key needs --scope account_id=VALUE"));
  }
  CI_ASSIGN_OR_RETURN(Config config, ResolveConfig(g));
  if (!a.tier.empty() && !config.tiers.count(a.tier)) {
    return UsageError(g, Status::InvalidArgument("--tier '" + a.tier + "' is not configured"));
  }
  CI_ASSIGN_OR_RETURN(auto control, server::ControlDb::Open(a.data_dir, false));
  CI_ASSIGN_OR_RETURN(server::CreatedKey k, control->CreateKey(spec));
  if (a.json) {
    std::cout << nlohmann::json{{"key_id", k.info.key_id}, {"key", k.key}, {"tenant", k.info.tenant},
                                {"role", server::RoleName(k.info.role)}, {"tier", k.info.tier}}
                     .dump()
              << '\n';
    return Status::Ok();
  }
  std::cout << k.key << '\n';
  std::cerr << fmt::format("key {} for tenant {} (role {}{}, tier {}); it is shown only now, keep it safe\n",
                           k.info.key_id, k.info.tenant, server::RoleName(k.info.role),
                           k.info.scope_account ? ", account " + *k.info.scope_account : "", k.info.tier);
  return Status::Ok();
}

Status RunKeysList(const ServeArgs& a) {
  CI_ASSIGN_OR_RETURN(auto control, server::ControlDb::Open(a.data_dir, false));
  CI_ASSIGN_OR_RETURN(auto keys, control->ListKeys(a.tenant));
  std::cout << fmt::format("{:<18} {:<16} {:<8} {:<20} {:<10} {:<8} {}\n", "key_id", "tenant", "role", "scope", "tier",
                           "revoked", "label");
  for (const auto& k : keys) {
    std::cout << fmt::format("{:<18} {:<16} {:<8} {:<20} {:<10} {:<8} {}\n", k.key_id, k.tenant,
                             server::RoleName(k.role), k.scope_account.value_or("-"), k.tier, k.revoked ? "yes" : "no",
                             k.label);
  }
  return Status::Ok();
}

Status RunKeysRevoke(const ServeArgs& a) {
  CI_ASSIGN_OR_RETURN(auto control, server::ControlDb::Open(a.data_dir, false));
  CI_RETURN_IF_ERROR(control->RevokeKey(a.key_id, ""));
  std::cout << "revoked " << a.key_id << '\n';
  return Status::Ok();
}

}  // namespace

void RegisterServeCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  static ServeArgs a;
  auto data_dir = [](CLI::App* sub) {
    sub->add_option("--data-dir", a.data_dir, "serving data directory (control.duckdb, tenants/)")->capture_default_str();
  };
  auto* serve = app.add_subcommand("serve", "serve every tenant of a data directory: REST API and dashboard");
  common(serve, &g);
  data_dir(serve);
  serve->add_option("--host", a.host, "listen address (default [server] host: 127.0.0.1)");
  serve->add_option("--port", a.port, "listen port; 0 = any free port (default [server] port: 8080)");
  serve->callback([&, serve] { action = [&, serve] { return RunServe(g, a, serve->count("--db") > 0); }; });

  auto* tenants = app.add_subcommand("tenants", "create and list tenants (one DuckDB file each)");
  tenants->require_subcommand(1);
  auto* tc = tenants->add_subcommand("create", "create a tenant and its database");
  common(tc, &g);
  data_dir(tc);
  tc->add_option("name", a.tenant, "tenant name (a-z, 0-9, _ and -)")->required();
  tc->add_option("--tier", a.tier, "tier from the config's [tiers.*] (default [server] default_tier)");
  tc->callback([&] { action = [&] { return RunTenantsCreate(g, a); }; });
  auto* tl = tenants->add_subcommand("list", "list tenants");
  common(tl, &g);
  data_dir(tl);
  tl->add_flag("--json", a.json, "print JSON");
  tl->callback([&] { action = [&] { return RunTenantsList(a); }; });

  auto* keys = app.add_subcommand("keys", "create, list and revoke API keys (the server must be stopped; "
                                          "while it runs use /v1/keys)");
  keys->require_subcommand(1);
  auto* kc = keys->add_subcommand("create", "create an API key; prints it once");
  common(kc, &g);
  data_dir(kc);
  kc->add_option("--tenant", a.tenant, "the key's tenant")->required();
  kc->add_option("--role", a.role, "admin | analyst | viewer | account")->required();
  kc->add_option("--scope", a.scope, "account keys: account_id=VALUE (the only rows the key sees)");
  kc->add_option("--tier", a.tier, "rate and AI quota tier (default: the tenant's)");
  kc->add_option("--label", a.label, "a note on what the key is for");
  kc->add_flag("--json", a.json, "print JSON (key_id, key, ...)");
  kc->callback([&] { action = [&] { return RunKeysCreate(g, a); }; });
  auto* kl = keys->add_subcommand("list", "list API keys (never their secrets)");
  common(kl, &g);
  data_dir(kl);
  kl->add_option("--tenant", a.tenant, "only this tenant's keys");
  kl->callback([&] { action = [&] { return RunKeysList(a); }; });
  auto* kr = keys->add_subcommand("revoke", "revoke an API key");
  common(kr, &g);
  data_dir(kr);
  kr->add_option("key_id", a.key_id, "the key's id (keys list)")->required();
  kr->callback([&] { action = [&] { return RunKeysRevoke(a); }; });
}

}  // namespace custintel::cli
