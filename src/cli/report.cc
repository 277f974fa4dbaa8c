#include "cli/report.h"

#include <fmt/format.h>

#include <ostream>

#include "cli/output.h"
#include "features/kpis.h"
#include "insight/drivers.h"
#include "insight/read.h"
#include "models/segments.h"
#include "store/result_json.h"

namespace custintel::cli {
namespace {

constexpr char kSegmentsSql[] =
    "SELECT segment, size, round(100 * share, 1) AS share_pct, round(avg_ltv, 2) AS avg_ltv, "
    "round(avg_churn_risk, 3) AS avg_churn_risk, round(100 * revenue_share, 1) AS revenue_share_pct "
    "FROM gold.segments ORDER BY rule_order";

constexpr char kTopRiskSql[] =
    "SELECT customer_id, round(churn_risk, 3) AS churn_risk, segment, round(lifetime_value, 2) AS "
    "lifetime_value, risk_factors FROM gold.customer_scores "
    "ORDER BY churn_risk DESC, lifetime_value DESC, customer_id LIMIT 10";

// The run's figures (features/kpis.h: each defined once, as of the run) and the risk threshold.
std::string OverviewSql() {
  return "SELECT (SELECT any_value(as_of)::VARCHAR FROM gold.customer_scores) AS as_of, k.customers, k.high_risk, "
         "(SELECT high_risk_above FROM gold.risk_definition) AS high_risk_above, k.avg_ltv, "
         "(SELECT round(avg(churn_risk), 3) FROM gold.customer_scores) AS avg_churn_risk, k.revenue_at_risk, "
         "k.reviews, k.avg_rating, k.open_tickets FROM (" +
         features::KpiSelectSql(features::RunAsOfSql()) + ") k";
}

// A stored risk_factors JSON text in words (insight/drivers.h).
std::string DriversText(const std::string& risk_factors, size_t max) {
  return insight::DriversInWords(nlohmann::json::parse(risk_factors, nullptr, false), max);
}

Status RequireGold(store::Connection& conn) {
  auto r = conn.Query("SELECT count(*) FROM gold.customer_scores");
  if (!r.ok()) return Status::NotFound("no results yet: run `custintel run` first");
  return Status::Ok();
}

}  // namespace

ColumnText DriversColumn(size_t max) {
  return {"risk_factors", fmt::format("drivers (top {})", max),
          [max](const std::string& stored) { return DriversText(stored, max); }};
}

Status PrintSegments(store::Connection& conn, bool json, std::ostream& out) {
  CI_RETURN_IF_ERROR(RequireGold(conn));
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(kSegmentsSql));
  PrintResult(r, json ? OutputFormat::kJson : OutputFormat::kTable, out);
  return Status::Ok();
}

Status PrintSummary(store::Connection& conn, bool json, std::ostream& out) {
  CI_RETURN_IF_ERROR(RequireGold(conn));
  CI_RETURN_IF_ERROR(models::HighRiskAbove(conn).status());  // scores from before the flag: run again
  CI_ASSIGN_OR_RETURN(store::QueryResult overview, conn.Query(OverviewSql()));
  CI_ASSIGN_OR_RETURN(store::QueryResult segments, conn.Query(kSegmentsSql));
  CI_ASSIGN_OR_RETURN(store::QueryResult risk, conn.Query(kTopRiskSql));
  // The run's figures in words, when the insights step has written them.
  Result<nlohmann::json> exec = insight::ReadExecutiveSummary(conn);
  if (!exec.ok() && exec.status().code() != StatusCode::kNotFound) return exec.status();
  const nlohmann::json words = exec.ok() ? *exec : nlohmann::json();
  if (json) {
    nlohmann::json j = store::ResultToJson(overview)[0];
    j["executive_summary"] = words;
    j["segments"] = store::ResultToJson(segments);
    j["top_at_risk"] = store::ResultToJson(risk);
    out << j.dump(2) << '\n';
    return Status::Ok();
  }
  out << fmt::format("custintel summary, as of {}\n", overview.GetString(0, 0));
  out << fmt::format("{} customers, {} at high churn risk (> {}); average lifetime value {}, "
                     "average churn risk {}\n",
                     overview.GetInt64(1, 0), overview.GetInt64(2, 0), overview.GetString(3, 0),
                     overview.GetString(4, 0), overview.GetString(5, 0));
  out << fmt::format("Projected revenue at risk {}; {} reviews averaging {} stars; {} open tickets\n\n",
                     overview.GetString(6, 0), overview.GetInt64(7, 0), overview.GetString(8, 0),
                     overview.GetInt64(9, 0));
  if (words.is_object() && words["summary"].is_string()) {
    out << fmt::format("In words ({} writer, grounding {:.2f}):\n{}\n\n", words.value("writer", ""),
                       words.value("grounding_score", 0.0), words["summary"].get<std::string>());
  }
  out << "Segments\n";
  PrintResult(segments, OutputFormat::kTable, out);
  out << "\nTen customers most at risk\n";
  PrintTable(risk, {DriversColumn(3)}, out);
  return Status::Ok();
}

Status PrintCustomer(store::Connection& conn, const std::string& id, bool json, std::ostream& out) {
  CI_RETURN_IF_ERROR(RequireGold(conn));
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT f.*, s.churn_risk, s.churn_risk_heuristic, s.segment, s.risk_factors "
      "FROM gold.customer_features f JOIN gold.customer_scores s USING (customer_id) "
      "WHERE f.customer_id = ?", {id}));
  if (r.row_count() == 0) return Status::NotFound("no customer '" + id + "'");
  if (json) {
    out << store::ResultToJson(r)[0].dump(2) << '\n';
    return Status::Ok();
  }
  size_t width = 0;
  for (size_t c = 0; c < r.column_count(); ++c) width = std::max(width, r.column_name(c).size());
  for (size_t c = 0; c < r.column_count(); ++c) {
    out << fmt::format("{:<{}}  {}\n", r.column_name(c), width, r.IsNull(c, 0) ? "NULL" : r.GetString(c, 0));
  }
  const size_t factors = r.column_count() - 1;  // risk_factors, read back in words
  if (!r.IsNull(factors, 0)) {
    const std::string words = DriversText(r.GetString(factors, 0), 5);
    out << fmt::format("{:<{}}  {}\n", "churn drivers", width, words.empty() ? "(none raising the risk)" : words);
  }
  return Status::Ok();
}

}  // namespace custintel::cli
