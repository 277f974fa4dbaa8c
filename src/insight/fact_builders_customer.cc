// Customer fact sheets (fact_builders.h): features, scores, churn drivers, usual order time,
// rebought and recommended products, own reviews and tickets — for a chunk of customers at a
// time, in five set-based queries per chunk.
#include <unordered_map>

#include <fmt/format.h>

#include "core/parallel.h"
#include "core/strings.h"
#include "features/currency.h"
#include "insight/drivers.h"
#include "insight/fact_builders.h"
#include "insight/fact_builders_internal.h"
#include "text/insight_batch.h"

namespace custintel::insight {
namespace {

using detail::AddEntity;
using detail::AddFact;

// {F} is replaced by the chunk's predicate over customer_id, {T} by the run's as-of (AsOfRun).
constexpr const char* kCustomerSql = R"(
SELECT s.customer_id, coalesce(f.account_id, ''), coalesce(s.segment, ''), s.churn_risk,
       s.lifetime_value, s.predicted_clv, coalesce(f.frequency, 0), f.recency_days,
       f.avg_order_value, coalesce(f.tenure_days, 0), coalesce(f.tickets_90d, 0), coalesce(f.reviews, 0),
       f.avg_rating, coalesce(f.top_category, ''), coalesce(s.risk_factors::VARCHAR, '[]'),
       coalesce(c.first_name, ''), coalesce(c.last_name, ''), coalesce(s.high_risk, false)
FROM (SELECT * FROM gold.customer_scores WHERE {F}) s LEFT JOIN gold.customer_features f USING (customer_id)
LEFT JOIN silver.customers c USING (customer_id)
ORDER BY s.customer_id)";

// When to message them: the send_times step's choice (models/send_times.h) — their own
// weekday/hour pattern when strong, the shop's when weak, never in the quiet hours.
constexpr const char* kUsualTimeSql = R"(
SELECT customer_id, send_weekday, send_hour FROM gold.send_times WHERE {F})";

// The product bought in most orders (two or more: a rebuy). The items are joined to the orders
// as of T directly — exactly silver.order_items_as_of(T)'s rows for them — so a chunk's (or one
// customer's) filter on the orders reaches the items too instead of every order being dated.
constexpr const char* kRebuySql = R"(
WITH b AS (SELECT o.customer_id, p.name, count(DISTINCT o.order_id) AS n
           FROM silver.orders_as_of({T}) o JOIN silver.order_items oi ON oi.order_id = o.order_id AND is_purchase(o.status)
           JOIN silver.products p USING (product_id)
           WHERE {F} AND p.name IS NOT NULL GROUP BY ALL HAVING count(DISTINCT o.order_id) >= 2)
SELECT customer_id, first(name ORDER BY n DESC, name) FROM b GROUP BY customer_id)";

constexpr const char* kRecommendSql = R"(
SELECT customer_id, coalesce(product_name, ''), coalesce(category, '') FROM gold.recommendations
WHERE {F} AND rank <= 3 AND product_name IS NOT NULL ORDER BY customer_id, rank)";

constexpr const char* kOwnTextSql = R"(
SELECT customer_id, id, source, text FROM (
  SELECT customer_id, 'review:' || review_id AS id, 'review' AS source, created_at,
         concat_ws('. ', nullif(title, ''), review_text) AS text FROM silver.reviews_as_of({T}) WHERE {F}
  UNION ALL
  SELECT customer_id, 'ticket:' || ticket_id, 'ticket', created_at,
         concat_ws('. ', nullif(subject, ''), description) FROM silver.tickets_as_of({T}) WHERE {F})
WHERE text IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY created_at DESC NULLS LAST, id) <= ?
ORDER BY customer_id, created_at DESC NULLS LAST, id)";

std::string WithFilter(std::string sql, const std::string& filter) {
  for (size_t p = sql.find("{F}"); p != std::string::npos; p = sql.find("{F}", p)) sql.replace(p, 3, filter);
  return detail::AsOfRun(std::move(sql));
}

struct Names {
  std::string first, last;
};

// The churn drivers that raise this customer's risk (positive SHAP), strongest first.
void AddDrivers(CustomerSheet& cs, const std::string& factors_json, const Playbook& pb) {
  for (const ChurnDriver& d : RaisingDrivers(nlohmann::json::parse(factors_json, nullptr, false))) {
    cs.context.drivers.push_back(d.feature);
    if (d.value) {
      AddFact(cs.sheet, "driver_" + d.feature, *d.value, DriverUnit(d.feature),
              DriverWords(d.feature) + ", a churn driver raising their risk");
    }
    if (const PlaybookEntry* e = pb.Find(d.feature)) cs.sheet.snippets.push_back(PlaybookSnippet(*e));
  }
}

CustomerSheet CustomerFromRow(const store::QueryResult& r, size_t i, const Playbook& pb) {
  CustomerSheet cs;
  FactSheet& s = cs.sheet;
  CustomerContext& c = cs.context;
  c.customer_id = r.GetString(0, i);
  c.account_id = r.GetString(1, i);
  c.segment = r.GetString(2, i);
  c.churn_risk = r.IsNull(3, i) ? 0 : r.GetDouble(3, i);
  c.high_risk = r.GetBool(17, i);
  s.subject = {SubjectKind::kCustomer, c.customer_id};
  s.title = "customer " + c.customer_id;
  AddEntity(s, c.segment);
  AddFact(s, "churn_risk", c.churn_risk, FactUnit::kPercent, "churn risk");
  // NULL when the data has no amounts: no fact rather than a 0.
  if (!r.IsNull(4, i)) AddFact(s, "lifetime_value", r.GetDouble(4, i), FactUnit::kMoney, "lifetime value (spend to date)");
  if (!r.IsNull(5, i)) {
    AddFact(s, "predicted_clv", r.GetDouble(5, i), FactUnit::kMoney, "predicted customer lifetime value");
  }
  AddFact(s, "orders", double(r.GetInt64(6, i)), FactUnit::kCount, "orders placed");
  if (!r.IsNull(7, i)) AddFact(s, "recency_days", r.GetDouble(7, i), FactUnit::kDays, "days since the last order");
  if (!r.IsNull(8, i)) AddFact(s, "avg_order_value", r.GetDouble(8, i), FactUnit::kMoney, "average order value");
  AddFact(s, "tenure_days", double(r.GetInt64(9, i)), FactUnit::kDays, "days as a customer");
  AddFact(s, "tickets_90d", double(r.GetInt64(10, i)), FactUnit::kCount, "support tickets in the last quarter");
  if (r.GetInt64(11, i) > 0 && !r.IsNull(12, i)) {
    AddFact(s, "avg_rating", r.GetDouble(12, i), FactUnit::kScore, "average review rating");
  }
  AddEntity(s, r.GetString(13, i));
  AddDrivers(cs, r.GetString(14, i), pb);
  // The fallback actions when no driver has a playbook entry (WriteCustomerBuiltin).
  if (s.snippets.empty()) {
    for (const char* key : {"retention", "crosssell"}) {
      if (const PlaybookEntry* e = pb.Find(key)) s.snippets.push_back(PlaybookSnippet(*e));
    }
  }
  // What notifications may say (reorder reminder, product suggestion, loyalty voucher).
  for (const PlaybookEntry* e : pb.OfKind("message")) s.snippets.push_back(PlaybookSnippet(*e));
  return cs;
}

// Runs `sql` (with the filter) and calls `row(customer index, result, row)` for known customers.
template <class Fn>
Status ForRows(store::Connection& conn, const std::string& sql, const std::vector<store::Param>& params,
               const std::unordered_map<std::string, size_t>& index, Fn row) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(sql, params));
  for (size_t i = 0; i < r.row_count(); ++i) {
    auto it = index.find(r.GetString(0, i));
    if (it != index.end()) row(it->second, r, i);
  }
  return Status::Ok();
}

Status AddChunkDetails(store::Connection& conn, const std::string& filter, const CustomerSheetOptions& options,
                       const std::vector<Names>& names, std::vector<CustomerSheet>& out) {
  std::unordered_map<std::string, size_t> index;
  index.reserve(out.size());
  for (size_t i = 0; i < out.size(); ++i) index[out[i].context.customer_id] = i;
  // A database whose last run predates the send_times step has no table: no send time yet.
  CI_ASSIGN_OR_RETURN(bool timed, store::TableExists(conn, "gold", "send_times"));
  if (timed) {
    CI_RETURN_IF_ERROR(ForRows(conn, WithFilter(kUsualTimeSql, filter), {}, index, [&](size_t k, auto& r, size_t i) {
      out[k].context.usual_weekday = r.GetString(1, i);
      out[k].context.usual_hour = r.IsNull(2, i) ? -1 : int(r.GetInt64(2, i));
    }));
  }
  CI_RETURN_IF_ERROR(ForRows(conn, WithFilter(kRebuySql, filter), {}, index, [&](size_t k, auto& r, size_t i) {
    out[k].context.rebuy_product = r.GetString(1, i);
    AddEntity(out[k].sheet, out[k].context.rebuy_product);
  }));
  CI_RETURN_IF_ERROR(ForRows(conn, WithFilter(kRecommendSql, filter), {}, index, [&](size_t k, auto& r, size_t i) {
    CustomerContext& c = out[k].context;
    if (c.liked_product.empty()) {
      c.liked_product = r.GetString(1, i);
      c.liked_category = r.GetString(2, i);
    }
    c.recommended_products.push_back(r.GetString(1, i));
    AddEntity(out[k].sheet, r.GetString(1, i));
    AddEntity(out[k].sheet, r.GetString(2, i));
  }));
  // Own reviews and tickets: read in one query, PII-masked on every core (the masker is pure).
  std::vector<std::pair<size_t, Snippet>> own;
  CI_RETURN_IF_ERROR(ForRows(conn, WithFilter(kOwnTextSql, filter), {int64_t{options.max_own_snippets}}, index,
                             [&](size_t k, auto& r, size_t i) {
                               own.push_back({k, {r.GetString(1, i), r.GetString(2, i), r.GetString(3, i), 0.25}});
                             }));
  ParallelSlices(own.size(), 0, text::kMinTextsPerThread, [&](size_t begin, size_t end) {
    for (size_t j = begin; j < end; ++j) {
      const Names& n = names[own[j].first];
      own[j].second.text = detail::MaskedText(own[j].second.text, {n.first, n.last});
    }
  });
  for (auto& [k, snippet] : own) out[k].sheet.snippets.push_back(std::move(snippet));
  return Status::Ok();
}

Result<std::vector<CustomerSheet>> LoadChunk(store::Connection& conn, const std::string& filter,
                                             const CustomerSheetOptions& options, const Playbook& pb) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(WithFilter(kCustomerSql, filter)));
  std::vector<CustomerSheet> out;
  std::vector<Names> names;
  out.reserve(r.row_count());
  for (size_t i = 0; i < r.row_count(); ++i) {
    out.push_back(CustomerFromRow(r, i, pb));
    names.push_back({r.GetString(15, i), r.GetString(16, i)});
  }
  if (!out.empty()) CI_RETURN_IF_ERROR(AddChunkDetails(conn, filter, options, names, out));
  CI_ASSIGN_OR_RETURN(std::string currency, features::DataCurrency(conn));
  for (CustomerSheet& c : out) detail::InCurrency(c.sheet, currency);
  return out;
}

std::string IdListFilter(const std::vector<std::string>& ids) {
  std::vector<std::string> quoted;
  for (const std::string& id : ids) quoted.push_back(QuoteLiteral(id));
  return "customer_id IN (" + Join(quoted, ", ") + ")";
}

// Both predicates; the scope's only when it is not every customer (so a full run's SQL is as before).
std::string WithScope(const std::string& filter, const features::Scope& scope) {
  return scope.all() ? filter : "(" + scope.Filter("customer_id") + " AND " + filter + ")";
}

}  // namespace

Status ForEachCustomerSheets(store::Connection& conn, const CustomerSheetOptions& options,
                             const std::function<Status(std::vector<CustomerSheet>&)>& each) {
  CI_RETURN_IF_ERROR(detail::RequireGold(conn));
  CI_ASSIGN_OR_RETURN(Playbook pb, LoadPlaybook(conn));
  if (!options.customer_ids.empty()) {
    std::string filter = WithScope(IdListFilter(options.customer_ids), options.scope);
    CI_ASSIGN_OR_RETURN(std::vector<CustomerSheet> chunk, LoadChunk(conn, filter, options, pb));
    return each(chunk);
  }
  CI_ASSIGN_OR_RETURN(std::vector<std::string> ranges,
                      detail::RangeChunks(conn, "customer_id",
                                          "gold.customer_scores WHERE " + options.scope.Filter("customer_id"),
                                          options.chunk_size));
  for (const std::string& range : ranges) {
    CI_ASSIGN_OR_RETURN(std::vector<CustomerSheet> chunk, LoadChunk(conn, WithScope(range, options.scope), options, pb));
    CI_RETURN_IF_ERROR(each(chunk));
  }
  return Status::Ok();
}

namespace detail {

Result<CustomerSheet> OneCustomerSheet(store::Connection& conn, const std::string& customer_id) {
  CustomerSheetOptions options;
  options.customer_ids = {customer_id};
  std::optional<CustomerSheet> found;
  CI_RETURN_IF_ERROR(ForEachCustomerSheets(conn, options, [&](std::vector<CustomerSheet>& chunk) {
    if (!chunk.empty()) found = std::move(chunk.front());
    return Status::Ok();
  }));
  if (!found) return Status::NotFound(fmt::format("no customer '{}' in gold.customer_scores", customer_id));
  return std::move(*found);
}

}  // namespace detail

}  // namespace custintel::insight
