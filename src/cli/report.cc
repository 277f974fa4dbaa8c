#include "cli/report.h"

#include <fmt/format.h>

#include <ostream>

#include "cli/output.h"
#include "core/strings.h"
#include "features/currency.h"
#include "features/kpis.h"
#include "insight/drivers.h"
#include "insight/read.h"
#include "models/customer_status.h"
#include "models/segments.h"
#include "store/result_json.h"

namespace custintel::cli {
namespace {

constexpr char kSegmentsSql[] =
    "SELECT segment, size, round(100 * share, 1) AS share_pct, round(avg_ltv, 2) AS avg_ltv, "
    "round(avg_churn_risk, 3) AS avg_churn_risk, round(100 * revenue_share, 1) AS revenue_share_pct "
    "FROM gold.segments ORDER BY rule_order";

// The same for a printed table: a figure that cannot be computed says why ({0}: the reason
// spend figures are missing), never a blank cell.
constexpr char kSegmentsTextSql[] =
    "SELECT segment, size, round(100 * share, 1) AS share_pct, "
    "coalesce(round(avg_ltv, 2)::VARCHAR, {0}) AS avg_ltv, "
    "coalesce(round(avg_churn_risk, 3)::VARCHAR, 'not scored') AS avg_churn_risk, "
    "coalesce(round(100 * revenue_share, 1)::VARCHAR, {0}) AS revenue_share_pct "
    "FROM gold.segments ORDER BY rule_order";

// The ten at-risk customers with the most value at stake (models/customer_status.h: the order of
// every "most at risk" list).
std::string TopRiskSql(const std::string& no_spend) {
  const std::string money = no_spend.empty() ? "round({0}, 2)" : "coalesce(round({0}, 2)::VARCHAR, " + QuoteLiteral(no_spend) + ")";
  return fmt::format(
      "SELECT customer_id, {}, round(churn_risk, 3) AS churn_risk, segment, {}, risk_factors "
      "FROM gold.customer_scores WHERE {} ORDER BY {} LIMIT 10",
      fmt::format(fmt::runtime(money), "value_at_stake") + " AS value_at_stake",
      fmt::format(fmt::runtime(money), "lifetime_value") + " AS lifetime_value", models::kAtRiskWhere,
      models::kAtRiskOrder);
}

// The run's figures (features/kpis.h: each defined once, as of the run).
std::string OverviewSql() {
  return "SELECT (SELECT any_value(as_of)::VARCHAR FROM gold.customer_scores) AS as_of, k.customers, k.high_risk, "
         "k.lapsed, k.value_at_stake, k.avg_ltv, "
         "(SELECT round(avg(churn_risk), 3) FROM gold.customer_scores) AS avg_churn_risk, k.revenue_at_risk, "
         "k.reviews, k.avg_rating, k.open_tickets FROM (" +
         features::KpiSelectSql(features::RunAsOfSql()) + ") k";
}

// Why spend figures are missing, in words: no orders, or orders without amounts.
Result<std::string> NoSpendReason(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT count(*), count(amount) FROM silver.orders_as_of((SELECT max(as_of) FROM gold.customer_scores)) "
      "WHERE customer_id IS NOT NULL"));
  if (r.GetInt64(0, 0) == 0) return std::string("needs orders (the data has none up to the as-of)");
  if (r.GetInt64(1, 0) == 0) return std::string("needs amounts (the orders carry none)");
  return std::string("not computed");
}

// " BRL" when the orders name one currency (the most common when several), "" when none: money
// is shown in the data's currency (features/currency.h), never in a dollar sign the data did not give.
Result<std::string> DataCurrency(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(std::string code, features::DataCurrency(conn));
  return code.empty() ? code : " " + code;
}

bool HasNull(const store::QueryResult& r) {
  for (size_t i = 0; i < r.row_count(); ++i) {
    for (size_t c = 0; c < r.column_count(); ++c) {
      if (r.IsNull(c, i)) return true;
    }
  }
  return false;
}

// The value of column c of an overview row, or why there is none.
std::string Figure(const store::QueryResult& r, size_t c, const std::string& why) {
  return r.IsNull(c, 0) ? why : r.GetString(c, 0);
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
  CI_RETURN_IF_ERROR(models::HighRiskAbove(conn).status());  // scores from before the statuses: run again
  CI_ASSIGN_OR_RETURN(store::QueryResult overview, conn.Query(OverviewSql()));
  CI_ASSIGN_OR_RETURN(store::QueryResult segments, conn.Query(kSegmentsSql));
  CI_ASSIGN_OR_RETURN(store::QueryResult risk, conn.Query(TopRiskSql("")));
  CI_ASSIGN_OR_RETURN(store::QueryResult statuses, conn.Query(models::StatusCountsSql()));
  // The run's figures in words, when the insights step has written them.
  Result<nlohmann::json> exec = insight::ReadExecutiveSummary(conn);
  if (!exec.ok() && exec.status().code() != StatusCode::kNotFound) return exec.status();
  const nlohmann::json words = exec.ok() ? *exec : nlohmann::json();
  CI_ASSIGN_OR_RETURN(std::string no_spend, NoSpendReason(conn));
  const int64_t customers = overview.GetInt64(1, 0);
  const std::string none = "no customers scored (ingest a file naming customers, then run)";
  // Value at stake needs the CLV model's money: amounts, and enough history to fit it.
  const std::string no_stake = customers == 0 ? none
                               : no_spend != "not computed"
                                   ? no_spend
                                   : "needs a fitted CLV model (see the run report's clv line)";
  const int64_t at_risk = overview.GetInt64(2, 0), lapsed = overview.GetInt64(3, 0);
  if (json) {
    nlohmann::json j = store::ResultToJson(overview)[0];
    // Every null figure with the reason it has no value, in words.
    nlohmann::json missing = nlohmann::json::object();
    if (overview.IsNull(4, 0)) missing["value_at_stake"] = at_risk == 0 ? std::string("no customer is at risk") : no_stake;
    if (overview.IsNull(5, 0)) missing["avg_ltv"] = customers == 0 ? none : no_spend;
    if (overview.IsNull(6, 0)) missing["avg_churn_risk"] = none;
    if (overview.IsNull(0, 0)) missing["as_of"] = "no run yet";
    if (overview.IsNull(7, 0)) missing["revenue_at_risk"] = customers == 0 ? none : no_spend;
    if (overview.IsNull(9, 0)) missing["avg_rating"] = "no rated reviews";
    j["missing"] = missing;
    CI_ASSIGN_OR_RETURN(std::string currency, DataCurrency(conn));
    j["currency"] = currency.empty() ? nlohmann::json() : nlohmann::json(currency.substr(1));
    j["statuses"] = store::ResultToJson(statuses);
    j["executive_summary"] = words;
    j["segments"] = store::ResultToJson(segments);
    j["top_at_risk"] = store::ResultToJson(risk);
    out << j.dump(2) << '\n';
    return Status::Ok();
  }
  CI_ASSIGN_OR_RETURN(std::string currency, DataCurrency(conn));
  out << fmt::format("custintel summary, as of {}\n", Figure(overview, 0, "no run yet"));
  std::string by_status;
  for (size_t i = 0; i < statuses.row_count(); ++i) {
    std::string name = statuses.GetString(0, i);
    by_status += fmt::format("{}{} {}", i ? ", " : "", statuses.GetInt64(1, i),
                             name == "at_risk" ? "at risk (saveable)" : name);
  }
  out << fmt::format("{} customers{}{}; average lifetime value {}, average churn risk {}\n", customers,
                     customers == 0 ? " (no table names a customer)" : "", customers == 0 ? "" : ": " + by_status,
                     overview.IsNull(5, 0) ? (customers == 0 ? none : no_spend) : overview.GetString(5, 0) + currency,
                     Figure(overview, 6, none));
  out << fmt::format("At risk: {} customers, value at stake {} (churn risk × predicted CLV); projected revenue at "
                     "risk over everyone {}\n",
                     at_risk,
                     overview.IsNull(4, 0) ? (at_risk == 0 ? std::string("none") : no_stake)
                                           : overview.GetString(4, 0) + currency,
                     overview.IsNull(7, 0) ? (customers == 0 ? none : no_spend) : overview.GetString(7, 0) + currency);
  out << fmt::format("Lapsed: {} customers, silent longer than their purchase rhythm allows (win-back, not retention: "
                     "custintel churn --lapsed)\n",
                     lapsed);
  const int64_t reviews = overview.GetInt64(8, 0);
  out << fmt::format("{}; {} open tickets\n\n",
                     reviews == 0 ? std::string("No reviews (the data has none)")
                     : overview.IsNull(9, 0) ? fmt::format("{} reviews, none rated", reviews)
                                             : fmt::format("{} reviews averaging {} stars", reviews, overview.GetString(9, 0)),
                     overview.GetInt64(10, 0));
  if (words.is_object() && words["summary"].is_string()) {
    out << fmt::format("In words ({} writer, grounding {:.2f}):\n{}\n\n", words.value("writer", ""),
                       words.value("grounding_score", 0.0), words["summary"].get<std::string>());
  }
  // Numbers stay numbers (right-aligned) unless a cell has none to show.
  store::QueryResult segment_rows = std::move(segments);
  if (HasNull(segment_rows)) {
    CI_ASSIGN_OR_RETURN(segment_rows, conn.Query(fmt::format(kSegmentsTextSql, QuoteLiteral(no_spend))));
  }
  out << "Segments\n";
  if (segment_rows.row_count() == 0) {
    out << "(none: " << (customers == 0 ? none : std::string("no segment rules matched")) << ")\n";
  } else {
    PrintResult(segment_rows, OutputFormat::kTable, out);
  }
  if (HasNull(risk)) {
    CI_ASSIGN_OR_RETURN(risk, conn.Query(TopRiskSql(no_stake)));
  }
  out << "\nTen at-risk customers with the most value at stake\n";
  if (risk.row_count() == 0) {
    out << "(none: " << (customers == 0 ? none : std::string("no customer is at risk")) << ")\n";
    return Status::Ok();
  }
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
  CI_ASSIGN_OR_RETURN(std::string no_spend, NoSpendReason(conn));
  for (size_t c = 0; c < r.column_count(); ++c) {
    const std::string& name = r.column_name(c);
    // A spend figure the data cannot give says why (a purchase log of dates only).
    const bool money = name == "monetary" || name == "lifetime_value" || name.starts_with("revenue_") ||
                       name == "avg_order_value";
    const std::string missing = money && !r.IsNull(c, 0) ? "" : money ? "NULL: " + no_spend : "NULL";
    out << fmt::format("{:<{}}  {}\n", name, width, r.IsNull(c, 0) ? missing : r.GetString(c, 0));
  }
  const size_t factors = r.column_count() - 1;  // risk_factors, read back in words
  if (!r.IsNull(factors, 0)) {
    const std::string words = DriversText(r.GetString(factors, 0), 5);
    out << fmt::format("{:<{}}  {}\n", "churn drivers", width, words.empty() ? "(none raising the risk)" : words);
  }
  return Status::Ok();
}

}  // namespace custintel::cli
