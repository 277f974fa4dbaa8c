#include "models/clv_score.h"

#include <cmath>

#include "features/customer_features.h"
#include "model_fixture.h"
#include "models/churn/churn_heuristic.h"
#include "models/clv/clv_simulate.h"

namespace custintel::models {
namespace {

constexpr char kAsOf[] = "2026-06-30 00:00:00+00";

class ClvScoreTest : public InMemoryDbTest {
 protected:
  void BuildScores() {
    { Status st = features::BuildCustomerFeatures(*conn_, kAsOf); ASSERT_TRUE(st.ok()) << st.message(); }
    { Status st = ScoreChurnHeuristic(*conn_, kAsOf); ASSERT_TRUE(st.ok()) << st.message(); }
  }
  // Orders for simulated BG/NBD customers: customer i's first purchase T weeks before as_of,
  // repeat purchases spread over (0, recency] — the summary is what the models see.
  void InsertSimulated(size_t n) {
    ClvSimulationOptions o;
    o.customers = n;
    o.bgnbd = {0.75, 7.5, 0.8, 2.4};
    o.gamma_gamma = {5, 4, 45};
    o.min_T = 4;
    o.max_T = 100;
    o.time_resolution = 1.0 / 7;
    ClvSummary s = SimulateClvSummary(o);
    Exec("CREATE TABLE main.staged(order_id VARCHAR, customer_id VARCHAR, days_ago BIGINT, amount DOUBLE)");
    auto app = store::Appender::Create(*conn_, "main", "staged");
    ASSERT_TRUE(app.ok()) << app.status().message();
    for (size_t i = 0; i < s.size(); ++i) {
      const std::string id = "C" + std::to_string(i);
      const int64_t first = std::lround(s.T[i] * 7);
      const int64_t last = first - std::lround(s.recency[i] * 7);
      const int64_t x = static_cast<int64_t>(s.frequency[i]);
      for (int64_t k = 0; k <= x; ++k) {
        const int64_t ago = x == 0 ? first : first - (first - last) * k / x;
        for (const store::Param& v : {store::Param(id + "_" + std::to_string(k)), store::Param(id),
                                      store::Param(ago), store::Param(k == 0 ? 50.0 : s.monetary_value[i])}) {
          ASSERT_TRUE(app->Append(v).ok());
        }
        ASSERT_TRUE(app->EndRow().ok());
      }
    }
    ASSERT_TRUE(app->Close().ok());
    Exec("INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) "
         "SELECT order_id, customer_id, TIMESTAMPTZ '2026-06-29 12:00:00+00' - to_days(CAST(days_ago AS INTEGER)), "
         "amount, 'completed' FROM main.staged");
    Exec("INSERT INTO silver.customers(customer_id) SELECT DISTINCT customer_id FROM main.staged");
  }
  // Three customers, one of them a repeat buyer: too few to fit.
  void InsertTooFewRepeatBuyers() {
    Exec(R"sql(
      INSERT INTO silver.customers(customer_id) VALUES ('A'), ('B'), ('C');
      INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) VALUES
        ('1', 'A', '2026-01-01', 10, 'completed'), ('2', 'A', '2026-02-01', 20, 'completed'),
        ('3', 'B', '2026-03-01', 30, 'completed'), ('4', 'C', '2026-03-01', 30, 'cancelled');
    )sql");
  }
  // A fitted full run over 3,000 simulated customers and one without orders; its tables are
  // kept in full_clv, full_scores and full_model, its fit in full_fit_.
  void FullRunKept() {
    InsertSimulated(3000);
    Exec("INSERT INTO silver.customers(customer_id) VALUES ('no-orders')");
    BuildScores();
    auto report = ScoreClv(*conn_, kAsOf);
    ASSERT_TRUE(report.ok()) << report.status().message();
    ASSERT_TRUE(report->fitted) << report->message;
    full_fit_ = *report->fit;
    Exec("CREATE TEMP TABLE full_clv AS SELECT * FROM gold.customer_clv; "
         "CREATE TEMP TABLE full_scores AS SELECT * FROM gold.customer_scores; "
         "CREATE TEMP TABLE full_model AS SELECT * FROM gold.clv_model");
  }
  Result<ClvScoreReport> ScoreScope() { return ScoreClv(*conn_, kAsOf, {}, features::Scope::Customers("ci_scope")); }

  ClvModelFit full_fit_;
};

TEST_F(ClvScoreTest, FitsAndScoresEveryBuyer) {
  InsertSimulated(3000);
  BuildScores();
  auto report = ScoreClv(*conn_, kAsOf);
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_TRUE(report->fitted) << report->message;
  EXPECT_EQ(report->customers, 3000u);
  const BgNbdParams& p = report->fit->bgnbd.params;
  // 3,000 customers: loose recovery of the simulated population (r 0.75, α 7.5).
  EXPECT_NEAR(p.r / p.alpha, 0.1, 0.03);
  auto r = Query("SELECT count(*), count(p_alive), min(p_alive), max(p_alive), avg(expected_purchases_90d), "
                 "count(predicted_clv), min(predicted_clv) FROM gold.customer_scores");
  EXPECT_EQ(r.GetInt64(0, 0), 3000);
  EXPECT_EQ(r.GetInt64(1, 0), 3000);
  EXPECT_GE(r.GetDouble(2, 0), 0.0);
  EXPECT_LE(r.GetDouble(3, 0), 1.0);
  EXPECT_GT(r.GetDouble(4, 0), 0.0);
  EXPECT_EQ(r.GetInt64(5, 0), 3000);
  EXPECT_GE(r.GetDouble(6, 0), 0.0);
  // Predictions agree with the library functions of the model the run chose, for one customer.
  const clv::ModelFit& model = report->fit->model;
  auto c = Query("SELECT frequency, recency, \"T\", p_alive, expected_purchases_90d FROM gold.customer_clv "
                 "WHERE frequency > 2 ORDER BY customer_id LIMIT 1");
  EXPECT_NEAR(c.GetDouble(3, 0), clv::ProbabilityAlive(model, c.GetDouble(0, 0), c.GetDouble(1, 0), c.GetDouble(2, 0)), 1e-9);
  EXPECT_NEAR(c.GetDouble(4, 0),
              clv::ExpectedPurchases(model, 90 / 7.0, c.GetDouble(0, 0), c.GetDouble(1, 0), c.GetDouble(2, 0)), 1e-9);
  auto m = Query("SELECT fitted, r, model, model_params, model_choice FROM gold.clv_model");
  EXPECT_TRUE(m.GetBool(0, 0));
  EXPECT_NEAR(m.GetDouble(1, 0), p.r, 1e-12);
  // The run chose the model by held-out fit and recorded which and why.
  ASSERT_TRUE(report->fit->choice.has_value()) << report->message;
  EXPECT_EQ(m.GetString(2, 0), clv::ModelName(model.kind));
  EXPECT_EQ(model.kind, report->fit->choice->chosen);
  EXPECT_NE(m.GetString(4, 0).find("\"why\""), std::string::npos) << m.GetString(4, 0);
  EXPECT_NE(report->message.find("chosen by held-out fit"), std::string::npos) << report->message;
}

TEST_F(ClvScoreTest, ForcedModelIsUsedAndRecorded) {
  InsertSimulated(3000);
  BuildScores();
  ClvScoreOptions options;
  options.fit.model = clv::ModelKind::kParetoNbd;
  auto report = ScoreClv(*conn_, kAsOf, options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_TRUE(report->fitted) << report->message;
  EXPECT_EQ(report->fit->model.kind, clv::ModelKind::kParetoNbd) << report->message;
  EXPECT_FALSE(report->fit->choice.has_value());
  EXPECT_NE(report->message.find("model Pareto/NBD"), std::string::npos) << report->message;
  auto m = Query("SELECT model, model_params, model_choice IS NULL FROM gold.clv_model");
  EXPECT_EQ(m.GetString(0, 0), "paretonbd");
  EXPECT_NE(m.GetString(1, 0).find("\"beta\""), std::string::npos) << m.GetString(1, 0);
  EXPECT_TRUE(m.GetBool(2, 0));
  auto c = Query("SELECT frequency, recency, \"T\", p_alive FROM gold.customer_clv WHERE frequency > 2 "
                 "ORDER BY customer_id LIMIT 1");
  EXPECT_NEAR(c.GetDouble(3, 0), clv::ProbabilityAlive(report->fit->model, c.GetDouble(0, 0), c.GetDouble(1, 0),
                                                       c.GetDouble(2, 0)), 1e-12);
}

TEST_F(ClvScoreTest, TooFewRepeatBuyersLeavesColumnsNullWithAMessage) {
  InsertTooFewRepeatBuyers();
  BuildScores();
  auto report = ScoreClv(*conn_, kAsOf);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_FALSE(report->fitted);
  EXPECT_NE(report->message.find("1 repeat buyers among 2 customers"), std::string::npos) << report->message;
  auto r = Query("SELECT count(*), count(p_alive), count(predicted_clv) FROM gold.customer_scores");
  EXPECT_EQ(r.GetInt64(0, 0), 3);
  EXPECT_EQ(r.GetInt64(1, 0), 0);
  EXPECT_EQ(r.GetInt64(2, 0), 0);
  EXPECT_FALSE(Query("SELECT fitted FROM gold.clv_model").GetBool(0, 0));
}

TEST_F(ClvScoreTest, NoOrdersAtAllStillRuns) {
  Exec("INSERT INTO silver.customers(customer_id) VALUES ('A')");
  BuildScores();
  auto report = ScoreClv(*conn_, kAsOf);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_FALSE(report->fitted);
  EXPECT_EQ(Query("SELECT count(*) FROM gold.customer_clv").GetInt64(0, 0), 0);
}

TEST_F(ClvScoreTest, SummaryFollowsLifetimesConventionInWeeks) {
  Exec(R"sql(
    INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) VALUES
      ('1', 'A', '2026-06-02 10:00:00+00', 10, 'completed'), ('2', 'A', '2026-06-02 18:00:00+00', 5, 'completed'),
      ('3', 'A', '2026-06-16 09:00:00+00', 30, 'completed'), ('4', 'A', '2026-06-23 09:00:00+00', 99, 'cancelled'),
      ('5', 'A', '2026-06-24 09:00:00+00', 40, 'refunded');
  )sql");
  auto s = LoadClvSummary(*conn_, kAsOf, false);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->size(), 1u);
  // Two days with purchases: the cancelled and the refunded order are no purchases ([orders]).
  EXPECT_EQ(s->frequency[0], 1);
  EXPECT_NEAR(s->recency[0], 2.0, 1e-9);  // 14 days
  EXPECT_NEAR(s->T[0], 4.0, 1e-9);        // 28 days to the as-of day
  EXPECT_NEAR(s->monetary_value[0], 30.0, 1e-9);
}

// ---- Incremental runs: the scope rescored with the last full run's parameters -------------

// The churn model's cutoff snapshots: P(alive) fitted on everyone, written for a sample only,
// with the very values of the unscoped call.
TEST_F(ClvScoreTest, ProbabilityAliveForAScopeIsTheFullFitsValuesOfItsCustomers) {
  InsertSimulated(3000);
  auto all = WriteProbabilityAlive(*conn_, kAsOf, {}, "alive_all");
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_TRUE(*all);
  Exec("CREATE TEMP TABLE ci_sample AS SELECT customer_id FROM silver.customers WHERE hash(customer_id) % 7 = 0");
  auto some = WriteProbabilityAlive(*conn_, kAsOf, {}, "alive_some", features::Scope::Customers("ci_sample"));
  ASSERT_TRUE(some.ok()) << some.status().message();
  ASSERT_TRUE(*some);
  const int64_t sample = Query("SELECT count(*) FROM ci_sample").GetInt64(0, 0);
  ASSERT_GT(sample, 300);
  EXPECT_EQ(Query("SELECT count(*) FROM alive_all").GetInt64(0, 0), 3000);
  EXPECT_EQ(Query("SELECT count(*) FROM alive_some").GetInt64(0, 0), sample);
  EXPECT_EQ(Query("SELECT count(*) FROM alive_some s JOIN alive_all a USING (customer_id) "
                  "WHERE s.p_alive IS NOT DISTINCT FROM a.p_alive").GetInt64(0, 0), sample);
}

TEST_F(ClvScoreTest, ScopedRescoringGivesTheFullRunsRowsWithItsParameters) {
  FullRunKept();
  Exec("CREATE TEMP TABLE ci_scope AS SELECT customer_id FROM silver.customers WHERE hash(customer_id) % 10 = 0 "
       "UNION SELECT 'no-orders'");
  const int64_t buyers = Query("SELECT count(*) FROM ci_scope WHERE customer_id <> 'no-orders'").GetInt64(0, 0);
  ASSERT_GT(buyers, 200);
  // The scope's rows are stale: gone from gold.customer_clv, wrong on gold.customer_scores.
  Exec("DELETE FROM gold.customer_clv WHERE customer_id IN (SELECT customer_id FROM ci_scope); "
       "UPDATE gold.customer_scores SET p_alive = 2, expected_purchases_90d = 2, expected_avg_order_value = 2, "
       "predicted_clv = 2 WHERE customer_id IN (SELECT customer_id FROM ci_scope)");
  auto report = ScoreScope();
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_TRUE(report->fitted) << report->message;
  EXPECT_EQ(report->customers, static_cast<size_t>(buyers));
  EXPECT_EQ(report->model_as_of, kAsOf);
  EXPECT_NE(report->message.find(std::to_string(buyers) + " customers rescored with the parameters of " + kAsOf),
            std::string::npos) << report->message;
  EXPECT_EQ(report->fit->bgnbd.params.r, full_fit_.bgnbd.params.r);
  EXPECT_EQ(report->fit->gamma_gamma->params.v, full_fit_.gamma_gamma->params.v);
  // Bit for bit what the full run wrote, and the model untouched.
  EXPECT_EQ(RowDifferences(*conn_, "gold.customer_clv", "full_clv"), 0);
  EXPECT_EQ(RowDifferences(*conn_, "gold.customer_scores", "full_scores"), 0);
  EXPECT_EQ(RowDifferences(*conn_, "gold.clv_model", "full_model"), 0);
}

TEST_F(ClvScoreTest, AnIncrementalRunRescoresOnlyTheScopeWithoutRefitting) {
  FullRunKept();
  // Two customers buy again on the day before as_of (a new purchase day for each), a new one
  // makes two purchases a week apart, and one more is in the scope with nothing changed.
  Exec("CREATE TEMP TABLE movers AS SELECT customer_id FROM full_clv WHERE \"T\" - recency > 1 "
       "ORDER BY customer_id LIMIT 2; "
       "CREATE TEMP TABLE still AS SELECT customer_id FROM full_clv WHERE customer_id NOT IN "
       "(SELECT customer_id FROM movers) ORDER BY customer_id LIMIT 1; "
       "INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) "
       "SELECT 'again-' || customer_id, customer_id, '2026-06-29 10:00:00+00', 30, 'completed' FROM movers; "
       "INSERT INTO silver.customers(customer_id) VALUES ('NEW'); "
       "INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) VALUES "
       "('new-1', 'NEW', '2026-06-15 09:00:00+00', 20, 'completed'), ('new-2', 'NEW', '2026-06-22 09:00:00+00', 25, 'completed'); "
       "CREATE TEMP TABLE ci_scope AS SELECT customer_id FROM movers UNION ALL SELECT customer_id FROM still "
       "UNION ALL SELECT 'NEW'");
  const features::Scope scope = features::Scope::Customers("ci_scope");
  Status s = features::BuildCustomerFeatures(*conn_, kAsOf, scope);
  ASSERT_TRUE(s.ok()) << s.message();
  s = ScoreChurnHeuristic(*conn_, kAsOf, scope);
  ASSERT_TRUE(s.ok()) << s.message();
  auto report = ScoreScope();
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_TRUE(report->fitted) << report->message;
  EXPECT_EQ(report->customers, 4u);
  // Nothing refitted, nobody else touched, the unchanged scope customer rescored to the same bits.
  EXPECT_EQ(RowDifferences(*conn_, "gold.clv_model", "full_model"), 0);
  const std::string others = "customer_id NOT IN (SELECT customer_id FROM ci_scope)";
  EXPECT_EQ(RowDifferences(*conn_, "gold.customer_clv", "full_clv", others), 0);
  EXPECT_EQ(RowDifferences(*conn_, "gold.customer_scores", "full_scores", others), 0);
  EXPECT_EQ(RowDifferences(*conn_, "gold.customer_clv", "full_clv", "customer_id IN (SELECT customer_id FROM still)"), 0);
  // The movers' new purchase day, predicted with the full run's model and parameters.
  const clv::ModelFit& model = full_fit_.model;
  auto c = Query("SELECT c.frequency, c.recency, c.\"T\", c.p_alive, c.expected_purchases_90d, f.frequency, s.p_alive "
                 "FROM gold.customer_clv c JOIN full_clv f USING (customer_id) JOIN gold.customer_scores s "
                 "USING (customer_id) WHERE customer_id IN (SELECT customer_id FROM movers)");
  ASSERT_EQ(c.row_count(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const double x = c.GetDouble(0, i), t_x = c.GetDouble(1, i), T = c.GetDouble(2, i);
    EXPECT_EQ(x, c.GetDouble(5, i) + 1);
    EXPECT_EQ(c.GetDouble(3, i), clv::ProbabilityAlive(model, x, t_x, T));
    EXPECT_EQ(c.GetDouble(4, i), clv::ExpectedPurchases(model, 90 / 7.0, x, t_x, T));
    EXPECT_EQ(c.GetDouble(6, i), c.GetDouble(3, i));
  }
  auto n = Query("SELECT c.frequency, c.recency, s.p_alive FROM gold.customer_clv c JOIN gold.customer_scores s "
                 "USING (customer_id) WHERE customer_id = 'NEW'");
  ASSERT_EQ(n.row_count(), 1u);
  EXPECT_EQ(n.GetDouble(0, 0), 1);
  EXPECT_NEAR(n.GetDouble(1, 0), 1, 1e-12);  // one week
  EXPECT_FALSE(n.IsNull(2, 0));
}

TEST_F(ClvScoreTest, AnIncrementalRunWithoutAFittedModelLeavesTheScopeNull) {
  InsertTooFewRepeatBuyers();
  BuildScores();
  ASSERT_TRUE(ScoreClv(*conn_, kAsOf).ok());
  Exec("CREATE TEMP TABLE ci_scope AS SELECT 'A' AS customer_id; "
       "UPDATE gold.customer_scores SET p_alive = 2 WHERE customer_id = 'A'");
  auto report = ScoreScope();
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_FALSE(report->fitted);
  EXPECT_NE(report->message.find("the last full run had no fitted CLV model (CLV not fitted: 1 repeat buyers"),
            std::string::npos) << report->message;
  auto a = Query("SELECT c.frequency, c.p_alive, s.p_alive FROM gold.customer_clv c JOIN gold.customer_scores s "
                 "USING (customer_id) WHERE customer_id = 'A'");
  ASSERT_EQ(a.row_count(), 1u);
  EXPECT_EQ(a.GetDouble(0, 0), 1);
  EXPECT_TRUE(a.IsNull(1, 0));
  EXPECT_TRUE(a.IsNull(2, 0));

  Exec("DROP TABLE gold.clv_model");
  report = ScoreScope();
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_FALSE(report->fitted);
  EXPECT_NE(report->message.find("no fitted CLV model (gold.clv_model is missing)"), std::string::npos)
      << report->message;
}

}  // namespace
}  // namespace custintel::models
