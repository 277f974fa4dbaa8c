// The customer status (models/customer_status.h) on a hand-made shop whose purchase gaps give
// quantiles computable by hand: 28 gaps — 20 two-purchase customers with gaps 10, 20, …, 200 and
// four customers with two gaps each (5, 15), (10, 30), (8, 12), (2, 18). With the default 0.75 and
// 0.95 quantiles (linear interpolation, DuckDB's quantile_cont):
//   population: G(0.75) = 132.5 days, G(0.95) = 186.5 days;
//   own rhythm: gap / own mean = 0.5 1.5 0.5 1.5 0.8 1.2 0.2 1.8 → R(0.75) = 1.5, R(0.95) = 1.695.
#include "models/customer_status.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/config.h"
#include "features/customer_features.h"
#include "model_fixture.h"
#include "models/churn/churn_heuristic.h"
#include "models/segments.h"

namespace custintel::models {
namespace {

constexpr char kAsOf[] = "2026-06-30 00:00:00+00";

class CustomerStatusTest : public InMemoryDbTest {
 protected:
  // A customer whose purchases are `gaps` apart, the last `silence` days before as_of.
  void Customer(const std::string& id, std::vector<int> gaps, int silence, const std::string& first_seen = "") {
    int back = silence;
    std::vector<int> days{back};
    for (auto it = gaps.rbegin(); it != gaps.rend(); ++it) days.push_back(back += *it);
    std::string acquired = first_seen.empty() ? fmt::format("DATE '2026-06-30' - INTERVAL {} DAY", days.back())
                                              : "DATE '" + first_seen + "'";
    Exec(fmt::format("INSERT INTO silver.customers(customer_id, acquisition_date) VALUES ('{}', {})", id, acquired));
    for (size_t i = 0; i < days.size(); ++i) {
      Exec(fmt::format("INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) VALUES "
                       "('{0}-{1}', '{0}', TIMESTAMPTZ '2026-06-30 00:00:00+00' - INTERVAL {2} DAY, 20, 'completed')",
                       id, i, days[i]));
    }
  }
  void SetUp() override {
    InMemoryDbTest::SetUp();
    for (int g = 10; g <= 200; g += 10) Customer(fmt::format("P{:03d}", g), {g}, 5);
    Customer("R1", {5, 15}, 16);  // mean 10: at risk beyond 15, lapsed beyond 16.95
    Customer("R2", {10, 30}, 40);  // mean 20: lapsed beyond 33.9
    Customer("R3", {8, 12}, 10);  // mean 10: active
    Customer("R4", {2, 18}, 17);  // mean 10: lapsed
    Customer("O1", {}, 100);      // one purchase: the population's gaps
    Customer("O2", {}, 150);
    Customer("O3", {}, 250);
    Customer("O4", {}, 20, "2025-01-01");  // active by its silence, but P(alive) 0.05 below
    Customer("N1", {}, 10);       // first seen 10 days ago
    ASSERT_TRUE(features::BuildCustomerFeatures(*conn_, kAsOf).ok());
    ASSERT_TRUE(ScoreChurnHeuristic(*conn_, kAsOf).ok());
    Exec("ALTER TABLE gold.customer_scores ADD COLUMN p_alive DOUBLE; "
         "ALTER TABLE gold.customer_scores ADD COLUMN predicted_clv DOUBLE; "
         "UPDATE gold.customer_scores SET p_alive = CASE customer_id WHEN 'O4' THEN 0.05 ELSE 0.9 END, "
         "predicted_clv = CASE customer_id WHEN 'R1' THEN 200 WHEN 'O2' THEN 50 END");
  }
  std::map<std::string, std::string> Statuses() {
    std::map<std::string, std::string> out;
    auto r = conn_->Query("SELECT customer_id, status FROM gold.customer_scores");
    EXPECT_TRUE(r.ok()) << r.status().message();
    for (size_t i = 0; r.ok() && i < r->row_count(); ++i) out[r->GetString(0, i)] = r->GetString(1, i);
    return out;
  }
};

TEST_F(CustomerStatusTest, JudgesEachCustomerByTheirOwnRhythmOrThePopulations) {
  Status s = AssignCustomerStatus(*conn_, kAsOf, ChurnConfig{});
  ASSERT_TRUE(s.ok()) << s.message();
  auto d = conn_->Query("SELECT gaps, has_rhythm, gap_at_risk, gap_lapsed, ratio_at_risk, ratio_lapsed "
                        "FROM gold.risk_definition");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->GetInt64(0, 0), 28);
  EXPECT_TRUE(d->GetBool(1, 0));
  EXPECT_NEAR(d->GetDouble(2, 0), 132.5, 1e-9);
  EXPECT_NEAR(d->GetDouble(3, 0), 186.5, 1e-9);
  EXPECT_NEAR(d->GetDouble(4, 0), 1.5, 1e-9);
  EXPECT_NEAR(d->GetDouble(5, 0), 1.695, 1e-9);
  std::map<std::string, std::string> st = Statuses();
  EXPECT_EQ(st["R1"], "at_risk");
  EXPECT_EQ(st["R2"], "lapsed");
  EXPECT_EQ(st["R3"], "active");
  EXPECT_EQ(st["R4"], "lapsed");
  EXPECT_EQ(st["O1"], "active");
  EXPECT_EQ(st["O2"], "at_risk");
  EXPECT_EQ(st["O3"], "lapsed");
  EXPECT_EQ(st["O4"], "lapsed");
  EXPECT_EQ(st["N1"], "new");
  for (int g = 10; g <= 200; g += 10) EXPECT_EQ(st[fmt::format("P{:03d}", g)], "active") << g;
  // high_risk is the at-risk status; value at stake = churn risk × predicted CLV.
  auto r = conn_->Query("SELECT count(*) FILTER (WHERE high_risk IS DISTINCT FROM (status = 'at_risk')), "
                        "max(abs(value_at_stake - churn_risk * predicted_clv)), count(value_at_stake) "
                        "FROM gold.customer_scores");
  EXPECT_EQ(r->GetInt64(0, 0), 0);
  EXPECT_LT(r->GetDouble(1, 0), 1e-12);
  EXPECT_EQ(r->GetInt64(2, 0), 2);
  // The lists: the at-risk by value at stake (R1's 200 × risk before O2's 50 × risk).
  auto list = conn_->Query(fmt::format("SELECT customer_id FROM gold.customer_scores WHERE {} ORDER BY {}",
                                       kAtRiskWhere, kAtRiskOrder));
  ASSERT_EQ(list->row_count(), 2u);
  EXPECT_EQ(list->GetString(0, 0), "R1");
  auto counts = conn_->Query(StatusCountsSql());
  ASSERT_EQ(counts->row_count(), 4u);
  EXPECT_EQ(counts->GetString(0, 0), "active");
  EXPECT_EQ(counts->GetInt64(1, 0), 22);
  EXPECT_EQ(counts->GetInt64(1, 3), 4);  // lapsed
}

TEST_F(CustomerStatusTest, TheDefinitionIsConfigurable) {
  ChurnConfig c;
  c.status.at_risk_quantile = 0.5;  // G(0.5) = 65 days: O1 (100 days) is now at risk
  c.status.lapsed_p_alive = 0.01;   // O4's 0.05 no longer counts as gone
  c.status.new_days = 5;            // N1 (10 days) is no longer new: 10 < 65 days is active
  Status s = AssignCustomerStatus(*conn_, kAsOf, c);
  ASSERT_TRUE(s.ok()) << s.message();
  std::map<std::string, std::string> st = Statuses();
  EXPECT_EQ(st["O1"], "at_risk");
  EXPECT_EQ(st["O4"], "active");
  EXPECT_EQ(st["N1"], "active");
  c.status.min_gaps = 29;  // one more than the shop has: no rhythm, the churn risk decides
  ASSERT_TRUE(AssignCustomerStatus(*conn_, kAsOf, c).ok());
  auto r = conn_->Query("SELECT count(*) FILTER (WHERE status = 'lapsed'), count(*) FILTER (WHERE status = 'at_risk' "
                        "AND NOT churn_risk > 0.7) FROM gold.customer_scores");
  EXPECT_EQ(r->GetInt64(0, 0), 0);
  EXPECT_EQ(r->GetInt64(1, 0), 0);
}

TEST(CustomerStatusConfig, BadSettingsAreRefusedByName) {
  for (const char* bad : {"[churn.status]\nat_risk_quantile = 0.97\n", "[churn.status]\nlapsed_quantile = 1.0\n",
                          "[churn.status]\nlapsed_p_alive = 1.5\n", "[churn.status]\nmin_gaps = 0\n",
                          "[churn.status]\nnew_days = \"soon\"\n"}) {
    auto c = ParseConfig(bad, "my.toml", DefaultConfig());
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.status().message().find("my.toml: churn.status"), std::string::npos) << c.status().message();
  }
  auto ok = ParseConfig("[churn.status]\nat_risk_quantile = 0.6\nnew_days = 14\n", "my.toml", DefaultConfig());
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_DOUBLE_EQ(ok->churn.status.at_risk_quantile, 0.6);
  EXPECT_EQ(ok->churn.status.new_days, 14);
  EXPECT_DOUBLE_EQ(ok->churn.status.lapsed_quantile, 0.95);
}

}  // namespace
}  // namespace custintel::models
