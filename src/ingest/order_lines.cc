#include "ingest/order_lines.h"

#include <fmt/format.h>

#include <map>

#include "core/strings.h"
#include "ingest/contract.h"

namespace custintel::ingest {
namespace {

using store::Connection;
using store::QueryResult;

constexpr char kRefundWords[] = "'.*(cancel|refund|return).*'";

// SELECT of every column of `kind`'s contract (the expression given for it, or a NULL of its
// type) plus attributes, with _row_hash over the typed values as a regular load computes it, so
// a derived row and the same row loaded from a file hash alike. `pass` adds columns outside the
// contract (e.g. _refund); `from` is the FROM clause and what follows it.
std::string DerivedRows(const std::string& kind, const std::map<std::string, std::string>& exprs,
                        const std::string& attributes, const std::string& pass, const std::string& from) {
  const KindContract& contract = *FindContract(kind);
  std::string select, hash;
  for (const auto& c : contract.columns) {
    auto e = exprs.find(c.name);
    std::string value = e != exprs.end() ? e->second : fmt::format("NULL::{}", SqlType(c.kind));
    select += fmt::format("{}::{} AS {}, ", value, SqlType(c.kind), QuoteIdent(c.name));
    hash += QuoteIdent(c.name) + ", ";
  }
  return fmt::format("SELECT *, hash({}attributes) AS _row_hash FROM (SELECT {}({})::JSON AS attributes{} {})", hash,
                     select, attributes, pass, from);
}

// One row per order of the file, with the refund rule (order_lines.h, rule 2) as _refund.
std::string OrdersSql(const StageTables& t, const std::string& good) {
  const std::string aggregated = fmt::format(
      "SELECT order_id, arg_max(customer_id, _line) AS customer_id, min(ordered_at) AS ordered_at, "
      "sum(quantity * unit_price) AS net, sum(quantity) AS net_quantity, arg_max(currency, _line) AS currency, "
      "arg_max(channel, _line) AS channel, arg_max(status, _line) AS src_status, "
      "coalesce(bool_or(cancelled), false) AS cancelled, arg_max(country, _line) AS country, "
      "arg_max(attributes, _line) AS extra FROM {} GROUP BY order_id", good);
  const std::string flagged = fmt::format(
      "FROM (SELECT *, regexp_matches(order_id, '^C[0-9]') OR cancelled OR net < 0 OR net_quantity < 0 OR "
      "coalesce(lower(src_status), '') SIMILAR TO {} AS _refund FROM ({}))", kRefundWords, aggregated);
  const std::string status = fmt::format(
      "CASE WHEN NOT _refund THEN coalesce(src_status, 'completed') "
      "WHEN coalesce(lower(src_status), '') SIMILAR TO {} THEN src_status ELSE 'refunded' END", kRefundWords);
  const std::map<std::string, std::string> exprs = {
      {"order_id", "order_id"}, {"customer_id", "customer_id"}, {"ordered_at", "ordered_at"},
      {"amount", "round(CASE WHEN _refund THEN -abs(net) ELSE net END, 4)"},
      {"currency", "currency"}, {"status", status}, {"channel", "channel"}};
  const std::string attributes =
      "CASE WHEN country IS NULL THEN extra ELSE json_merge_patch(coalesce(extra, '{}'), "
      "json_object('country', country)) END";
  return fmt::format("CREATE OR REPLACE TEMP TABLE {} AS {}", t.derived("orders"),
                     DerivedRows("orders", exprs, attributes, ", _refund", flagged));
}

std::string ItemsSql(const StageTables& t, const std::string& good) {
  const std::map<std::string, std::string> exprs = {
      {"order_id", "order_id"}, {"product_id", "product_id"}, {"quantity", "sum(quantity)"},
      {"unit_price", "CASE WHEN sum(quantity) <> 0 THEN round(sum(quantity * unit_price) / sum(quantity), 4) "
                     "ELSE arg_max(unit_price, _line) END"}};
  return fmt::format("CREATE OR REPLACE TEMP TABLE {} AS {}", t.derived("order_items"),
                     DerivedRows("order_items", exprs, "NULL", "",
                                 fmt::format("FROM {} GROUP BY order_id, product_id", good)));
}

// What the lines say about each product; merged with silver's stored values in the transaction.
std::string ProductsSql(const StageTables& t, const std::string& good) {
  return fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS SELECT product_id, arg_max(description, _line) AS name, "
      "arg_max(category, _line) AS category, arg_max(unit_price, _line) FILTER (WHERE unit_price > 0) AS price, "
      "arg_max(country, _line) AS country FROM {} GROUP BY product_id",
      t.derived("product_lines"), good);
}

// Customers of the file silver does not know yet, with the latest country as region.
std::string CustomersSql(const StageTables& t, const std::string& good) {
  return fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS SELECT customer_id, arg_max(country, _line) AS country "
      "FROM {} WHERE customer_id IS NOT NULL GROUP BY customer_id",
      t.derived("customer_lines"), good);
}

// REQUIRES: inside the transaction (reads silver.products, which the merge then changes: the
// merged rows are materialised first).
Result<DerivedCounts> MergeProducts(Connection& conn, const StageTables& t, int64_t batch_id) {
  const std::map<std::string, std::string> exprs = {
      {"product_id", "d.product_id"}, {"name", "coalesce(d.name, s.name)"},
      {"category", "coalesce(d.category, s.category)"}, {"price", "coalesce(d.price, s.price)"}};
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS {}", t.derived("products"),
      DerivedRows("products", exprs, "s.attributes", "",
                  fmt::format("FROM {} d LEFT JOIN silver.products s USING (product_id)",
                              t.derived("product_lines"))))));
  MergeCounts m;
  CI_RETURN_IF_ERROR(MergeIntoSilver(conn, *FindContract("products"), t.derived("products"), batch_id, &m));
  return DerivedCounts{"products", m.loaded, m.updated, m.unchanged};
}

// REQUIRES: inside the transaction. Only ids silver does not know: a customers file, not a
// sales line, says who a customer is.
Result<DerivedCounts> AddUnknownCustomers(Connection& conn, const StageTables& t, int64_t batch_id) {
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS {}", t.derived("customers"),
      DerivedRows("customers", {{"customer_id", "d.customer_id"}, {"region", "d.country"}}, "NULL", "",
                  fmt::format("FROM {} d WHERE NOT EXISTS (SELECT 1 FROM silver.customers s "
                              "WHERE s.customer_id = d.customer_id)", t.derived("customer_lines"))))));
  MergeCounts m;
  CI_RETURN_IF_ERROR(MergeIntoSilver(conn, *FindContract("customers"), t.derived("customers"), batch_id, &m));
  return DerivedCounts{"customers", m.loaded, m.updated, m.unchanged};
}

Result<DerivedCounts> MergeDerived(Connection& conn, const StageTables& t, const std::string& kind,
                                   int64_t batch_id) {
  MergeCounts m;
  CI_RETURN_IF_ERROR(MergeIntoSilver(conn, *FindContract(kind), t.derived(kind), batch_id, &m));
  return DerivedCounts{kind, m.loaded, m.updated, m.unchanged};
}

}  // namespace

Status PrepareOrderLines(Connection& conn, const StageTables& tables, const std::string& good_lines) {
  for (const std::string& sql : {OrdersSql(tables, good_lines), ItemsSql(tables, good_lines),
                                 ProductsSql(tables, good_lines), CustomersSql(tables, good_lines)}) {
    CI_RETURN_IF_ERROR(conn.Execute(sql));
  }
  return Status::Ok();
}

Result<OrderLinesCounts> WriteOrderLines(Connection& conn, const StageTables& t, int64_t batch_id) {
  OrderLinesCounts out;
  CI_ASSIGN_OR_RETURN(QueryResult n, conn.Query(fmt::format(
      "SELECT count(*) FILTER (WHERE customer_id IS NULL), count(*) FILTER (WHERE _refund) FROM {}",
      t.derived("orders"))));
  out.anonymous = n.GetInt64(0, 0);
  out.refunds = n.GetInt64(1, 0);
  // Parents first: customers and products before the orders and items that point at them.
  CI_ASSIGN_OR_RETURN(DerivedCounts customers, AddUnknownCustomers(conn, t, batch_id));
  CI_ASSIGN_OR_RETURN(DerivedCounts products, MergeProducts(conn, t, batch_id));
  CI_ASSIGN_OR_RETURN(DerivedCounts orders, MergeDerived(conn, t, "orders", batch_id));
  CI_ASSIGN_OR_RETURN(DerivedCounts items, MergeDerived(conn, t, "order_items", batch_id));
  out.derived = {orders, items, products, customers};
  return out;
}

}  // namespace custintel::ingest
