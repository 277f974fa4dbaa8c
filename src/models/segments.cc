#include "models/segments.h"

#include <fmt/format.h>

#include "core/strings.h"

namespace custintel::models {
namespace {

constexpr char kScoredView[] =
    "CREATE OR REPLACE TEMP VIEW ci_scored AS "
    "SELECT f.*, s.churn_risk, s.churn_risk_heuristic, s.ltv_percentile, s.status, s.value_at_stake, "
    "cume_dist() OVER (ORDER BY s.churn_risk) AS churn_risk_percentile "
    "FROM gold.customer_features f JOIN gold.customer_scores s USING (customer_id)";

Status CheckRule(store::Connection& conn, const SegmentRule& rule) {
  if (rule.when.find(';') != std::string::npos) {
    return Status::InvalidArgument("segment '" + rule.name + "': the predicate may not contain ';'");
  }
  auto r = conn.Query("SELECT count(*) FROM ci_scored WHERE (" + rule.when + ")");
  if (!r.ok()) {
    return Status::InvalidArgument("segment '" + rule.name + "': predicate `" + rule.when +
                                   "` is not valid SQL over customer features: " + r.status().message());
  }
  return Status::Ok();
}

}  // namespace

Status AssignSegments(store::Connection& conn, const std::vector<SegmentRule>& rules, const features::Scope& scope) {
  if (rules.empty()) return Status::InvalidArgument("no segment rules configured");
  CI_RETURN_IF_ERROR(conn.Execute(kScoredView));
  std::string cases = "CASE";
  for (const auto& rule : rules) {
    CI_RETURN_IF_ERROR(CheckRule(conn, rule));
    cases += fmt::format(" WHEN ({}) THEN {}", rule.when, QuoteLiteral(rule.name));
  }
  cases += " ELSE 'Unsegmented' END";
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE ci_segment_of AS SELECT customer_id, {} AS segment FROM ci_scored WHERE {}",
      cases, scope.Filter("customer_id"))));
  CI_RETURN_IF_ERROR(conn.Execute(
      "UPDATE gold.customer_scores s SET segment = a.segment FROM ci_segment_of a "
      "WHERE s.customer_id = a.customer_id; DROP TABLE ci_segment_of"));
  std::string order = "CASE segment";
  for (size_t i = 0; i < rules.size(); ++i) order += fmt::format(" WHEN {} THEN {}", QuoteLiteral(rules[i].name), i);
  order += fmt::format(" ELSE {} END", rules.size());
  return conn.Execute(fmt::format(
      "CREATE OR REPLACE TABLE gold.segments AS "
      "SELECT segment, {order} AS rule_order, count(*) AS size, count(*) / sum(count(*)) OVER () AS share, "
      "avg(lifetime_value) AS avg_ltv, sum(lifetime_value) AS total_ltv, avg(churn_risk) AS avg_churn_risk, "
      "count(*) FILTER (WHERE high_risk) AS high_risk, count(*) FILTER (WHERE status = 'lapsed') AS lapsed, "
      "sum(value_at_stake) FILTER (WHERE high_risk) AS value_at_stake, "
      "sum(lifetime_value) / nullif(sum(sum(lifetime_value)) OVER (), 0) AS revenue_share, "
      "any_value(as_of) AS as_of "
      "FROM gold.customer_scores GROUP BY segment ORDER BY rule_order",
      fmt::arg("order", order)));
}

Result<double> HighRiskAbove(store::Connection& conn) {
  auto r = conn.Query("SELECT high_risk_above FROM gold.risk_definition");
  if (!r.ok() || r->row_count() == 0 || r->IsNull(0, 0)) {
    return Status::NotFound("no customer statuses yet (no run since this version of custintel): run "
                            "`custintel run`");
  }
  return r->GetDouble(0, 0);
}

Status ProfileSegments(store::Connection& conn) {
  // The CLV step adds predicted_clv only when it could fit; make the column exist either way.
  CI_RETURN_IF_ERROR(conn.Execute("ALTER TABLE gold.customer_scores ADD COLUMN IF NOT EXISTS predicted_clv DOUBLE"));
  return conn.Execute(
      "CREATE OR REPLACE TABLE gold.segments AS "
      "WITH per AS (SELECT s.segment, avg(s.predicted_clv) AS avg_clv, avg(f.avg_sentiment) AS avg_sentiment "
      "  FROM gold.customer_scores s JOIN gold.customer_features f USING (customer_id) GROUP BY s.segment), "
      "cats AS (SELECT segment, list(top_category ORDER BY n DESC, top_category)[1:3] AS top_categories "
      "  FROM (SELECT s.segment, f.top_category, count(*) AS n FROM gold.customer_scores s "
      "        JOIN gold.customer_features f USING (customer_id) WHERE f.top_category IS NOT NULL "
      "        GROUP BY s.segment, f.top_category) GROUP BY segment) "
      "SELECT g.*, per.avg_clv, per.avg_sentiment, cats.top_categories "
      "FROM (SELECT COLUMNS(c -> c NOT IN ('avg_clv', 'avg_sentiment', 'top_categories')) FROM gold.segments) g "
      "LEFT JOIN per USING (segment) LEFT JOIN cats USING (segment) ORDER BY g.rule_order");
}

}  // namespace custintel::models
