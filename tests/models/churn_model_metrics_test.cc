#include "models/churn/churn_model_metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "models/churn/churn_model_store.h"

namespace custintel::models {
namespace {

TEST(ChurnMetrics, RocAucByRanksWithTies) {
  EXPECT_DOUBLE_EQ(RocAuc({0.1, 0.2, 0.8, 0.9}, {0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(RocAuc({0.9, 0.8, 0.2, 0.1}, {0, 0, 1, 1}), 0.0);
  EXPECT_DOUBLE_EQ(RocAuc({0.5, 0.5, 0.5, 0.5}, {0, 1, 0, 1}), 0.5);
  // scikit-learn: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
  EXPECT_DOUBLE_EQ(RocAuc({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}), 0.75);
  // One tie across classes counts a half: pairs (p,n): (0.4>0.2) (0.4=0.4) → (1 + 0.5) / 2.
  EXPECT_DOUBLE_EQ(RocAuc({0.2, 0.4, 0.4}, {0, 0, 1}), 0.75);
  EXPECT_TRUE(std::isnan(RocAuc({0.1, 0.2}, {1, 1})));
}

TEST(ChurnMetrics, AveragePrecisionMatchesScikitLearn) {
  // average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.8333...
  EXPECT_NEAR(AveragePrecision({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}), 5.0 / 6.0, 1e-12);
  EXPECT_DOUBLE_EQ(AveragePrecision({0.9, 0.1}, {1, 0}), 1.0);
  // All tied: one threshold, precision = base rate.
  EXPECT_DOUBLE_EQ(AveragePrecision({0.3, 0.3, 0.3, 0.3}, {1, 0, 0, 0}), 0.25);
  EXPECT_TRUE(std::isnan(AveragePrecision({0.3}, {0})));
}

TEST(ChurnMetrics, BrierIsMeanSquaredError) {
  EXPECT_DOUBLE_EQ(BrierScore({1.0, 0.0}, {1, 0}), 0.0);
  EXPECT_DOUBLE_EQ(BrierScore({0.5, 0.5}, {1, 0}), 0.25);
  EXPECT_NEAR(BrierScore({0.9, 0.2, 0.6}, {1, 0, 0}), (0.01 + 0.04 + 0.36) / 3, 1e-12);
}

TEST(ChurnMetrics, ReliabilityTableBinsByPrediction) {
  auto t = ReliabilityTable({0.05, 0.07, 0.55, 1.0, 0.95}, {0, 1, 1, 1, 0});
  ASSERT_EQ(t.size(), 10u);
  EXPECT_EQ(t[0].count, 2);
  EXPECT_DOUBLE_EQ(t[0].mean_predicted, 0.06);
  EXPECT_DOUBLE_EQ(t[0].observed_rate, 0.5);
  EXPECT_EQ(t[5].count, 1);
  EXPECT_EQ(t[9].count, 2);  // 1.0 falls in the last bin
  EXPECT_DOUBLE_EQ(t[9].observed_rate, 0.5);
  EXPECT_EQ(t[3].count, 0);
  EXPECT_TRUE(std::isnan(t[3].observed_rate));
  EXPECT_DOUBLE_EQ(t[9].upper, 1.0);
}

TEST(ChurnMetrics, IsotonicPoolsAdjacentViolators) {
  // Labels by score: 1 0 | 1 1 0 | 1 → blocks {1,2}: 0.5, {3,4,5}: 2/3, {6}: 1.
  IsotonicCalibrator cal = FitIsotonic({1, 2, 3, 4, 5, 6}, {1, 0, 1, 1, 0, 1});
  ASSERT_EQ(cal.x.size(), 3u);
  EXPECT_DOUBLE_EQ(cal.x[0], 1.5);
  EXPECT_DOUBLE_EQ(cal.y[0], 0.5);
  EXPECT_DOUBLE_EQ(cal.x[1], 4.0);
  EXPECT_NEAR(cal.y[1], 2.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(cal.y[2], 1.0);
  EXPECT_DOUBLE_EQ(cal.Apply(0.0), 0.5);        // flat below the first block
  EXPECT_DOUBLE_EQ(cal.Apply(9.0), 1.0);        // and above the last
  EXPECT_NEAR(cal.Apply(2.75), (0.5 + 2.0 / 3.0) / 2, 1e-12);  // interpolated between centres
  for (double v = 0; v < 7; v += 0.25) EXPECT_LE(cal.Apply(v), cal.Apply(v + 0.25));
}

TEST(ChurnMetrics, IsotonicKeepsTiedScoresTogetherAndRoundTrips) {
  IsotonicCalibrator cal = FitIsotonic({0.2, 0.2, 0.2, 0.7}, {1, 0, 0, 1});
  ASSERT_EQ(cal.x.size(), 2u);
  EXPECT_NEAR(cal.y[0], 1.0 / 3.0, 1e-12);
  IsotonicCalibrator back;
  ASSERT_TRUE(IsotonicCalibrator::FromJson(cal.ToJson(), &back));
  EXPECT_EQ(back.x, cal.x);
  EXPECT_EQ(back.y, cal.y);
  EXPECT_FALSE(IsotonicCalibrator::FromJson("{\"x\": [1]}", &back));
  EXPECT_DOUBLE_EQ(IsotonicCalibrator{}.Apply(0.3), 0.3);  // empty = identity
}

TEST(ChurnModelStore, Base64RoundTripsBinary) {
  for (std::string s : {std::string(), std::string("a"), std::string("ab"), std::string("abc"),
                        std::string("\0\xff\x10zz", 5)}) {
    auto back = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64Encode("Man"), "TWFu");
  EXPECT_EQ(Base64Encode("Ma"), "TWE=");
  EXPECT_FALSE(Base64Decode("TW=u").has_value());
  EXPECT_FALSE(Base64Decode("abc").has_value());
}

}  // namespace
}  // namespace custintel::models
