#include "models/customer_status.h"

#include <fmt/format.h>

#include "features/customer_features.h"

namespace custintel::models {
namespace {

constexpr char kSettingsTable[] = "ci_status_settings";

Status WriteSettings(store::Connection& conn, const ChurnConfig& churn) {
  const CustomerStatusConfig& s = churn.status;
  return conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS SELECT {}::DOUBLE AS at_risk_quantile, {}::DOUBLE AS lapsed_quantile, "
      "{}::DOUBLE AS lapsed_p_alive, {}::BIGINT AS new_days, {}::BIGINT AS min_gaps, {}::DOUBLE AS high_risk",
      kSettingsTable, s.at_risk_quantile, s.lapsed_quantile, s.lapsed_p_alive, s.new_days, s.min_gaps,
      churn.high_risk));
}

// The last full run's rhythm (gold.risk_definition) when it was judged with these settings.
Result<bool> ReuseStoredRhythm(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(store::QueryResult has, conn.Query(
      "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'gold' AND table_name = 'risk_definition' "
      "AND column_name = 'ratio_lapsed'"));
  if (has.GetInt64(0, 0) == 0) return false;
  CI_ASSIGN_OR_RETURN(store::QueryResult same, conn.Query(
      "SELECT count(*) FROM gold.risk_definition d, ci_status_settings s WHERE d.at_risk_quantile = s.at_risk_quantile "
      "AND d.lapsed_quantile = s.lapsed_quantile AND d.lapsed_p_alive = s.lapsed_p_alive AND d.new_days = s.new_days "
      "AND d.min_gaps = s.min_gaps AND d.high_risk_above = s.high_risk"));
  if (same.GetInt64(0, 0) == 0) return false;
  CI_RETURN_IF_ERROR(conn.Execute(
      "CREATE OR REPLACE TEMP TABLE ci_status_rhythm AS SELECT at_risk_quantile, lapsed_quantile, lapsed_p_alive, "
      "new_days, min_gaps, high_risk_above AS high_risk, gaps, has_rhythm, gap_at_risk, gap_lapsed, ratio_at_risk, "
      "ratio_lapsed FROM gold.risk_definition"));
  return true;
}

}  // namespace

std::string StatusCall(const std::string& f, const std::string& p_alive, const std::string& churn_risk) {
  return fmt::format(
      "ci_customer_status(coalesce({0}.recency_days, {0}.days_inactive), {0}.tenure_days, {0}.frequency, "
      "{0}.interpurchase_days_mean, {0}.interpurchase_days_std, {1}, {2})",
      f, p_alive, churn_risk);
}

std::string StatusCountsSql(const std::string& schema) {
  return fmt::format(
      "SELECT k.status, count(s.customer_id) AS customers, sum(s.value_at_stake) AS value_at_stake "
      "FROM (VALUES ('active', 1), ('new', 2), ('at_risk', 3), ('lapsed', 4)) k(status, ord) "
      "LEFT JOIN {}.customer_scores s ON s.status = k.status GROUP BY k.status, k.ord ORDER BY k.ord",
      schema);
}

Status LoadStatusRhythm(store::Connection& conn, const std::string& as_of, const ChurnConfig& churn) {
  CI_RETURN_IF_ERROR(WriteSettings(conn, churn));
  return features::RunSqlModel(conn, "models/sql/customer_status.sql", as_of);
}

Status AssignCustomerStatus(store::Connection& conn, const std::string& as_of, const ChurnConfig& churn,
                            const features::Scope& scope) {
  CI_RETURN_IF_ERROR(LoadStatusRhythm(conn, as_of, churn));
  if (!scope.all()) {
    CI_ASSIGN_OR_RETURN(bool reused, ReuseStoredRhythm(conn));
    (void)reused;  // else this run's rhythm (the settings changed, or no full run recorded one)
  }
  // The CLV step adds p_alive and predicted_clv only when it could fit.
  CI_RETURN_IF_ERROR(conn.Execute(
      "ALTER TABLE gold.customer_scores ADD COLUMN IF NOT EXISTS p_alive DOUBLE; "
      "ALTER TABLE gold.customer_scores ADD COLUMN IF NOT EXISTS predicted_clv DOUBLE; "
      "ALTER TABLE gold.customer_scores ADD COLUMN IF NOT EXISTS status VARCHAR; "
      "ALTER TABLE gold.customer_scores ADD COLUMN IF NOT EXISTS value_at_stake DOUBLE; "
      "ALTER TABLE gold.customer_scores ADD COLUMN IF NOT EXISTS high_risk BOOLEAN"));
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE ci_status_of AS SELECT s.customer_id, {} AS status, "
      "s.churn_risk * s.predicted_clv AS value_at_stake "
      "FROM gold.customer_scores s JOIN gold.customer_features f USING (customer_id) WHERE {}",
      StatusCall("f", "s.p_alive", "s.churn_risk"), scope.Filter("s.customer_id"))));
  CI_RETURN_IF_ERROR(conn.Execute(
      "UPDATE gold.customer_scores s SET status = a.status, value_at_stake = a.value_at_stake, "
      "high_risk = (a.status = 'at_risk') FROM ci_status_of a WHERE s.customer_id = a.customer_id; "
      "DROP TABLE ci_status_of"));
  CI_RETURN_IF_ERROR(conn.Execute(
      "CREATE OR REPLACE TABLE gold.risk_definition AS SELECT r.high_risk AS high_risk_above, r.at_risk_quantile, "
      "r.lapsed_quantile, r.lapsed_p_alive, r.new_days, r.min_gaps, r.gaps, r.has_rhythm, r.gap_at_risk, r.gap_lapsed, "
      "r.ratio_at_risk, r.ratio_lapsed, (SELECT any_value(as_of) FROM gold.customer_scores) AS as_of, "
      "current_timestamp AS defined_at FROM ci_status_rhythm r"));
  return conn.Execute("DROP TABLE ci_status_rhythm; DROP TABLE ci_status_settings");
}

}  // namespace custintel::models
