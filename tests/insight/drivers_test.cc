// insight/drivers.h: risk_factors (the learned model's drivers or the heuristic's inputs) in words.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "insight/drivers.h"

namespace custintel::insight {
namespace {

std::string Words(const char* risk_factors, size_t max) {
  return DriversInWords(nlohmann::json::parse(risk_factors, nullptr, false), max);
}

TEST(DriversTest, LearnedDriversRaisingTheRiskInStoredOrder) {
  const char* factors = R"([{"feature":"clv_p_alive","shap":1.25,"value":0.04878},
                            {"feature":"avg_rating","shap":-0.3,"value":4.5},
                            {"feature":"days_inactive","shap":1.11,"value":157.0},
                            {"feature":"plan","shap":0.2,"value":"premium"},
                            {"feature":"region","shap":0.1},
                            {"feature":"interactions_90d","shap":0.42,"value":0.0}])";
  std::vector<ChurnDriver> d = RaisingDrivers(nlohmann::json::parse(factors));
  ASSERT_EQ(d.size(), 5u);  // avg_rating lowers the risk
  EXPECT_EQ(d[0].feature, "clv_p_alive");
  EXPECT_EQ(d[2].feature, "plan");
  EXPECT_FALSE(d[2].value.has_value());
  EXPECT_EQ(d[2].level, "premium");
  EXPECT_EQ(Words(factors, 3),
            "probability of still being active (4.9%), days since the last activity (157 days), plan (premium)");
  EXPECT_EQ(Words(factors, 5), Words(factors, 3) + ", region, interactions in the last quarter (0)");
  EXPECT_EQ(Words(factors, 1), "probability of still being active (4.9%)");
}

TEST(DriversTest, HeuristicInputsWithoutNullsAndLifetimeValue) {
  const char* factors = R"({"days_inactive":40,"sentiment_score":null,"support_tickets":2,"satisfaction":2.5,
                            "lifetime_value":812.4})";
  EXPECT_TRUE(RaisingDrivers(nlohmann::json::parse(factors)).empty());
  EXPECT_EQ(Words(factors, 5),
            "days since the last activity (40 days), support tickets in the last quarter (2), "
            "average ticket satisfaction (2.50)");
}

TEST(DriversTest, NothingToSayIsEmpty) {
  EXPECT_EQ(Words("", 3), "");
  EXPECT_EQ(Words("not json", 3), "");
  EXPECT_EQ(Words("[]", 3), "");
  EXPECT_EQ(Words(R"([{"feature":"frequency","shap":-1,"value":3}])", 3), "");
  EXPECT_EQ(DriverWords("tickets_90d"), "tickets 90d");  // unknown features read as their name
}

}  // namespace
}  // namespace custintel::insight
