#include "features/data_profile.h"

#include <fmt/format.h>

namespace custintel::features {
namespace {

using store::Connection;
using store::QueryResult;

// Purchases as customer_features.sql counts them ([orders] rule: core/order_status.h).
constexpr char kPurchase[] = "customer_id IS NOT NULL AND ordered_at IS NOT NULL AND is_purchase(status)";

struct TableSpec {
  const char* table;
  const char* date;      // date column, or nullptr
  const char* customer;  // expression of the customer in FROM, or nullptr
  const char* from;      // FROM clause
  const char* amount;    // expression whose non-NULL share is amount_share, or nullptr
};

constexpr TableSpec kTables[] = {
    {"customers", "acquisition_date", "customer_id", "silver.customers", nullptr},
    {"orders", "ordered_at", "customer_id", "silver.orders", "amount"},
    {"order_items", nullptr, "o.customer_id",
     "silver.order_items i LEFT JOIN silver.orders o USING (order_id)", "i.unit_price"},
    {"products", nullptr, nullptr, "silver.products", nullptr},
    {"events", "occurred_at", "customer_id", "silver.events", nullptr},
    {"reviews", "created_at", "customer_id", "silver.reviews", nullptr},
    {"tickets", "created_at", "customer_id", "silver.tickets", nullptr},
    {"notes", nullptr, nullptr, "silver.notes", nullptr},
};

// Orphans per table, and what they are.
std::pair<std::string, std::string> OrphanSql(const std::string& table) {
  if (table == "order_items") {
    return {"SELECT count(*) FROM silver.order_items i WHERE NOT EXISTS "
            "(SELECT 1 FROM silver.orders o WHERE o.order_id = i.order_id)",
            "items of an order no orders file gave"};
  }
  if (table == "orders" || table == "events" || table == "reviews" || table == "tickets") {
    return {fmt::format("SELECT count(*) FROM silver.{} WHERE customer_id IS NULL", table),
            table == "orders" ? "orders without a customer (anonymous sales)" : "rows naming no customer (nor an order of one)"};
  }
  return {"", ""};
}

Result<TableProfile> ProfileTable(Connection& conn, const TableSpec& t) {
  TableProfile p;
  p.table = t.table;
  const std::string date = t.date ? fmt::format("min({0})::VARCHAR, max({0})::VARCHAR", t.date) : "NULL, NULL";
  const std::string customers = t.customer ? fmt::format("count(DISTINCT {})", t.customer) : "-1";
  const std::string amount = t.amount ? fmt::format("coalesce(count({}) / nullif(count(*), 0), 0)", t.amount) : "-1";
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query(fmt::format("SELECT count(*), {}, {}, {}::DOUBLE FROM {}", date,
                                                            customers, amount, t.from)));
  p.rows = r.GetInt64(0, 0);
  if (!r.IsNull(1, 0)) p.first_at = r.GetString(1, 0);
  if (!r.IsNull(2, 0)) p.last_at = r.GetString(2, 0);
  p.customers = r.GetInt64(3, 0);
  p.amount_share = r.GetDouble(4, 0);
  CI_ASSIGN_OR_RETURN(QueryResult d, conn.Query(
      "SELECT coalesce(sum(merged), 0) FROM meta.ingest_batches WHERE kind = ?", {std::string(t.table)}));
  p.duplicates = d.GetInt64(0, 0);
  auto [sql, meaning] = OrphanSql(t.table);
  if (!sql.empty()) {
    CI_ASSIGN_OR_RETURN(QueryResult o, conn.Query(sql));
    p.orphans = o.GetInt64(0, 0);
    p.orphans_meaning = meaning;
  }
  return p;
}

const TableProfile& Table(const DataProfile& d, const std::string& name) {
  for (const auto& t : d.tables) {
    if (t.table == name) return t;
  }
  static const TableProfile kNone;
  return kNone;
}

// Days between the first and last purchase.
Result<int64_t> PurchaseSpanDays(Connection& conn) {
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query(std::string(
      "SELECT coalesce(date_diff('day', min(ordered_at)::TIMESTAMP, max(ordered_at)::TIMESTAMP), 0) "
      "FROM silver.orders WHERE ") + kPurchase));
  return r.GetInt64(0, 0);
}

void AddOutputs(DataProfile* d, int64_t span_days, int64_t text_rows, int64_t categories) {
  const TableProfile &orders = Table(*d, "orders"), &items = Table(*d, "order_items");
  const bool customers = d->customers > 0, purchases = orders.rows > 0 && orders.customers > 0;
  const bool amounts = orders.amount_share > 0 || (items.rows > 0 && items.amount_share > 0);
  auto add = [&](std::string output, bool can, std::string needs) {
    d->outputs.push_back({std::move(output), can, can ? "" : std::move(needs)});
  };
  add("customer features, churn risk (heuristic), segments, insights", customers,
      "customers: a file naming them (customers, orders, events, reviews or tickets)");
  add("purchase features, RFM, cohorts, notifications", purchases,
      "orders with a customer and a date (order_id, customer_id, ordered_at)");
  add("spend figures (lifetime value, order value, revenue)", purchases && amounts,
      purchases ? "amounts: an amount column in orders, or order_items with unit_price" : "orders with amounts");
  add("BG/NBD (P(alive), expected purchases)", d->repeat_buyers >= 20,
      fmt::format("at least 20 customers with two or more purchases (the data has {})", d->repeat_buyers));
  add("Gamma-Gamma and CLV in money", d->repeat_buyers >= 20 && amounts,
      amounts ? fmt::format("at least 20 repeat buyers (the data has {})", d->repeat_buyers)
              : "amounts: an amount column in orders, or order_items with unit_price");
  add("learned churn model (behavioural)", purchases && span_days >= 180,
      fmt::format("orders spanning at least 180 days, twice the 90-day horizon (they span {} days); or a "
                  "churned flag per customer (churn-model --label)", span_days));
  add("recommendations", items.rows > 0,
      "order_items: which products each order held (order_id, product_id, quantity)");
  add("product categories (top category per customer)", categories > 0,
      "products with a category (product_id, category)");
  add("review and ticket insights (sentiment, themes, summaries)", text_rows > 0,
      "reviews or tickets with text (review_text, or subject / description)");
}

std::string NextFile(const DataProfile& d, int64_t text_rows) {
  const TableProfile &orders = Table(d, "orders"), &items = Table(d, "order_items"),
                     &products = Table(d, "products");
  if (orders.rows == 0) {
    return "orders (order_id, customer_id, ordered_at, amount): unlocks purchase features, RFM, BG/NBD, "
           "lifetime value, churn and cohorts";
  }
  const bool amounts = orders.amount_share > 0 || (items.rows > 0 && items.amount_share > 0);
  if (!amounts) {
    return "order amounts (an amount column in orders, or order_items with quantity and unit_price): unlocks "
           "spend, lifetime value, Gamma-Gamma and CLV in money";
  }
  if (items.rows == 0) {
    return "order_items (order_id, product_id, quantity, unit_price): unlocks recommendations and categories";
  }
  if (d.implied_customers == d.customers) {
    return "customers (customer_id, segment, plan, region, acquisition_date): unlocks breakdowns by plan, region "
           "and segment, and a churned flag for the subscription model";
  }
  if (text_rows == 0) return "reviews or tickets with text: unlocks sentiment, themes and their insights";
  if (products.rows == 0) return "products (product_id, name, category): unlocks product names and categories";
  if (Table(d, "events").rows == 0) return "events (event_id, customer_id, event_type, occurred_at): unlocks engagement features";
  return "";
}

Result<std::vector<StatusProfile>> ProfileStatuses(Connection& conn) {
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query(
      "SELECT coalesce(status, ''), order_status_class(status), is_purchase(status), count(*) FROM silver.orders "
      "GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 50"));
  std::vector<StatusProfile> out;
  for (size_t i = 0; i < r.row_count(); ++i) {
    out.push_back({r.GetString(0, i), r.GetString(1, i), r.GetBool(2, i), r.GetInt64(3, i)});
  }
  return out;
}

}  // namespace

Result<DataProfile> ProfileData(Connection& conn) {
  DataProfile d;
  for (const auto& t : kTables) {
    CI_ASSIGN_OR_RETURN(TableProfile p, ProfileTable(conn, t));
    d.tables.push_back(std::move(p));
  }
  CI_ASSIGN_OR_RETURN(QueryResult c, conn.Query(std::string(
      "SELECT (SELECT count(*) FROM silver.customers), (SELECT count(*) FROM silver.customers WHERE implied_by "
      "IS NOT NULL), (SELECT count(*) FROM (SELECT customer_id FROM silver.orders WHERE ") + kPurchase +
      " GROUP BY customer_id HAVING count(DISTINCT ordered_at::DATE) > 1)), "
      "(SELECT count(*) FROM silver.reviews WHERE review_text IS NOT NULL) + (SELECT count(*) FROM silver.tickets "
      "WHERE coalesce(description, subject) IS NOT NULL), (SELECT count(*) FROM silver.products WHERE category IS "
      "NOT NULL)"));
  d.customers = c.GetInt64(0, 0);
  d.implied_customers = c.GetInt64(1, 0);
  d.repeat_buyers = c.GetInt64(2, 0);
  CI_ASSIGN_OR_RETURN(int64_t span, PurchaseSpanDays(conn));
  AddOutputs(&d, span, c.GetInt64(3, 0), c.GetInt64(4, 0));
  d.next_file = NextFile(d, c.GetInt64(3, 0));
  CI_ASSIGN_OR_RETURN(d.statuses, ProfileStatuses(conn));
  return d;
}

std::vector<std::string> CannotBuild(const DataProfile& profile) {
  std::vector<std::string> out;
  for (const auto& o : profile.outputs) {
    if (!o.can_build) out.push_back(fmt::format("cannot build {}: needs {}", o.output, o.needs));
  }
  return out;
}

std::vector<std::string> StatusNotes(const DataProfile& profile) {
  std::vector<std::string> out;
  for (const auto& s : profile.statuses) {
    if (s.status_class == "purchase") continue;
    out.push_back(fmt::format("status '{}': {} orders — {}", s.status, s.orders,
                              OrderStatusVerdict(s.status_class, s.counted)));
  }
  return out;
}

}  // namespace custintel::features
