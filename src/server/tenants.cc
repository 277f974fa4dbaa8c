#include "server/tenants.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "server/writes.h"
#include "store/migrations.h"

namespace custintel::server {
namespace {

constexpr size_t kMaxPooled = 32;

// How a table's rows belong to a customer, and so to an account.
enum class Ownership { kCustomer, kAccount, kReview, kTicket, kOrder, kTenantWide, kPublic };

struct ScopedTable {
  const char* schema;
  const char* table;
};

// Every table an endpoint may read. Anything not here is not reachable through scoped.*.
constexpr ScopedTable kTables[] = {
    {"silver", "customers"},      {"silver", "orders"},          {"silver", "order_items"},
    {"silver", "reviews"},        {"silver", "tickets"},         {"silver", "events"},
    {"silver", "products"},       {"gold", "customer_features"}, {"gold", "customer_scores"},
    {"gold", "recommendations"},  {"gold", "rfm"},               {"gold", "customer_clv"},
    {"gold", "review_insights"},  {"gold", "ticket_insights"},   {"gold", "account_summaries"},
    {"gold", "notifications"},    {"gold", "segments"},          {"gold", "segment_insights"},
    {"gold", "retention_strategies"}, {"gold", "personal_recommendations"},
    {"gold", "cohorts"},          {"gold", "executive_metrics"}, {"gold", "executive_summary"},
    {"meta", "runs"},             {"gold", "risk_definition"},
};

constexpr char kInAccount[] = "(SELECT customer_id FROM silver.customers WHERE account_id = getvariable('ci_scope'))";

Ownership OwnershipOf(const std::string& table, const std::vector<std::string>& columns) {
  auto has = [&](const char* c) { return std::find(columns.begin(), columns.end(), c) != columns.end(); };
  if (table == "products" || table == "risk_definition") return Ownership::kPublic;  // no customer's data
  if (table == "customers" || (has("account_id") && !has("customer_id"))) return Ownership::kAccount;
  if (has("customer_id")) return Ownership::kCustomer;
  if (has("review_id")) return Ownership::kReview;
  if (has("ticket_id")) return Ownership::kTicket;
  if (has("order_id")) return Ownership::kOrder;
  return Ownership::kTenantWide;
}

std::string ScopeFilter(Ownership o) {
  const std::string all = "getvariable('ci_scope') IS NULL";
  switch (o) {
    case Ownership::kPublic: return "TRUE";
    case Ownership::kAccount: return all + " OR t.account_id = getvariable('ci_scope')";
    case Ownership::kCustomer: return all + " OR t.customer_id IN " + kInAccount;
    case Ownership::kReview:
      return all + " OR t.review_id IN (SELECT review_id FROM silver.reviews WHERE customer_id IN " + kInAccount + ")";
    case Ownership::kTicket:
      return all + " OR t.ticket_id IN (SELECT ticket_id FROM silver.tickets WHERE customer_id IN " + kInAccount + ")";
    case Ownership::kOrder:
      return all + " OR t.order_id IN (SELECT order_id FROM silver.orders WHERE customer_id IN " + kInAccount + ")";
    case Ownership::kTenantWide: return all;
  }
  return "FALSE";
}

}  // namespace

Lease::Lease(Lease&& o) noexcept : tenant_(o.tenant_), conn_(std::move(o.conn_)) { o.tenant_ = nullptr; }

Lease::~Lease() {
  if (tenant_ && conn_) tenant_->Release(std::move(conn_));
}

std::shared_ptr<store::AiRuntime> Tenant::ai_runtime() {
  std::lock_guard<std::mutex> lock(ai_mu_);
  if (!ai_runtime_) ai_runtime_ = std::make_shared<store::AiRuntime>(config_.ai, db_);
  return ai_runtime_;
}

Result<Lease> Tenant::Acquire(const std::optional<std::string>& scope) {
  std::unique_ptr<store::Connection> conn;
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      conn = std::move(pool_.back());
      pool_.pop_back();
    }
  }
  if (!conn) {
    CI_ASSIGN_OR_RETURN(store::Connection c, db_->Connect());
    conn = std::make_unique<store::Connection>(std::move(c));
  }
  // The scope is bound as a parameter; NULL means the whole tenant.
  Status s = conn->Query("SET VARIABLE ci_scope = ?::VARCHAR", {scope ? store::Param(*scope) : store::Param()}).status();
  if (!s.ok()) return s.WithContext("applying the key's scope");  // the connection is dropped, not pooled
  return Lease(this, std::move(conn));
}

void Tenant::Release(std::unique_ptr<store::Connection> conn) {
  std::lock_guard<std::mutex> lock(pool_mu_);
  if (pool_.size() < kMaxPooled) pool_.push_back(std::move(conn));
}

Result<bool> Tenant::HasTable(store::Connection& conn, const std::string& schema, const std::string& table) {
  if (schema == "scoped") {
    std::lock_guard<std::mutex> lock(views_mu_);
    return scoped_views_.count(table) > 0;
  }
  return store::TableExists(conn, schema, table);
}

Status Tenant::RefreshViews() {
  CI_ASSIGN_OR_RETURN(store::Connection conn, db_->Connect());
  CI_RETURN_IF_ERROR(conn.Execute("CREATE SCHEMA IF NOT EXISTS scoped"));
  std::set<std::string> created;
  for (const ScopedTable& t : kTables) {
    CI_ASSIGN_OR_RETURN(auto cols, conn.Query("SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
                                              "AND table_name = ? ORDER BY ordinal_position",
                                              {std::string(t.schema), std::string(t.table)}));
    if (cols.row_count() == 0) continue;  // not built (yet): endpoints check HasTable("scoped", ...)
    std::vector<std::string> names;
    for (size_t i = 0; i < cols.row_count(); ++i) names.push_back(cols.GetString(0, i));
    // Identifiers come from the fixed list above, never from a request.
    CI_RETURN_IF_ERROR(conn.Execute(fmt::format("CREATE OR REPLACE VIEW scoped.{1} AS SELECT t.* FROM {0}.{1} t WHERE {2}",
                                                t.schema, t.table, ScopeFilter(OwnershipOf(t.table, names)))));
    created.insert(t.table);
  }
  // scoped.orders_as_of(t) and the rest: silver as of t, the store's one definition, over the views.
  CI_ASSIGN_OR_RETURN(std::string as_of_macros, store::AsOfMacrosFor("scoped"));
  CI_RETURN_IF_ERROR(conn.Execute(as_of_macros));
  std::lock_guard<std::mutex> lock(views_mu_);
  scoped_views_ = std::move(created);
  BumpGeneration();
  return Status::Ok();
}

Result<std::shared_ptr<Tenant>> TenantRegistry::Get(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = tenants_.find(name); it != tenants_.end()) return it->second;
  std::string path = dir_ + "/" + name + ".duckdb";
  if (!std::filesystem::exists(path)) return Status::NotFound("tenant '" + name + "' has no database at " + path);
  Config config = base_;
  std::string config_path = dir_ + "/" + name + ".toml";
  if (std::filesystem::exists(config_path)) {
    CI_ASSIGN_OR_RETURN(config, LoadConfig(config_path));
    if (base_ai_wins_) config.ai = base_.ai;
  }
  store::DatabaseOptions options;
  options.memory_limit = config.database.memory_limit;
  CI_ASSIGN_OR_RETURN(auto db, store::OpenEngineDatabase(path, options, config.orders));
  {
    CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
    CI_RETURN_IF_ERROR(PrepareWriteLedger(conn).WithContext("tenant " + name));
  }
  auto tenant = std::make_shared<Tenant>(name, db, std::move(config));
  CI_RETURN_IF_ERROR(tenant->RefreshViews().WithContext("tenant " + name));
  tenants_[name] = tenant;
  return tenant;
}

std::vector<std::shared_ptr<Tenant>> TenantRegistry::Loaded() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<Tenant>> out;
  for (const auto& [name, t] : tenants_) out.push_back(t);
  return out;
}

}  // namespace custintel::server
