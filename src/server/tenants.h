// Tenants as the server sees them: one DuckDB file each (data-dir/tenants/<name>.duckdb),
// opened once and shared, with a pool of connections.
//
// Row scopes are enforced here and nowhere else. Every tenant database gets a schema `scoped`
// of views over its customer-level tables, each filtered by the session variable ci_scope
// (the account_id of an account key, NULL for tenant-wide keys). A lease sets ci_scope from the
// key (bound as a parameter) before handing the connection out, and endpoints read only
// scoped.* views — so an account key's every query and every aggregate sees its rows only.
// Tenant-level tables (segments, cohorts, executive metrics) are empty through scoped.* for
// account keys; their numbers are recomputed from scoped rows instead.
//
// Thread safety: TenantRegistry and Tenant are safe to share; a Lease belongs to one thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "store/ai/runtime.h"
#include "store/database.h"

namespace custintel::server {

class Tenant;

// A pooled connection with the key's scope applied; returned to the pool when destroyed.
class Lease {
 public:
  Lease(Lease&&) noexcept;
  ~Lease();
  store::Connection& conn() { return *conn_; }

 private:
  friend class Tenant;
  Lease(Tenant* tenant, std::unique_ptr<store::Connection> conn) : tenant_(tenant), conn_(std::move(conn)) {}
  Tenant* tenant_;
  std::unique_ptr<store::Connection> conn_;
};

class Tenant {
 public:
  Tenant(std::string name, std::shared_ptr<store::Database> db, Config config)
      : name_(std::move(name)), db_(std::move(db)), config_(std::move(config)) {}
  const std::string& name() const { return name_; }
  const Config& config() const { return config_; }

  // scope: the account_id an account key is limited to; nullopt = the whole tenant.
  Result<Lease> Acquire(const std::optional<std::string>& scope);
  // A fresh connection outside the pool (refresh jobs).
  Result<store::Connection> Connect() { return db_->Connect(); }
  // The tenant's database (the AI layer's cache and budget live in it).
  std::weak_ptr<store::Database> database() const { return db_; }
  // (Re)creates the scoped.* views over the tables that exist now.
  Status RefreshViews();
  // Whether `schema.table` exists (for endpoints over tables other parts may not have built).
  // scoped.* is answered from what the last RefreshViews created (no catalog query: this runs
  // on every request); other schemas ask the catalog.
  Result<bool> HasTable(store::Connection& conn, const std::string& schema, const std::string& table);

  // The data generation: bumped by every refresh (RefreshViews) and every write, so cached
  // answers (server/response_cache.h) computed before it are never served after it.
  uint64_t generation() const { return generation_.load(); }
  void BumpGeneration() { generation_.fetch_add(1); }

  // The tenant's AI runtime for texts written on demand (GET /v1/customers/{id}): built once,
  // so a model backend is loaded once, not per request. Thread-safe.
  std::shared_ptr<store::AiRuntime> ai_runtime();

  // Held while a refresh of this tenant runs: one at a time.
  std::mutex& refresh_mutex() { return refresh_mu_; }

 private:
  friend class Lease;
  void Release(std::unique_ptr<store::Connection> conn);

  std::string name_;
  std::shared_ptr<store::Database> db_;
  Config config_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<store::Connection>> pool_;
  std::mutex refresh_mu_;
  mutable std::mutex views_mu_;
  std::set<std::string> scoped_views_;  // the scoped.* views RefreshViews created
  std::atomic<uint64_t> generation_{0};
  std::mutex ai_mu_;
  std::shared_ptr<store::AiRuntime> ai_runtime_;
};

class TenantRegistry {
 public:
  // tenant_dir: data-dir/tenants; base: the server's config (a tenant's <name>.toml replaces
  // it, except base's [ai] when base_ai_wins: `serve --backend/--model/--base-url` were given).
  TenantRegistry(std::string tenant_dir, Config base, bool base_ai_wins = false)
      : dir_(std::move(tenant_dir)), base_(std::move(base)), base_ai_wins_(base_ai_wins) {}
  // Opens the tenant on first use. NotFound when its file does not exist.
  Result<std::shared_ptr<Tenant>> Get(const std::string& name);
  // Tenants opened so far.
  std::vector<std::shared_ptr<Tenant>> Loaded();

 private:
  std::string dir_;
  Config base_;
  bool base_ai_wins_ = false;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Tenant>> tenants_;
};

}  // namespace custintel::server
