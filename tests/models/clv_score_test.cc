#include "models/clv_score.h"

#include <cmath>

#include "features/customer_features.h"
#include "model_fixture.h"
#include "models/churn_heuristic.h"
#include "models/clv_simulate.h"

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
  // Predictions agree with the library functions for one customer.
  auto c = Query("SELECT frequency, recency, \"T\", p_alive, expected_purchases_90d FROM gold.customer_clv "
                 "WHERE frequency > 2 ORDER BY customer_id LIMIT 1");
  EXPECT_NEAR(c.GetDouble(3, 0), BgNbdProbabilityAlive(p, c.GetDouble(0, 0), c.GetDouble(1, 0), c.GetDouble(2, 0)), 1e-9);
  EXPECT_NEAR(c.GetDouble(4, 0),
              BgNbdExpectedPurchases(p, 90 / 7.0, c.GetDouble(0, 0), c.GetDouble(1, 0), c.GetDouble(2, 0)), 1e-9);
  auto m = Query("SELECT fitted, r FROM gold.clv_model");
  EXPECT_TRUE(m.GetBool(0, 0));
  EXPECT_NEAR(m.GetDouble(1, 0), p.r, 1e-12);
}

TEST_F(ClvScoreTest, TooFewRepeatBuyersLeavesColumnsNullWithAMessage) {
  Exec(R"sql(
    INSERT INTO silver.customers(customer_id) VALUES ('A'), ('B'), ('C');
    INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) VALUES
      ('1', 'A', '2026-01-01', 10, 'completed'), ('2', 'A', '2026-02-01', 20, 'completed'),
      ('3', 'B', '2026-03-01', 30, 'completed'), ('4', 'C', '2026-03-01', 30, 'cancelled');
  )sql");
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
      ('3', 'A', '2026-06-16 09:00:00+00', 30, 'refunded'), ('4', 'A', '2026-06-23 09:00:00+00', 99, 'cancelled');
  )sql");
  auto s = LoadClvSummary(*conn_, kAsOf, false);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ(s->frequency[0], 1);          // two days with purchases (the cancelled one excluded)
  EXPECT_NEAR(s->recency[0], 2.0, 1e-9);  // 14 days
  EXPECT_NEAR(s->T[0], 4.0, 1e-9);        // 28 days to the as-of day
  EXPECT_NEAR(s->monetary_value[0], 30.0, 1e-9);
}

}  // namespace
}  // namespace custintel::models
