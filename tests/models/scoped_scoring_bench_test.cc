// Full versus scoped (incremental-run) scoring of the CLV, churn-model and recommendation steps
// on a real shop, with the timings printed. Skipped unless CUSTINTEL_SCOPED_BENCH_DB names an
// ingested database (a copy: the work is rolled back, but the file is opened for writing):
//
//   cp shop.duckdb /tmp/bench.duckdb
//   CUSTINTEL_SCOPED_BENCH_DB=/tmp/bench.duckdb build/tests/models_test --gtest_filter='ScopedScoringBench.*'
//
// The scope is a 1% sample of the customers, each with one new order (and item) two days before
// as_of, as an incremental run after appending 1% new orders sees it. CUSTINTEL_SCOPED_BENCH_MEMORY
// (e.g. 8GB) caps DuckDB's memory on a shared machine.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "core/strings.h"
#include "features/customer_features.h"
#include "models/churn/churn_heuristic.h"
#include "models/churn/churn_model.h"
#include "models/clv_score.h"
#include "models/recommend/recommend_data.h"
#include "store/migrations.h"

namespace custintel::models {
namespace {

// Runs `step`, prints its wall time under `name` and fails the test on an error.
void Timed(const char* name, const std::function<Status()>& step) {
  const auto start = std::chrono::steady_clock::now();
  Status s = step();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("  %-40s %8.2f s\n", name, secs);
  std::fflush(stdout);
  ASSERT_TRUE(s.ok()) << name << ": " << s.message();
}

TEST(ScopedScoringBench, FullVersusOnePercentScope) {
  const char* path = std::getenv("CUSTINTEL_SCOPED_BENCH_DB");
  if (!path) GTEST_SKIP() << "set CUSTINTEL_SCOPED_BENCH_DB to an ingested shop (a copy) to run";
  auto db = store::OpenEngineDatabase(path);
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto conn = (*db)->Connect();
  ASSERT_TRUE(conn.ok()) << conn.status().message();
  if (const char* limit = std::getenv("CUSTINTEL_SCOPED_BENCH_MEMORY")) {  // e.g. 8GB, on a shared machine
    ASSERT_TRUE(conn->Execute("SET memory_limit = " + QuoteLiteral(limit)).ok());
  }
  auto as_of = features::LatestDataTimestamp(*conn);
  ASSERT_TRUE(as_of.ok()) << as_of.status().message();
  auto tx = store::Transaction::Begin(*conn);
  ASSERT_TRUE(tx.ok());
  const auto all = features::Scope::All();
  std::printf("full run steps (as of %s)\n", as_of->c_str());
  Timed("customer_features", [&] { return features::BuildCustomerFeatures(*conn, *as_of, all); });
  Timed("churn_heuristic", [&] { return ScoreChurnHeuristic(*conn, *as_of, all); });
  Timed("churn_model (train + score)", [&] { return ScoreLearnedChurn(*conn, *as_of, {}, all).status(); });
  Timed("clv (fit + score)", [&] { return ScoreClv(*conn, *as_of, {}, all).status(); });
  Timed("recommendations (fit + score + store)", [&] { return BuildRecommendations(*conn, *as_of, {}, all); });
  Timed("  of which: load every purchase line", [&] { return LoadPurchaseData(*conn, *as_of).status(); });

  auto added = conn->Query(
      "CREATE TEMP TABLE ci_scope AS SELECT customer_id FROM silver.customers USING SAMPLE 1 PERCENT (bernoulli, 7); "
      "INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) "
      "SELECT 'bench-' || customer_id, customer_id, " + QuoteLiteral(*as_of) + "::TIMESTAMPTZ - INTERVAL 2 DAY, 25, "
      "'completed' FROM ci_scope; "
      "INSERT INTO silver.order_items(order_id, product_id, quantity, unit_price) "
      "SELECT 'bench-' || customer_id, (SELECT min(product_id) FROM silver.products), 1, 25 FROM ci_scope; "
      "SELECT count(*) FROM ci_scope");
  ASSERT_TRUE(added.ok()) << added.status().message();
  std::printf("scoped steps (%lld customers, one new order each)\n", static_cast<long long>(added->GetInt64(0, 0)));
  const auto scope = features::Scope::Customers("ci_scope");
  Timed("customer_features", [&] { return features::BuildCustomerFeatures(*conn, *as_of, scope); });
  Timed("churn_heuristic", [&] { return ScoreChurnHeuristic(*conn, *as_of, scope); });
  Timed("clv (stored parameters)", [&] { return ScoreClv(*conn, *as_of, {}, scope).status(); });
  Timed("churn_model (stored model)", [&] { return ScoreLearnedChurn(*conn, *as_of, {}, scope).status(); });
  Timed("recommendations (stored model)", [&] { return BuildRecommendations(*conn, *as_of, {}, scope); });
  Timed("  for comparison: refit on every line", [&]() -> Status {
    CI_ASSIGN_OR_RETURN(PurchaseData data, LoadPurchaseData(*conn, *as_of));
    const Recommender refit = Recommender::Fit(data.lines, data.product_ids.size(), {});
    return refit.Popular(1).empty() == data.lines.empty() ? Status::Ok() : Status::Internal("refit is empty");
  });
  ASSERT_TRUE(tx->Rollback().ok());
}

}  // namespace
}  // namespace custintel::models
