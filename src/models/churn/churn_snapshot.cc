// Snapshots of the features, the heuristic and P(alive) at past cutoffs (training) and as of
// the run (scoring), into TEMP tables: gold is never rewritten for a cutoff.
#include "models/churn/churn_model_internal.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "core/log.h"
#include "core/parallel.h"
#include "core/stopwatch.h"
#include "core/strings.h"
#include "features/customer_features.h"
#include "models/churn/churn_heuristic.h"
#include "models/churn/churn_model_data.h"
#include "models/churn/churn_model_store.h"
#include "models/clv_score.h"
#include "models/customer_status.h"

namespace custintel::models::churn_internal {
namespace {

// BG/NBD P(alive) as of `at`, as the feature clv_p_alive (TEMP table ci_churn_alive): the
// probabilistic model's estimate of who has already left, from each customer's whole purchase
// rhythm, which one cutoff's tabular features only approximate. Empty when CLV cannot be fitted
// (the trees then see it as missing). Fitted on every customer, written for the scope's.
Status SnapshotAliveness(store::Connection& conn, const std::string& at, const features::Scope& scope) {
  CI_RETURN_IF_ERROR(WriteProbabilityAlive(conn, at, ClvScoreOptions{}, "ci_churn_alive", scope).status());
  return conn.Execute("ALTER TABLE ci_churn_alive RENAME COLUMN p_alive TO clv_p_alive");
}

}  // namespace

std::string LapText(Stopwatch& sw) {
  double cpu = 0;
  const double wall = sw.Lap(&cpu);
  return fmt::format("{:.2f} s ({:.2f} s CPU)", wall, cpu);
}

Result<std::string> ShiftDays(store::Connection& conn, const std::string& t, int days) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r,
                      conn.Query("SELECT (?::TIMESTAMPTZ - to_days(?::INTEGER))::VARCHAR", {t, int64_t{days}}));
  return r.GetString(0, 0);
}

// The customers a cutoff's snapshot is built for: everyone the features hold at `cutoff` (the
// customers existing then, silver.customers_as_of), or,
// above `keep` of them, the `keep` with the smallest hash of their id (the same customers for
// the same data; features are per customer, so a sample's rows equal the full build's).
// Building features for a sample instead of sampling a full build afterwards is most of the
// training time saved at 1M customers.
Result<features::Scope> SampleAtCutoff(store::Connection& conn, const std::string& cutoff, int64_t keep,
                                       const std::string& table) {
  const std::string eligible = fmt::format(
      "FROM silver.customers_as_of({}::TIMESTAMPTZ) c WHERE c.customer_id IS NOT NULL", QuoteLiteral(cutoff));
  CI_ASSIGN_OR_RETURN(store::QueryResult n, conn.Query("SELECT count(*) " + eligible));
  if (n.GetInt64(0, 0) <= keep) return features::Scope::All();
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS SELECT DISTINCT customer_id FROM (SELECT c.customer_id {} "
      "ORDER BY hash(c.customer_id), c.customer_id LIMIT {})", table, eligible, keep)));
  return features::Scope::Customers(table);
}

// Features and the heuristic as of `cutoff` for the customers of `scope`, with the label of the
// following `horizon` days, into the temp table `name`. The features view and the heuristic's
// macro are the ones the run writes gold from (one definition each), evaluated at the cutoff
// straight into the snapshot: gold is not touched (it was rebuilt at the cutoff and put back,
// which cost more than the features themselves at 1M customers). The view is read once, by the
// statement that writes the snapshot (it was first copied whole into a TEMP table and then
// copied again with the labels), and only its columns a model can use: the JSON and time
// columns, which InferFeatureSpec leaves out, are not carried (they were most of the bytes read
// back). The customer status is computed only when `with_status` (the evaluation reports it at
// the validation cutoff; the training cutoff's was never read): ci_status is NULL otherwise.
Status SnapshotAtCutoff(store::Connection& conn, const std::string& cutoff, int horizon, const std::string& name,
                        const features::Scope& scope, const ChurnConfig& statuses, bool with_status) {
  Stopwatch sw;
  CI_RETURN_IF_ERROR(features::RunSqlModel(conn, "features/sql/customer_features.sql", cutoff, scope));
  CI_RETURN_IF_ERROR(features::RunSqlModel(conn, "models/sql/churn_heuristic.sql", cutoff));
  CI_ASSIGN_OR_RETURN(store::QueryResult described, conn.Query(
      "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ci_customer_features)"));
  std::string columns;
  for (size_t r = 0; r < described.row_count(); ++r) {
    const std::string type = described.GetString(1, r);
    if (type == "JSON" || type == "DATE" || type.rfind("TIMESTAMP", 0) == 0) continue;
    columns += (columns.empty() ? "f." : ", f.") + QuoteIdent(described.GetString(0, r));
  }
  CI_RETURN_IF_ERROR(SnapshotAliveness(conn, cutoff, scope));
  LogInfo(fmt::format("churn {}: BG/NBD P(alive) at {} {}", name, cutoff, LapText(sw)));
  std::string c = QuoteLiteral(cutoff) + "::TIMESTAMPTZ";
  const std::string heuristic =
      "ci_churn_heuristic(f.days_inactive, f.avg_sentiment, f.tickets_90d, f.interactions_90d, f.avg_satisfaction)";
  std::string status = "NULL::VARCHAR";
  if (with_status) {
    // The customer status at the cutoff (the evaluation's by-status figures): the run's
    // definition, with the heuristic standing in for the churn risk where there is no rhythm.
    CI_RETURN_IF_ERROR(LoadStatusRhythm(conn, cutoff, statuses));
    status = StatusCall("f", "a.clv_p_alive", heuristic);
  }
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {0} AS "
      "WITH later AS (SELECT DISTINCT o.customer_id FROM silver.orders o WHERE o.ordered_at > {1} "
      "  AND o.ordered_at <= {1} + to_days({2}) AND is_purchase(o.status) AND {3}) "
      "SELECT {6}, a.clv_p_alive, {4} AS ci_heuristic, "
      "  CASE WHEN l.customer_id IS NULL THEN 1 ELSE 0 END AS ci_label, {5} AS ci_status "
      "FROM ci_customer_features f LEFT JOIN ci_churn_alive a USING (customer_id) "
      "LEFT JOIN later l USING (customer_id) ORDER BY f.customer_id",
      name, c, horizon, scope.Filter("o.customer_id"), heuristic, status, columns)));
  if (with_status) CI_RETURN_IF_ERROR(conn.Execute("DROP TABLE ci_status_rhythm; DROP TABLE ci_status_settings"));
  LogInfo(fmt::format("churn {}: features and labels at {} {}", name, cutoff, LapText(sw)));
  if (!scope.all()) CI_RETURN_IF_ERROR(conn.Execute("DROP TABLE " + scope.table()));
  return Status::Ok();
}

// clv_p_alive of the scope's customers (TEMP table ci_churn_alive) from gold.customer_clv, which
// the scoped clv step has rescored with the last full run's parameters: what SnapshotAliveness
// gives them in a full run. NULL (missing) where CLV is not fitted, as there.
Status ReadAlivenessOfScope(store::Connection& conn, const features::Scope& scope) {
  CI_ASSIGN_OR_RETURN(bool exists, store::TableExists(conn, "gold", "customer_clv"));
  if (!exists) {
    return Status::InvalidArgument(
        "scoped churn scoring reads clv_p_alive from gold.customer_clv, which is missing: run the clv step "
        "(or a full run) first");
  }
  return conn.Execute(
      "CREATE OR REPLACE TEMP TABLE ci_churn_alive AS SELECT customer_id, p_alive AS clv_p_alive "
      "FROM gold.customer_clv WHERE " + scope.Filter("customer_id"));
}

// clv_p_alive as of as_of for a full scoring (TEMP table ci_churn_alive): gold.customer_clv's
// when the caller says the CLV step wrote it first and gold.clv_model is as of as_of (the same
// data, options and code: the values SnapshotAliveness would compute), else fitted here.
Status AlivenessAtAsOf(store::Connection& conn, const std::string& as_of, const ChurnModelOptions& o) {
  if (o.clv_scored_first) {
    CI_ASSIGN_OR_RETURN(bool stored, store::TablesExist(conn, "gold", {"clv_model", "customer_clv"}));
    if (stored) {
      CI_ASSIGN_OR_RETURN(store::QueryResult same, conn.Query(
          "SELECT count(*) FROM gold.clv_model WHERE as_of = ?::TIMESTAMPTZ", {as_of}));
      if (same.GetInt64(0, 0) > 0) {
        return conn.Execute("CREATE OR REPLACE TEMP TABLE ci_churn_alive AS SELECT customer_id, p_alive AS "
                            "clv_p_alive FROM gold.customer_clv");
      }
    }
  }
  return SnapshotAliveness(conn, as_of, features::Scope::All());
}

}  // namespace custintel::models::churn_internal
