#include "models/rfm.h"

#include <set>

#include "features/customer_features.h"
#include "model_fixture.h"
#include "models/churn/churn_heuristic.h"

namespace custintel::models {
namespace {

constexpr char kAsOf[] = "2026-06-30 00:00:00+00";

class RfmTest : public InMemoryDbTest {
 protected:
  // 50 customers: customer i last bought i·7 days ago, made (i % 10) + 1 orders of 10·(i % 7 + 1).
  void SetUp() override {
    InMemoryDbTest::SetUp();
    Exec(R"sql(
      INSERT INTO silver.customers(customer_id, acquisition_date)
        SELECT printf('C%02d', i), TIMESTAMPTZ '2024-01-01' FROM range(50) t(i);
      INSERT INTO silver.customers(customer_id, acquisition_date) VALUES ('NOBUY', '2024-01-01');
      INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status)
        SELECT printf('O%02d_%02d', i, k), printf('C%02d', i),
               TIMESTAMPTZ '2026-06-29' - to_days(CAST(i * 7 + k * 30 AS INTEGER)), 10.0 * (i % 7 + 1), 'completed'
        FROM range(50) t(i), range(10) u(k) WHERE k <= i % 10;
    )sql");
    { Status st = features::BuildCustomerFeatures(*conn_, kAsOf); ASSERT_TRUE(st.ok()) << st.message(); }
    { Status st = ScoreChurnHeuristic(*conn_, kAsOf); ASSERT_TRUE(st.ok()) << st.message(); }
    Status s = ScoreRfm(*conn_, kAsOf);
    ASSERT_TRUE(s.ok()) << s.message();
  }
};

TEST_F(RfmTest, ScoresAreQuintilesWithTiesTogether) {
  auto r = Query("SELECT min(r_score), max(r_score), min(f_score), max(f_score), count(*) FROM gold.rfm");
  EXPECT_EQ(r.GetInt64(0, 0), 1);
  EXPECT_EQ(r.GetInt64(1, 0), 5);
  EXPECT_EQ(r.GetInt64(2, 0), 1);
  EXPECT_EQ(r.GetInt64(3, 0), 5);
  EXPECT_EQ(r.GetInt64(4, 0), 50);  // the customer without purchases has no RFM
  // Equal frequency → equal F score.
  auto ties = Query("SELECT count(DISTINCT f_score) FROM gold.rfm GROUP BY frequency ORDER BY 1 DESC LIMIT 1");
  EXPECT_EQ(ties.GetInt64(0, 0), 1);
  // Recency: the most recent buyer scores 5, the least recent 1; each score holds 10 customers.
  EXPECT_EQ(Query("SELECT r_score FROM gold.rfm WHERE customer_id = 'C00'").GetInt64(0, 0), 5);
  EXPECT_EQ(Query("SELECT r_score FROM gold.rfm WHERE customer_id = 'C49'").GetInt64(0, 0), 1);
  EXPECT_EQ(Query("SELECT max(n) FROM (SELECT count(*) n FROM gold.rfm GROUP BY r_score)").GetInt64(0, 0), 10);
}

TEST_F(RfmTest, RuleTableCoversEveryCellWithTheElevenSegments) {
  auto r = Query(
      "SELECT count(*) FROM range(1, 6) a(r), range(1, 6) b(fm) WHERE (SELECT count(*) FROM gold.rfm_rules u "
      "WHERE r BETWEEN u.r_min AND u.r_max AND fm BETWEEN u.fm_min AND u.fm_max) = 0");
  EXPECT_EQ(r.GetInt64(0, 0), 0);
  auto names = Query("SELECT segment FROM gold.rfm_rules ORDER BY rule_order");
  std::set<std::string> got;
  for (size_t i = 0; i < names.row_count(); ++i) got.insert(names.GetString(0, i));
  EXPECT_EQ(got, (std::set<std::string>{"Champions", "Loyal", "Potential loyalist", "New", "Promising",
                                         "Need attention", "About to sleep", "At risk", "Can't lose them",
                                         "Hibernating", "Lost"}));
}

TEST_F(RfmTest, SegmentsFollowTheGrid) {
  auto cell = [&](const char* segment, int r, int fm) {
    auto q = Query("SELECT segment FROM gold.rfm_rules u WHERE " + std::to_string(r) +
                   " BETWEEN r_min AND r_max AND " + std::to_string(fm) +
                   " BETWEEN fm_min AND fm_max ORDER BY rule_order LIMIT 1");
    EXPECT_EQ(q.GetString(0, 0), segment) << r << "," << fm;
  };
  cell("Champions", 5, 5);
  cell("New", 5, 1);
  cell("Promising", 4, 1);
  cell("Loyal", 3, 4);
  cell("Need attention", 3, 3);
  cell("About to sleep", 3, 2);
  cell("Can't lose them", 1, 5);
  cell("At risk", 2, 3);
  cell("Hibernating", 2, 1);
  cell("Lost", 1, 1);
  // Every buyer got a segment and it is on gold.customer_scores.
  EXPECT_EQ(Query("SELECT count(*) FROM gold.rfm WHERE rfm_segment IS NULL").GetInt64(0, 0), 0);
  auto s = Query("SELECT rfm_segment, rfm_score FROM gold.customer_scores WHERE customer_id = 'C00'");
  auto r = Query("SELECT rfm_segment, rfm_cell FROM gold.rfm WHERE customer_id = 'C00'");
  EXPECT_EQ(s.GetString(0, 0), r.GetString(0, 0));
  EXPECT_EQ(s.GetString(1, 0), r.GetString(1, 0));
  EXPECT_TRUE(Query("SELECT rfm_segment FROM gold.customer_scores WHERE customer_id = 'NOBUY'").IsNull(0, 0));
}

}  // namespace
}  // namespace custintel::models
