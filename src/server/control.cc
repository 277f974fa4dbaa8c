#include "server/control.h"

#include <fmt/format.h>

#include <filesystem>

#include "core/embedded.h"
#include "server/keys.h"
#include "store/migrations.h"

namespace custintel::server {
namespace fs = std::filesystem;
using store::Param;

namespace {

std::vector<store::Migration> ControlMigrations() {
  std::vector<store::Migration> out;
  for (const auto& f : embedded::List("server/sql/control_")) {
    std::string_view file = f.path.substr(f.path.rfind('/') + 1);  // control_0001_init.sql
    std::string_view stem = file.substr(8, file.size() - 8 - 4);     // 0001_init
    out.push_back({std::stoi(std::string(stem.substr(0, 4))), std::string(stem.substr(5)), std::string(f.content)});
  }
  return out;
}

Param OptionalText(const std::optional<std::string>& v) {
  return v ? Param(*v) : Param(std::monostate{});
}

KeyInfo KeyFromRow(const store::QueryResult& r, size_t i) {
  KeyInfo k;
  k.key_id = r.GetString(0, i);
  k.tenant = r.GetString(1, i);
  k.role = ParseRole(r.GetString(2, i)).ok() ? *ParseRole(r.GetString(2, i)) : Role::kViewer;
  if (!r.IsNull(3, i)) k.scope_account = r.GetString(3, i);
  k.tier = r.GetString(4, i);
  k.key_hash = r.GetString(5, i);
  k.label = r.GetString(6, i);
  k.created_at = r.GetString(7, i);
  k.revoked = !r.IsNull(8, i);
  return k;
}

constexpr char kKeyColumns[] =
    "SELECT key_id, tenant, role, scope_account, tier, key_hash, label, created_at::VARCHAR, revoked_at "
    "FROM serving.api_keys ";

}  // namespace

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kAdmin: return "admin";
    case Role::kAnalyst: return "analyst";
    case Role::kViewer: return "viewer";
    case Role::kAccount: return "account";
  }
  return "viewer";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kAdmin, Role::kAnalyst, Role::kViewer, Role::kAccount}) {
    if (RoleName(r) == name) return r;
  }
  return Status::InvalidArgument("role '" + std::string(name) + "' is not one of admin, analyst, viewer, account");
}

Status ValidateTenantName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 63 && std::isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
  }
  if (ok) return Status::Ok();
  return Status::InvalidArgument("tenant name '" + std::string(name) +
                                 "' must be 1-63 of a-z, 0-9, '_' and '-', starting with a letter or digit");
}

Status ValidateScopeAccount(std::string_view account) {
  bool ok = !account.empty() && account.size() <= 128;
  for (unsigned char c : account) ok = ok && c >= 0x20 && c != 0x7f && c != '\'' && c != '"' && c != '\\';
  if (ok) return Status::Ok();
  return Status::InvalidArgument("account scope must be 1-128 printable characters without quotes");
}

bool IsControlDatabase(const std::string& path) {
  fs::path p(path);
  std::error_code ec;
  return p.filename() == "control.duckdb" && fs::is_regular_file(p, ec) && fs::is_directory(p.parent_path() / "tenants", ec);
}

Result<std::unique_ptr<ControlDb>> ControlDb::Open(const std::string& data_dir, bool create) {
  std::string path = data_dir + "/control.duckdb";
  if (!create && !fs::exists(path)) {
    return Status::NotFound(data_dir + " is not a custintel data directory (create a tenant first: "
                            "custintel tenants create NAME --data-dir " + data_dir + ")");
  }
  std::error_code ec;
  fs::create_directories(data_dir + "/tenants", ec);
  if (ec) return Status::IoError(data_dir + ": " + ec.message());
  auto db = store::Database::Open(path);
  if (!db.ok()) {
    if (db.status().message().find("lock") != std::string::npos) {
      return Status::Unavailable(path + " is held by a running `custintel serve`; use its admin API "
                                 "(/v1/keys) or stop it first");
    }
    return db.status();
  }
  std::unique_ptr<ControlDb> c(new ControlDb());
  c->data_dir_ = data_dir;
  c->db_ = *db;
  CI_ASSIGN_OR_RETURN(store::Connection conn, c->db_->Connect());
  CI_RETURN_IF_ERROR(conn.Execute("SET TimeZone = 'UTC'"));
  CI_RETURN_IF_ERROR(store::ApplyMigrations(conn, ControlMigrations()).status());
  c->conn_ = std::make_unique<store::Connection>(std::move(conn));
  return c;
}

std::string ControlDb::TenantDbPath(const std::string& tenant) const {
  return data_dir_ + "/tenants/" + tenant + ".duckdb";
}

std::string ControlDb::TenantConfigPath(const std::string& tenant) const {
  return data_dir_ + "/tenants/" + tenant + ".toml";
}

Status ControlDb::CreateTenant(const std::string& name, const std::string& tier) {
  CI_RETURN_IF_ERROR(ValidateTenantName(name));
  CI_RETURN_IF_ERROR(Locked([&](store::Connection& c) -> Status {
    CI_ASSIGN_OR_RETURN(auto r, c.Query("SELECT count(*) FROM serving.tenants WHERE name = ?", {name}));
    if (r.GetInt64(0, 0) > 0) return Status::AlreadyExists("tenant '" + name + "' already exists");
    return c.Query("INSERT INTO serving.tenants(name, tier) VALUES (?, ?)", {name, tier}).status();
  }));
  auto db = store::OpenEngineDatabase(TenantDbPath(name));
  return db.ok() ? Status::Ok() : db.status().WithContext("creating " + TenantDbPath(name));
}

Result<std::vector<TenantInfo>> ControlDb::ListTenants() {
  return Locked([&](store::Connection& c) -> Result<std::vector<TenantInfo>> {
    CI_ASSIGN_OR_RETURN(auto r, c.Query("SELECT name, tier, created_at::VARCHAR FROM serving.tenants ORDER BY name"));
    std::vector<TenantInfo> out;
    for (size_t i = 0; i < r.row_count(); ++i) out.push_back({r.GetString(0, i), r.GetString(1, i), r.GetString(2, i)});
    return out;
  });
}

Result<CreatedKey> ControlDb::CreateKey(const KeySpec& spec) {
  if ((spec.role == Role::kAccount) != spec.scope_account.has_value()) {
    return Status::InvalidArgument("an account key needs --scope account_id=VALUE, and only account keys take one");
  }
  if (spec.scope_account) CI_RETURN_IF_ERROR(ValidateScopeAccount(*spec.scope_account));
  CI_ASSIGN_OR_RETURN(NewKeySecret secret, GenerateKey());
  return Locked([&](store::Connection& c) -> Result<CreatedKey> {
    CI_ASSIGN_OR_RETURN(auto t, c.Query("SELECT tier FROM serving.tenants WHERE name = ?", {spec.tenant}));
    if (t.row_count() == 0) return Status::NotFound("no tenant '" + spec.tenant + "' (custintel tenants list)");
    std::string tier = spec.tier.empty() ? t.GetString(0, 0) : spec.tier;
    CI_RETURN_IF_ERROR(c.Query("INSERT INTO serving.api_keys(key_id, tenant, role, scope_account, tier, key_hash, "
                               "label) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               {secret.key_id, spec.tenant, std::string(RoleName(spec.role)),
                                OptionalText(spec.scope_account), tier, secret.hash, spec.label})
                           .status());
    CI_ASSIGN_OR_RETURN(auto r, c.Query(std::string(kKeyColumns) + "WHERE key_id = ?", {secret.key_id}));
    return CreatedKey{KeyFromRow(r, 0), secret.key};
  });
}

Result<std::vector<KeyInfo>> ControlDb::ListKeys(const std::string& tenant) {
  return Locked([&](store::Connection& c) -> Result<std::vector<KeyInfo>> {
    CI_ASSIGN_OR_RETURN(auto r, c.Query(std::string(kKeyColumns) + "WHERE ? = '' OR tenant = ? ORDER BY tenant, created_at",
                                        {tenant, tenant}));
    std::vector<KeyInfo> out;
    for (size_t i = 0; i < r.row_count(); ++i) out.push_back(KeyFromRow(r, i));
    return out;
  });
}

Result<std::optional<KeyInfo>> ControlDb::FindKey(const std::string& key_id) {
  return Locked([&](store::Connection& c) -> Result<std::optional<KeyInfo>> {
    CI_ASSIGN_OR_RETURN(auto r, c.Query(std::string(kKeyColumns) + "WHERE key_id = ?", {key_id}));
    if (r.row_count() == 0) return std::optional<KeyInfo>();
    return std::optional<KeyInfo>(KeyFromRow(r, 0));
  });
}

Status ControlDb::RevokeKey(const std::string& key_id, const std::string& tenant) {
  return Locked([&](store::Connection& c) -> Status {
    CI_ASSIGN_OR_RETURN(auto r, c.Query("UPDATE serving.api_keys SET revoked_at = coalesce(revoked_at, current_timestamp) "
                                        "WHERE key_id = ? AND (? = '' OR tenant = ?)",
                                        {key_id, tenant, tenant}));
    if (r.rows_changed() == 0) return Status::NotFound("no key '" + key_id + "'");
    return Status::Ok();
  });
}

Status ControlDb::AppendAudit(const std::vector<AuditRow>& rows) {
  if (rows.empty()) return Status::Ok();
  return Locked([&](store::Connection& c) -> Status {
    CI_ASSIGN_OR_RETURN(store::Appender app, store::Appender::Create(c, "serving", "audit_log"));
    for (const AuditRow& a : rows) {
      for (const Param& p : std::vector<Param>{a.at, a.request_id, a.key_id, a.tenant, a.role,
                                               a.scope_account.empty() ? Param() : Param(a.scope_account), a.method,
                                               a.route, a.path, a.prompt_summary, a.tables_touched,
                                               a.rows_returned, a.response_summary, int64_t{a.status}, a.uses_ai,
                                               a.duration_ms}) {
        CI_RETURN_IF_ERROR(app.Append(p));
      }
      CI_RETURN_IF_ERROR(app.EndRow());
    }
    return app.Close();
  });
}

Result<std::set<std::string>> ControlDb::AuditedRequestIds(const std::string& tenant, const std::string& since) {
  return Locked([&](store::Connection& c) -> Result<std::set<std::string>> {
    CI_ASSIGN_OR_RETURN(auto r, c.Query("SELECT request_id FROM serving.audit_log WHERE tenant = ? AND "
                                        "logged_at >= ?::TIMESTAMPTZ",
                                        {tenant, since}));
    std::set<std::string> out;
    for (size_t i = 0; i < r.row_count(); ++i) out.insert(r.IsNull(0, i) ? "" : r.GetString(0, i));
    return out;
  });
}

Result<store::QueryResult> ControlDb::ReadAudit(const std::string& tenant, int64_t limit, const std::string& before) {
  return Locked([&](store::Connection& c) {
    return c.Query("SELECT strftime(logged_at, '%Y-%m-%dT%H:%M:%S.%fZ') AS at, request_id, key_id, role, scope_account, method, "
                   "route, path, prompt_summary, tables_touched, rows_returned, response_summary, status, uses_ai, "
                   "round(duration_ms, 3) AS duration_ms FROM serving.audit_log WHERE tenant = ? "
                   "AND (? = '' OR logged_at < ?::TIMESTAMPTZ) ORDER BY logged_at DESC, request_id DESC LIMIT ?",
                   {tenant, before, before.empty() ? Param() : Param(before), limit});
  });
}

Status ControlDb::AddUsage(const std::vector<UsageRow>& rows) {
  return Locked([&](store::Connection& c) -> Status {
    for (const UsageRow& u : rows) {
      CI_RETURN_IF_ERROR(c.Query("INSERT INTO serving.usage VALUES (?, ?::DATE, ?, ?, ?) ON CONFLICT (tenant, day) DO "
                                 "UPDATE SET requests = requests + excluded.requests, ai_calls = ai_calls + "
                                 "excluded.ai_calls, rate_limited = rate_limited + excluded.rate_limited",
                                 {u.tenant, u.day, u.requests, u.ai_calls, u.rate_limited})
                             .status());
    }
    return Status::Ok();
  });
}

Result<std::vector<UsageRow>> ControlDb::ReadUsage(const std::string& tenant, int days) {
  return Locked([&](store::Connection& c) -> Result<std::vector<UsageRow>> {
    CI_ASSIGN_OR_RETURN(auto r, c.Query("SELECT tenant, day::VARCHAR, requests, ai_calls, rate_limited FROM serving.usage "
                                        "WHERE (? = '' OR tenant = ?) AND day > current_date - ?::INTEGER "
                                        "ORDER BY tenant, day DESC",
                                        {tenant, tenant, int64_t{days}}));
    std::vector<UsageRow> out;
    for (size_t i = 0; i < r.row_count(); ++i) {
      out.push_back({r.GetString(0, i), r.GetString(1, i), r.GetInt64(2, i), r.GetInt64(3, i), r.GetInt64(4, i)});
    }
    return out;
  });
}

Result<int64_t> ControlDb::StartJob(const std::string& tenant, const std::string& kind, const std::string& trigger) {
  return Locked([&](store::Connection& c) -> Result<int64_t> {
    CI_ASSIGN_OR_RETURN(auto r, c.Query("INSERT INTO serving.jobs(job_id, tenant, kind, trigger, status, started_at) "
                                        "VALUES (nextval('serving.job_seq'), ?, ?, ?, 'running', current_timestamp) "
                                        "RETURNING job_id",
                                        {tenant, kind, trigger}));
    return r.GetInt64(0, 0);
  });
}

Status ControlDb::FinishJob(int64_t job_id, const std::string& status, int64_t run_id, const std::string& message) {
  return Locked([&](store::Connection& c) {
    return c.Query("UPDATE serving.jobs SET status = ?, finished_at = current_timestamp, run_id = ?, message = ? "
                   "WHERE job_id = ?",
                   {status, run_id ? Param(run_id) : Param(), message, job_id})
        .status();
  });
}

Result<store::QueryResult> ControlDb::ReadJobs(const std::string& tenant, int64_t limit) {
  return Locked([&](store::Connection& c) {
    return c.Query("SELECT job_id, kind, trigger, status, strftime(started_at, '%Y-%m-%dT%H:%M:%SZ') AS started_at, "
                   "strftime(finished_at, '%Y-%m-%dT%H:%M:%SZ') AS finished_at, round(epoch(finished_at) - "
                   "epoch(started_at), 3) AS seconds, run_id, message FROM serving.jobs WHERE tenant = ? "
                   "ORDER BY job_id DESC LIMIT ?",
                   {tenant, limit});
  });
}

Status ControlDb::FailAbandonedJobs() {
  return Locked([&](store::Connection& c) {
    return c.Execute("UPDATE serving.jobs SET status = 'failed', finished_at = current_timestamp, "
                     "message = 'the server stopped while this job ran' WHERE status = 'running'");
  });
}

}  // namespace custintel::server
