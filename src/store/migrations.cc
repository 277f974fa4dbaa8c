#include "store/migrations.h"

#include <fmt/format.h>

#include <set>

#include "core/embedded.h"
#include "core/order_status.h"
#include "store/bronze.h"

namespace custintel::store {
namespace {

constexpr char kCreateMigrationsTable[] =
    "CREATE SCHEMA IF NOT EXISTS meta;"
    "CREATE TABLE IF NOT EXISTS meta.schema_migrations("
    "version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ DEFAULT current_timestamp)";

Result<std::set<int>> AppliedVersions(Connection& conn) {
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query("SELECT version FROM meta.schema_migrations"));
  std::set<int> out;
  for (size_t i = 0; i < r.row_count(); ++i) out.insert(static_cast<int>(r.GetInt64(0, i)));
  return out;
}

Status ApplyOne(Connection& conn, const Migration& m) {
  CI_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn));
  Status s = conn.Execute(m.sql);
  if (s.ok() && m.step) s = m.step(conn);
  if (s.ok()) {
    s = conn.Query("INSERT INTO meta.schema_migrations(version, name) VALUES (?, ?)",
                   {int64_t{m.version}, m.name}).status();
  }
  if (!s.ok()) {
    (void)tx.Rollback();
    return s.WithContext(fmt::format("migration {:04d}_{} failed and was rolled back", m.version, m.name));
  }
  return tx.Commit();
}

}  // namespace

std::vector<Migration> EngineMigrations() {
  std::vector<Migration> out;
  for (const auto& f : embedded::List("store/migrations/")) {
    std::string_view file = f.path.substr(f.path.rfind('/') + 1);  // 0001_init.sql
    Migration m;
    m.version = std::stoi(std::string(file.substr(0, 4)));
    m.name = std::string(file.substr(5, file.size() - 5 - 4));
    m.sql = std::string(f.content);
    if (m.name == "bronze_files") m.step = MoveBronzeTablesToFiles;  // 0026_bronze_files.sql
    out.push_back(std::move(m));
  }
  return out;
}

Result<int> ApplyMigrations(Connection& conn, const std::vector<Migration>& migrations) {
  CI_RETURN_IF_ERROR(conn.Execute(kCreateMigrationsTable));
  // Every migration not yet recorded is applied, in version order — also one numbered below
  // the newest applied (migrations written in parallel land in any order).
  CI_ASSIGN_OR_RETURN(std::set<int> done, AppliedVersions(conn));
  int applied = 0;
  for (const Migration& m : migrations) {
    if (done.count(m.version)) continue;
    CI_RETURN_IF_ERROR(ApplyOne(conn, m));
    ++applied;
  }
  return applied;
}

Result<std::shared_ptr<Database>> OpenEngineDatabase(const std::string& path, const DatabaseOptions& options,
                                                     const std::optional<OrdersConfig>& orders) {
  CI_ASSIGN_OR_RETURN(auto db, Database::Open(path, options));
  // Every computation is in UTC so results do not depend on the machine's zone.
  db->AddConnectionInitializer([](Connection& c) { return c.Execute("SET TimeZone = 'UTC'"); });
  const std::string rule = OrderStatusMacrosSql(orders ? *orders : DefaultConfig().orders);
  db->AddConnectionInitializer([rule](Connection& c) { return c.Execute(rule); });
  if (options.read_only) return db;
  CI_ASSIGN_OR_RETURN(Connection conn, db->Connect());
  CI_ASSIGN_OR_RETURN(int applied, ApplyMigrations(conn, EngineMigrations()));
  (void)applied;
  // Bronze batch files: orphans of uncommitted batches removed, missing ones refused (bronze.h).
  CI_RETURN_IF_ERROR(ReconcileBronze(conn));
  return db;
}

Result<std::string> AsOfMacrosFor(const std::string& schema) {
  auto text = embedded::Find("store/migrations/0028_as_of.sql");
  if (!text) return Status::Internal("store/migrations/0028_as_of.sql is not embedded in this build");
  std::string sql(*text);
  const std::string from = "silver.", to = schema + ".";
  for (size_t p = sql.find(from); p != std::string::npos; p = sql.find(from, p + to.size())) sql.replace(p, from.size(), to);
  return sql;
}

}  // namespace custintel::store
