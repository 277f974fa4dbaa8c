// Fact sheets of accounts and of the run, the entity catalog, and LoadFactSheet's dispatch to
// the per-kind builders (fact_builders_segment.cc, fact_builders_customer.cc).
#include "insight/fact_builders.h"

#include <cmath>

#include <fmt/format.h>

#include "core/strings.h"
#include "features/currency.h"
#include "insight/fact_builders_internal.h"
#include "models/segments.h"

namespace custintel::insight {
namespace {

using detail::AddEntity;
using detail::AddFact;

constexpr const char* kAccountSql = R"(
SELECT f.account_id, count(*), avg(s.churn_risk), sum(s.lifetime_value),
       count(*) FILTER (WHERE s.high_risk), string_agg(DISTINCT s.segment, '|' ORDER BY s.segment)
FROM gold.customer_scores s JOIN gold.customer_features f USING (customer_id)
WHERE coalesce(f.account_id, '') <> '' AND {F}
GROUP BY f.account_id ORDER BY f.account_id)";

constexpr const char* kRunSql = R"(
SELECT run_id, metric, value, change FROM gold.executive_metrics
WHERE run_id = (SELECT max(run_id) FROM gold.executive_metrics) AND value IS NOT NULL ORDER BY metric)";

FactSheet AccountFromRow(const store::QueryResult& r, size_t i, const Playbook& pb) {
  FactSheet s;
  s.subject = {SubjectKind::kAccount, r.GetString(0, i)};
  s.title = "account " + s.subject.id;
  AddFact(s, "customers", double(r.GetInt64(1, i)), FactUnit::kCount, "customers in the account");
  AddFact(s, "avg_churn_risk", r.GetDouble(2, i), FactUnit::kPercent, "average churn risk of the account's customers");
  if (!r.IsNull(3, i)) {  // NULL when the data has no amounts
    AddFact(s, "lifetime_value", r.GetDouble(3, i), FactUnit::kMoney, "lifetime value of the account (spend to date)");
  }
  AddFact(s, "high_risk", double(r.GetInt64(4, i)), FactUnit::kCount, "customers of the account at risk of lapsing (still saveable)");
  for (const std::string& seg : Split(r.GetString(5, i), '|')) AddEntity(s, seg);
  // The actions an account summary may take (WriteAccountBuiltin).
  for (const char* key : {"retention", "vip"}) {
    if (const PlaybookEntry* e = pb.Find(key)) s.snippets.push_back(PlaybookSnippet(*e));
  }
  return s;
}

// `where` is the predicate on f.account_id that picks the accounts ({F} of kAccountSql).
Result<std::vector<FactSheet>> AccountSheets(store::Connection& conn, const std::string& where,
                                             const std::vector<store::Param>& params) {
  CI_RETURN_IF_ERROR(detail::RequireGold(conn));
  std::string sql = kAccountSql;
  sql.replace(sql.find("{F}"), 3, where);
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(sql, params));
  CI_ASSIGN_OR_RETURN(Playbook pb, LoadPlaybook(conn));
  CI_ASSIGN_OR_RETURN(std::string currency, features::DataCurrency(conn));
  std::vector<FactSheet> out;
  for (size_t i = 0; i < r.row_count(); ++i) {
    out.push_back(AccountFromRow(r, i, pb));
    detail::InCurrency(out.back(), currency);
  }
  return out;
}

FactUnit MetricUnit(const std::string& metric) {
  if (metric == "avg_ltv" || metric == "value_at_stake") return FactUnit::kMoney;
  if (metric == "avg_rating") return FactUnit::kScore;
  return FactUnit::kCount;
}

std::string MetricLabel(const std::string& metric) {
  if (metric == "customers") return "customers scored";
  if (metric == "high_risk") return "customers at risk of lapsing (still saveable)";
  if (metric == "lapsed") return "lapsed customers (already gone by their own purchase rhythm)";
  if (metric == "value_at_stake") return "value at stake among the at-risk customers (churn risk × predicted CLV)";
  if (metric == "avg_ltv") return "average lifetime value (spend to date)";
  if (metric == "reviews") return "reviews written";
  if (metric == "avg_rating") return "average review rating";
  if (metric == "open_tickets") return "open support tickets";
  return metric;
}

// The largest and the riskiest segment, by name, with the number that makes them so.
Status AddSegmentHighlights(store::Connection& conn, FactSheet& s) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT segment, size, avg_churn_risk FROM gold.segments ORDER BY rule_order"));
  if (r.row_count() == 0) return Status::Ok();
  size_t largest = 0, riskiest = 0;
  for (size_t i = 0; i < r.row_count(); ++i) {
    AddEntity(s, r.GetString(0, i));
    if (r.GetInt64(1, i) > r.GetInt64(1, largest)) largest = i;
    if (r.GetDouble(2, i) > r.GetDouble(2, riskiest)) riskiest = i;
  }
  AddFact(s, "largest_segment_size", double(r.GetInt64(1, largest)), FactUnit::kCount,
          "customers in the largest segment, " + r.GetString(0, largest));
  AddFact(s, "riskiest_segment_churn_risk", r.GetDouble(2, riskiest), FactUnit::kPercent,
          "average churn risk of the riskiest segment, " + r.GetString(0, riskiest));
  return Status::Ok();
}

}  // namespace

Result<std::vector<FactSheet>> LoadAccountSheets(store::Connection& conn) { return AccountSheets(conn, "TRUE", {}); }

Status ForEachAccountSheets(store::Connection& conn, const AccountSheetOptions& options,
                            const std::function<Status(std::vector<FactSheet>&)>& each) {
  CI_RETURN_IF_ERROR(detail::RequireGold(conn));
  std::string only = options.accounts_table.empty()
                         ? "TRUE"
                         : "f.account_id IN (SELECT account_id FROM " + options.accounts_table + ")";
  CI_ASSIGN_OR_RETURN(std::vector<std::string> ranges,
                      detail::RangeChunks(conn, "f.account_id",
                                          "gold.customer_features f WHERE coalesce(f.account_id, '') <> '' AND " + only,
                                          options.chunk_size));
  for (const std::string& range : ranges) {
    CI_ASSIGN_OR_RETURN(std::vector<FactSheet> chunk, AccountSheets(conn, only + " AND " + range, {}));
    CI_RETURN_IF_ERROR(each(chunk));
  }
  return Status::Ok();
}

Result<FactSheet> LoadRunSheet(store::Connection& conn) {
  CI_RETURN_IF_ERROR(detail::RequireGold(conn));
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(kRunSql));
  if (r.row_count() == 0) return Status::NotFound("gold.executive_metrics is empty: run `custintel run` first");
  FactSheet s;
  s.subject = {SubjectKind::kRun, ""};
  s.title = "this run";
  double customers = 0, high_risk = 0;
  for (size_t i = 0; i < r.row_count(); ++i) {
    std::string m = r.GetString(1, i);
    Fact f{m, detail::StableValue(r.GetDouble(2, i)), MetricUnit(m), MetricLabel(m)};
    s.facts.push_back(f);
    if (m == "customers") customers = f.value;
    if (m == "high_risk") high_risk = f.value;
    if (r.IsNull(3, i)) continue;
    Fact change{m + "_change", detail::StableValue(std::fabs(r.GetDouble(3, i))), f.unit, ""};
    if (FormatFact(change) == FormatFact({"", 0, f.unit, ""})) continue;
    change.label = fmt::format("how much the {} went {} since the previous run", f.label,
                               r.GetDouble(3, i) > 0 ? "up" : "down");
    s.facts.push_back(change);
  }
  if (customers > 0) {
    AddFact(s, "high_risk_share", high_risk / customers, FactUnit::kPercent, "share of customers at risk of lapsing");
  }
  CI_RETURN_IF_ERROR(AddSegmentHighlights(conn, s));
  CI_ASSIGN_OR_RETURN(std::string currency, features::DataCurrency(conn));
  detail::InCurrency(s, currency);
  return s;
}

Result<FactSheet> LoadFactSheet(store::Connection& conn, const Subject& subject) {
  switch (subject.kind) {
    case SubjectKind::kSegment: {
      CI_ASSIGN_OR_RETURN(std::vector<detail::SegmentSheetRow> rows, detail::SegmentSheets(conn, &subject.id));
      return std::move(rows.front().sheet);
    }
    case SubjectKind::kCustomer: {
      CI_ASSIGN_OR_RETURN(CustomerSheet cs, detail::OneCustomerSheet(conn, subject.id));
      return std::move(cs.sheet);
    }
    case SubjectKind::kAccount: {
      CI_ASSIGN_OR_RETURN(std::vector<FactSheet> sheets, AccountSheets(conn, "f.account_id = ?", {subject.id}));
      if (sheets.empty()) return Status::NotFound(fmt::format("no account '{}' among the customers", subject.id));
      return std::move(sheets.front());
    }
    case SubjectKind::kRun: return LoadRunSheet(conn);
  }
  return Status::InvalidArgument("unknown subject kind");
}

Result<EntityCatalog> LoadEntityCatalog(store::Connection& conn) {
  CI_RETURN_IF_ERROR(detail::RequireGold(conn));
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(R"(
    SELECT 0, segment FROM gold.segments WHERE segment IS NOT NULL
    UNION SELECT 1, name FROM silver.products WHERE name IS NOT NULL
    UNION SELECT 2, theme_name FROM gold.segment_themes WHERE theme_name IS NOT NULL
    UNION SELECT 3, category FROM silver.products WHERE category IS NOT NULL
    ORDER BY 1, 2)"));
  EntityCatalog cat;
  std::vector<std::string>* lists[] = {&cat.segments, &cat.products, &cat.themes, &cat.categories};
  for (size_t i = 0; i < r.row_count(); ++i) lists[r.GetInt64(0, i)]->push_back(r.GetString(1, i));
  return cat;
}

}  // namespace custintel::insight
