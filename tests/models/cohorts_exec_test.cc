// gold.cohorts and gold.executive_metrics.
#include "features/customer_features.h"
#include "model_fixture.h"
#include "models/churn/churn_heuristic.h"
#include "models/cohorts.h"
#include "models/executive_metrics.h"
#include "models/customer_status.h"
#include "models/segments.h"

namespace custintel::models {
namespace {

constexpr char kAsOf[] = "2026-03-15 00:00:00+00";

class CohortsTest : public InMemoryDbTest {
 protected:
  void SetUp() override {
    InMemoryDbTest::SetUp();
    Exec(R"sql(
      INSERT INTO silver.customers(customer_id, acquisition_date) VALUES
        ('A', '2026-01-05'), ('B', '2026-01-20'), ('C', '2026-02-03'), ('D', NULL);
      INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) VALUES
        ('1', 'A', '2026-01-05', 10, 'completed'), ('2', 'A', '2026-02-10', 20, 'completed'),
        ('3', 'B', '2026-01-20', 30, 'completed'), ('4', 'B', '2026-03-01', 40, 'completed'),
        ('5', 'A', '2026-03-02', 5, 'completed'), ('6', 'C', '2026-02-03', 7, 'completed'),
        ('7', 'D', '2026-02-20', 100, 'completed'), ('8', 'C', '2026-03-03', 1000, 'cancelled'),
        ('9', 'A', '2026-04-01', 1000, 'completed');
    )sql");
    Status s = BuildCohorts(*conn_, kAsOf);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  store::QueryResult Cell(const char* month, int since) {
    return Query(std::string("SELECT cohort_size, customers_retained, share_retained, revenue, "
                             "cumulative_revenue_per_customer FROM gold.cohorts WHERE cohort_month = DATE '") +
                 month + "' AND months_since = " + std::to_string(since));
  }
};

TEST_F(CohortsTest, RetentionAndRevenueByMonthsSinceAcquisition) {
  auto m0 = Cell("2026-01-01", 0);
  EXPECT_EQ(m0.GetInt64(0, 0), 2);
  EXPECT_EQ(m0.GetInt64(1, 0), 2);
  EXPECT_DOUBLE_EQ(m0.GetDouble(3, 0), 40);
  auto m1 = Cell("2026-01-01", 1);
  EXPECT_EQ(m1.GetInt64(1, 0), 1);
  EXPECT_DOUBLE_EQ(m1.GetDouble(2, 0), 0.5);
  EXPECT_DOUBLE_EQ(m1.GetDouble(4, 0), 30);  // (40 + 20) / 2
  auto m2 = Cell("2026-01-01", 2);
  EXPECT_EQ(m2.GetInt64(1, 0), 2);
  EXPECT_DOUBLE_EQ(m2.GetDouble(4, 0), 52.5);  // (60 + 45) / 2; April is after as_of
  // D has no acquisition date: its first purchase month is its cohort. Feb: C and D.
  auto feb = Cell("2026-02-01", 1);
  EXPECT_EQ(feb.GetInt64(0, 0), 2);
  EXPECT_EQ(feb.GetInt64(1, 0), 0);  // C's March order was cancelled
  EXPECT_EQ(Query("SELECT max(months_since) FROM gold.cohorts WHERE cohort_month = '2026-01-01'").GetInt64(0, 0), 2);
}

class ExecutiveMetricsTest : public InMemoryDbTest {};

TEST_F(ExecutiveMetricsTest, KeepsHistoryAndChangeSincePreviousRun) {
  Exec(R"sql(
    INSERT INTO silver.customers(customer_id, acquisition_date) VALUES ('A', '2026-01-01'), ('B', '2026-01-01');
    INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) VALUES
      ('1', 'A', '2026-01-05', 10, 'completed'), ('2', 'B', '2026-03-01', 30, 'completed');
    INSERT INTO silver.reviews(review_id, customer_id, rating, created_at) VALUES
      ('r1', 'A', 4, '2026-01-10'), ('r2', 'B', 2, '2026-03-02');
    INSERT INTO silver.tickets(ticket_id, customer_id, created_at, resolved_at) VALUES
      ('t1', 'A', '2026-01-06', NULL), ('t2', 'B', '2026-01-07', '2026-03-10');
  )sql");
  auto run = [&](const char* as_of, int64_t run_id) {
    { Status st = features::BuildCustomerFeatures(*conn_, as_of); ASSERT_TRUE(st.ok()) << st.message(); }
    { Status st = ScoreChurnHeuristic(*conn_, as_of); ASSERT_TRUE(st.ok()) << st.message(); }
    // As in the pipeline: the status step flags the at-risk before the metrics count them.
    { Status st = AssignCustomerStatus(*conn_, as_of, ChurnConfig{}); ASSERT_TRUE(st.ok()) << st.message(); }
    { Status st = AssignSegments(*conn_, {{"All", "TRUE"}}); ASSERT_TRUE(st.ok()) << st.message(); }
    Status s = RecordExecutiveMetrics(*conn_, as_of);
    ASSERT_TRUE(s.ok()) << s.message();
    Exec("INSERT INTO meta.runs(run_id, as_of, status) VALUES (" + std::to_string(run_id) + ", '" + as_of + "', 'ok')");
  };
  run("2026-02-01 00:00:00+00", 1);
  run("2026-04-01 00:00:00+00", 2);
  auto m = [&](int run_id, const char* metric) {
    return Query("SELECT value, previous_value, change FROM gold.executive_metrics WHERE run_id = " +
                 std::to_string(run_id) + " AND metric = '" + metric + "'");
  };
  EXPECT_EQ(m(1, "customers").GetDouble(0, 0), 2);
  EXPECT_TRUE(m(1, "customers").IsNull(1, 0));
  EXPECT_EQ(m(1, "reviews").GetDouble(0, 0), 1);
  EXPECT_EQ(m(2, "reviews").GetDouble(0, 0), 2);
  EXPECT_EQ(m(2, "reviews").GetDouble(2, 0), 1);
  EXPECT_DOUBLE_EQ(m(2, "avg_rating").GetDouble(0, 0), 3);
  EXPECT_DOUBLE_EQ(m(2, "avg_rating").GetDouble(2, 0), -1);
  EXPECT_EQ(m(1, "open_tickets").GetDouble(0, 0), 2);
  EXPECT_EQ(m(2, "open_tickets").GetDouble(0, 0), 1);
  // As of 2026-04-01: A idle 86 days (0.86 + 0.1 + 0.2, clamped to 1), B idle 31 days with one
  // ticket in 90 days (0.31 + 0.1 + 0.2 = 0.61): two orders are no purchase rhythm, so at risk
  // is the churn risk above the default 0.7 — one customer; nobody is lapsed.
  EXPECT_EQ(m(2, "high_risk").GetDouble(0, 0), 1);
  EXPECT_EQ(m(2, "lapsed").GetDouble(0, 0), 0);
  EXPECT_NEAR(Query("SELECT churn_risk FROM gold.customer_scores WHERE customer_id = 'B'").GetDouble(0, 0), 0.61, 1e-9);
  EXPECT_DOUBLE_EQ(m(2, "avg_ltv").GetDouble(0, 0), 20);
  EXPECT_DOUBLE_EQ(m(2, "avg_ltv").GetDouble(1, 0), 5);
  EXPECT_EQ(Query("SELECT count(*) FROM gold.executive_metrics").GetInt64(0, 0), 16);  // 8 figures × 2 runs
}

}  // namespace
}  // namespace custintel::models
