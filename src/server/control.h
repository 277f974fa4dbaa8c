// The control database (data-dir/control.duckdb): tenants, API keys (hashed), the audit log,
// usage per tenant and day, and refresh jobs. Tenant data is never here.
//
// DuckDB lets one process write a file at a time: while `custintel serve` runs it holds this
// file, so key changes then go through the server's admin API (POST /v1/keys ...).
//
// Thread safety: every method may be called from any thread (one connection, serialised).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace custintel::server {

enum class Role { kAdmin, kAnalyst, kViewer, kAccount };
std::string_view RoleName(Role r);
Result<Role> ParseRole(std::string_view name);

struct TenantInfo {
  std::string name;
  std::string tier;
  std::string created_at;
};

struct KeyInfo {
  std::string key_id;
  std::string tenant;
  Role role = Role::kViewer;
  std::optional<std::string> scope_account;  // account keys: the one account_id they see
  std::string tier;
  std::string key_hash;
  std::string label;
  std::string created_at;
  bool revoked = false;
};

struct KeySpec {
  std::string tenant;
  Role role = Role::kViewer;
  std::optional<std::string> scope_account;  // required for (and only for) account keys
  std::string tier;                          // "" = the tenant's tier
  std::string label;
};

struct CreatedKey {
  KeyInfo info;
  std::string key;  // shown once
};

struct AuditRow {
  std::string at;  // "" = now
  std::string request_id, key_id, tenant, role, scope_account, method, route, path;
  std::string prompt_summary, tables_touched, response_summary;
  int64_t rows_returned = 0;
  int status = 0;
  bool uses_ai = false;
  double duration_ms = 0;
};

struct UsageRow {
  std::string tenant, day;  // day: YYYY-MM-DD (UTC)
  int64_t requests = 0, ai_calls = 0, rate_limited = 0;
};

struct JobRow {
  int64_t job_id = 0;
  std::string tenant, kind, trigger, status, started_at, finished_at, message;
  int64_t run_id = 0;
};

// Tenant names: 1-63 of [a-z0-9_-], starting with a letter or digit (they name files).
Status ValidateTenantName(std::string_view name);
// Account scopes: 1-128 printable characters without quotes or control characters.
Status ValidateScopeAccount(std::string_view account);

// Whether `path` is a serving data directory's control database (data-dir/control.duckdb
// beside data-dir/tenants/), which `custintel sql` opens as it is.
bool IsControlDatabase(const std::string& path);

class ControlDb {
 public:
  // Opens (creating when asked) data_dir/control.duckdb with its schema applied.
  static Result<std::unique_ptr<ControlDb>> Open(const std::string& data_dir, bool create);

  const std::string& data_dir() const { return data_dir_; }
  std::string TenantDbPath(const std::string& tenant) const;
  std::string TenantConfigPath(const std::string& tenant) const;

  // Registers the tenant and creates its database file (engine schema applied).
  Status CreateTenant(const std::string& name, const std::string& tier);
  Result<std::vector<TenantInfo>> ListTenants();

  Result<CreatedKey> CreateKey(const KeySpec& spec);
  // tenant "" = all tenants.
  Result<std::vector<KeyInfo>> ListKeys(const std::string& tenant);
  Result<std::optional<KeyInfo>> FindKey(const std::string& key_id);
  // NotFound when no such key (in `tenant`, unless tenant is "").
  Status RevokeKey(const std::string& key_id, const std::string& tenant);

  Status AppendAudit(const std::vector<AuditRow>& rows);
  // request_id of the tenant's audit rows logged at or after `since` (a UTC timestamp).
  Result<std::set<std::string>> AuditedRequestIds(const std::string& tenant, const std::string& since);
  // Newest first. tenant is required: a tenant reads only its own log.
  Result<store::QueryResult> ReadAudit(const std::string& tenant, int64_t limit, const std::string& before);

  // Adds to the (tenant, day) counters.
  Status AddUsage(const std::vector<UsageRow>& rows);
  Result<std::vector<UsageRow>> ReadUsage(const std::string& tenant, int days);

  Result<int64_t> StartJob(const std::string& tenant, const std::string& kind, const std::string& trigger);
  Status FinishJob(int64_t job_id, const std::string& status, int64_t run_id, const std::string& message);
  Result<store::QueryResult> ReadJobs(const std::string& tenant, int64_t limit);
  // Jobs left "running" by a process that died are marked failed at start.
  Status FailAbandonedJobs();

 private:
  ControlDb() = default;
  template <class F>
  auto Locked(F f) {
    std::lock_guard<std::mutex> lock(mu_);
    return f(*conn_);
  }
  std::string data_dir_;
  std::shared_ptr<store::Database> db_;
  std::unique_ptr<store::Connection> conn_;
  std::mutex mu_;
};

}  // namespace custintel::server
