#include "models/churn/churn_heuristic.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "core/config.h"
#include "features/customer_features.h"
#include "model_fixture.h"
#include "models/churn/churn_heuristic_formula.h"
#include "models/customer_status.h"
#include "models/segments.h"
#include "store/migrations.h"

namespace custintel::models {
namespace {

constexpr char kAsOf[] = "2026-06-30 00:00:00+00";

class ChurnHeuristicTest : public InMemoryDbTest {
 protected:
  void SetUp() override {
    InMemoryDbTest::SetUp();
    Exec(R"sql(
      INSERT INTO silver.customers(customer_id, acquisition_date, last_active_date) VALUES
        ('A', '2025-01-01', NULL), ('B', '2025-01-01', NULL), ('C', '2025-01-01', '2025-12-01'),
        ('D', '2026-06-01', NULL);
      INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) VALUES
        ('o1', 'A', '2026-06-15', 100, 'completed'), ('o2', 'A', '2026-01-10', 50, 'completed'),
        ('o3', 'B', '2026-04-01', 80, 'completed'), ('o4', 'C', '2025-12-12', 500, 'completed'),
        ('o5', 'C', '2026-06-29', 999, 'cancelled');
      INSERT INTO silver.events(event_id, customer_id, event_type, occurred_at) VALUES
        ('e1', 'B', 'page_view', '2026-06-20'), ('e2', 'B', 'chat', '2026-05-20'),
        ('e3', 'B', 'email_open', '2026-04-15'), ('e4', 'B', 'email_open', '2025-01-15');
      INSERT INTO silver.tickets(ticket_id, customer_id, satisfaction_score, created_at) VALUES
        ('t1', 'A', 2, '2026-06-01'), ('t2', 'A', 3, '2026-05-01'), ('t3', 'B', 4, '2026-06-10'),
        ('t4', 'C', 1, '2025-06-01');
    )sql");
    ASSERT_TRUE(features::BuildCustomerFeatures(*conn_, kAsOf).ok());
    Status s = ScoreChurnHeuristic(*conn_, kAsOf);
    ASSERT_TRUE(s.ok()) << s.message();
    s = AssignCustomerStatus(*conn_, kAsOf, ChurnConfig{});
    ASSERT_TRUE(s.ok()) << s.message();
  }
  double Risk(const std::string& id) {
    auto r = conn_->Query("SELECT churn_risk_heuristic FROM gold.customer_scores WHERE customer_id = ?", {id});
    EXPECT_TRUE(r.ok() && r->row_count() == 1) << id;
    return r->GetDouble(0, 0);
  }
};

TEST_F(ChurnHeuristicTest, MatchesHandComputedRows) {
  // A: 15 days inactive → 0.15; no sentiment → 0.1; 2 tickets / max(0, 1) → 0.4; sat 2.5 < 3 → 0.3.
  EXPECT_NEAR(Risk("A"), 0.95, 1e-9);
  // B: last event 10 days ago → 0.1; 0.1; 1 ticket / 3 interactions → 0.0667; sat 4 → 0.
  EXPECT_NEAR(Risk("B"), 0.1 + 0.1 + 0.2 / 3, 1e-9);
  // C: 200 days since the last order (the cancelled one does not count) → clamped to 1.
  EXPECT_NEAR(Risk("C"), 1.0, 1e-9);
  // D: no orders, no events: inactive since acquisition (29 days) → 0.29 + 0.1.
  EXPECT_NEAR(Risk("D"), 0.29 + 0.1, 1e-9);
}

// The C++ formula (for hosts without DuckDB) and the SQL macro the pipeline scores with are the
// same function: a grid of inputs, NULLs and clamping at both ends included.
TEST_F(ChurnHeuristicTest, TheFormulaEqualsTheSqlMacroOnEveryInput) {
  const std::optional<double> none;
  const std::vector<std::optional<double>> days = {none, 0.0, 12.0, 75.0, 400.0};
  const std::vector<std::optional<double>> sentiment = {none, -1.0, -0.35, 0.0, 0.8};
  const std::vector<std::optional<double>> tickets = {none, 0.0, 3.0};
  const std::vector<std::optional<double>> interactions = {none, 0.0, 2.0, 9.0};
  const std::vector<std::optional<double>> satisfaction = {none, 1.0, 2.99, 3.0, 5.0};
  auto sql = [](const std::optional<double>& v) { return v ? fmt::format("{}::DOUBLE", *v) : std::string("NULL"); };
  int checked = 0;
  for (const auto& d : days)
    for (const auto& s : sentiment)
      for (const auto& t : tickets)
        for (const auto& i : interactions)
          for (const auto& q : satisfaction) {
            auto r = conn_->Query(fmt::format("SELECT ci_churn_heuristic({}, {}, {}, {}, {})", sql(d), sql(s), sql(t),
                                              sql(i), sql(q)));
            ASSERT_TRUE(r.ok()) << r.status().message();
            ASSERT_FALSE(r->IsNull(0, 0));
            EXPECT_NEAR(r->GetDouble(0, 0), ChurnHeuristicRisk({d, s, t, i, q}), 1e-12)
                << sql(d) << " " << sql(s) << " " << sql(t) << " " << sql(i) << " " << sql(q);
            ++checked;
          }
  EXPECT_EQ(checked, 5 * 5 * 3 * 4 * 5);
}

TEST_F(ChurnHeuristicTest, AnEarlierAsOfDoesNotSeeALastActiveDateAfterIt) {
  // C's last_active_date (2025-12-01) is a snapshot from the export: as of 2025-11-01 it is the
  // future, which the churn model's training cutoffs must not see (it leaked "will be active"
  // into the features). Its last activity by then is its ticket-less, order-less acquisition.
  ASSERT_TRUE(features::BuildCustomerFeatures(*conn_, "2025-11-01 00:00:00+00").ok());
  auto r = conn_->Query("SELECT days_inactive FROM gold.customer_features WHERE customer_id = 'C'");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->GetInt64(0, 0), 304);  // 2025-01-01 → 2025-11-01, not -30
  ASSERT_TRUE(features::BuildCustomerFeatures(*conn_, "2025-12-05 00:00:00+00").ok());
  r = conn_->Query("SELECT days_inactive FROM gold.customer_features WHERE customer_id = 'C'");
  EXPECT_EQ(r->GetInt64(0, 0), 4);  // once it is in the past it counts
}

TEST_F(ChurnHeuristicTest, FeaturesFollowTheirDefinitions) {
  auto r = conn_->Query(
      "SELECT customer_id, recency_days, frequency, lifetime_value, orders_90d, revenue_90d, days_inactive, "
      "interactions_90d, tickets_90d, avg_satisfaction FROM gold.customer_features ORDER BY customer_id");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->row_count(), 4u);
  EXPECT_EQ(r->GetInt64(1, 0), 15);       // A recency
  EXPECT_EQ(r->GetInt64(2, 0), 2);        // A frequency
  EXPECT_DOUBLE_EQ(r->GetDouble(3, 0), 150);
  EXPECT_EQ(r->GetInt64(4, 0), 1);        // A orders_90d
  EXPECT_DOUBLE_EQ(r->GetDouble(5, 0), 100);
  EXPECT_EQ(r->GetInt64(7, 1), 3);        // B interactions_90d excludes the 2025 event
  EXPECT_EQ(r->GetInt64(6, 2), 200);      // C days_inactive from the last completed order
  EXPECT_EQ(r->GetInt64(8, 2), 0);        // C's ticket is older than 90 days
  EXPECT_TRUE(r->IsNull(9, 2));
}

TEST_F(ChurnHeuristicTest, RiskFactorsCarryTheInputs) {
  auto r = conn_->Query("SELECT risk_factors->>'days_inactive', risk_factors->>'support_tickets', "
                        "risk_factors->>'satisfaction' FROM gold.customer_scores WHERE customer_id = 'A'");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->GetString(0, 0), "15");
  EXPECT_EQ(r->GetString(1, 0), "2");
  EXPECT_EQ(r->GetString(2, 0), "2.5");
}

TEST_F(ChurnHeuristicTest, SegmentRulesFirstMatchWins) {
  std::vector<SegmentRule> rules = {{"Risky", "churn_risk >= 0.9"}, {"Buyers", "frequency >= 1"},
                                    {"Rest", "TRUE"}};
  Status s = AssignSegments(*conn_, rules);
  ASSERT_TRUE(s.ok()) << s.message();
  auto r = conn_->Query("SELECT customer_id, segment FROM gold.customer_scores ORDER BY customer_id");
  EXPECT_EQ(r->GetString(1, 0), "Risky");   // A matches both Risky and Buyers
  EXPECT_EQ(r->GetString(1, 1), "Buyers");
  EXPECT_EQ(r->GetString(1, 2), "Risky");
  EXPECT_EQ(r->GetString(1, 3), "Rest");
  auto seg = conn_->Query("SELECT segment, size, share FROM gold.segments ORDER BY rule_order");
  ASSERT_EQ(seg->row_count(), 3u);
  EXPECT_EQ(seg->GetInt64(1, 0), 2);
  EXPECT_DOUBLE_EQ(seg->GetDouble(2, 0), 0.5);
}

// Four customers and two purchase gaps: no purchase rhythm, so the status falls back to the
// churn risk above [churn] high_risk (never lapsed), and the threshold is recorded.
TEST_F(ChurnHeuristicTest, WithoutARhythmAtRiskIsChurnRiskAboveTheConfiguredThreshold) {
  for (double threshold : {0.7, 0.35}) {
    Status s = AssignCustomerStatus(*conn_, kAsOf, ChurnConfig{threshold});
    ASSERT_TRUE(s.ok()) << s.message();
    s = AssignSegments(*conn_, {{"Rest", "TRUE"}});
    ASSERT_TRUE(s.ok()) << s.message();
    auto r = conn_->Query(fmt::format(
        "SELECT count(*) FILTER (WHERE high_risk IS DISTINCT FROM coalesce(churn_risk > {0}, false) "
        "  AND status <> 'new'), "
        "count(*) FILTER (WHERE high_risk), (SELECT high_risk FROM gold.segments), "
        "count(*) FILTER (WHERE status = 'lapsed'), (SELECT has_rhythm FROM gold.risk_definition) FROM gold.customer_scores",
        threshold));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->GetInt64(0, 0), 0) << threshold;
    EXPECT_EQ(r->GetInt64(2, 0), r->GetInt64(1, 0));
    EXPECT_EQ(r->GetInt64(3, 0), 0);
    EXPECT_FALSE(r->GetBool(4, 0));
    auto recorded = HighRiskAbove(*conn_);
    ASSERT_TRUE(recorded.ok()) << recorded.status().message();
    EXPECT_DOUBLE_EQ(*recorded, threshold);
  }
  // D was first seen 29 days before as_of and never bought: new, whatever its risk.
  auto d = conn_->Query("SELECT status, high_risk FROM gold.customer_scores WHERE customer_id = 'D'");
  EXPECT_EQ(d->GetString(0, 0), "new");
  EXPECT_FALSE(d->GetBool(1, 0));
  // The four hand-computed risks (1.0, 0.39, ...) straddle 0.35 and 0.7 differently.
  auto n = conn_->Query("SELECT count(*) FILTER (WHERE churn_risk > 0.35), count(*) FILTER (WHERE churn_risk > 0.7) "
                        "FROM gold.customer_scores");
  EXPECT_GT(n->GetInt64(0, 0), n->GetInt64(1, 0));
}

TEST(Config, HighChurnRiskIsAProbability) {
  EXPECT_DOUBLE_EQ(DefaultConfig().churn.high_risk, 0.7);
  auto c = ParseConfig("[churn]\nhigh_risk = 0.85\n", "my.toml", DefaultConfig());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_DOUBLE_EQ(c->churn.high_risk, 0.85);
  for (const char* bad : {"[churn]\nhigh_risk = 1\n", "[churn]\nhigh_risk = 0\n", "[churn]\nhigh_risk = \"high\"\n"}) {
    auto b = ParseConfig(bad, "my.toml", DefaultConfig());
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_NE(b.status().message().find("my.toml: churn"), std::string::npos) << b.status().message();
  }
}

TEST_F(ChurnHeuristicTest, BadSegmentPredicateNamesTheSegment) {
  Status s = AssignSegments(*conn_, {{"Broken", "no_such_column > 1"}, {"Rest", "TRUE"}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("segment 'Broken'"), std::string::npos) << s.message();
}

TEST(DefaultConfig, HasTheFiveDefaultSegments) {
  Config c = DefaultConfig();
  ASSERT_EQ(c.segments.size(), 5u);
  EXPECT_EQ(c.segments[0].name, "High-value active");
  EXPECT_EQ(c.segments[1].name, "At-risk churn");
  EXPECT_EQ(c.segments[2].name, "Lapsed");
  EXPECT_EQ(c.segments[3].name, "Low-engagement new");
  EXPECT_EQ(c.segments[4].name, "Regular");
}

TEST(Config, MalformedTomlNamesTheLine) {
  auto c = ParseConfig("[[segments]]\nname = \"x\"\nwhen = \n", "my.toml", DefaultConfig());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("my.toml line 3"), std::string::npos) << c.status().message();
}

TEST_F(ChurnHeuristicTest, FeaturesAreTheSameBitsWhateverOrderThreadsSumIn) {
  // 2M orders in cents over three customers, and sentiments: summed as DOUBLEs, one thread and
  // four add them in different orders and the last bits differ from build to build.
  Exec(R"sql(
    INSERT INTO silver.customers(customer_id, acquisition_date) VALUES
      ('E0', '2020-01-01'), ('E1', '2020-01-01'), ('E2', '2020-01-01');
    INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status)
      SELECT 'b' || i, 'E' || (i % 3), TIMESTAMPTZ '2026-06-29 00:00:00+00' - to_seconds(i),
             ((i * 7919) % 100003) / 100.0, 'completed' FROM range(2000000) t(i);
    INSERT INTO gold.interaction_sentiment(source, source_id, customer_id, occurred_at, sentiment)
      SELECT 'review', 's' || i, 'E' || (i % 3), TIMESTAMPTZ '2026-06-20 00:00:00+00',
             ((i * 104729) % 2001 - 1000) / 1000.0 / 3 FROM range(500000) t(i);
  )sql");
  int build = 0;
  for (int threads : {1, 4, 1, 3}) {
    Exec("SET threads = " + std::to_string(threads));
    ASSERT_TRUE(features::BuildCustomerFeatures(*conn_, kAsOf).ok());
    Exec("CREATE TEMP TABLE build_" + std::to_string(build++) + " AS SELECT * FROM "
         "gold.customer_features WHERE customer_id LIKE 'E%'");
  }
  auto rows = conn_->Query("SELECT count(*) FROM build_0");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->GetInt64(0, 0), 3);
  for (int i = 1; i < build; ++i) {
    EXPECT_EQ(RowDifferences(*conn_, "build_0", "build_" + std::to_string(i)), 0) << "build " << i;
  }
  // And they are the sums: the cents added up as integers.
  auto cents = conn_->Query("SELECT sum((i * 7919) % 100003) FROM range(2000000) t(i) WHERE i % 3 = 0");
  auto got = conn_->Query("SELECT lifetime_value FROM gold.customer_features WHERE customer_id = 'E0'");
  ASSERT_TRUE(cents.ok() && got.ok());
  EXPECT_NEAR(got->GetDouble(0, 0), cents->GetDouble(0, 0) / 100.0, 1e-6);
}

}  // namespace
}  // namespace custintel::models
