// Lifetime-value building blocks: the lifetimes summary convention on hand-made transactions,
// the summary CSV reader, bad input, and the special functions (against closed forms).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "models/clv/clv_bgnbd.h"
#include "models/clv/clv_gamma_gamma.h"
#include "models/clv/clv_special.h"
#include "models/clv/clv_summary.h"
#include "models/clv/clv_summary_csv.h"
#include "testing/testing.h"

namespace custintel::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Customer "a": day 0 twice (10 + 5), day 3 (20), day 10 (30), day 20 (after the end, 15).
// Customer "b": one purchase on day 12. Observation end: day 15.
ClvTransactions HandMade() {
  return {{"b", "a", "a", "a", "a", "a"},
          {12.0, 0.0, 0.25, 3.0, 10.5, 20.0},
          {7.0, 10.0, 5.0, 20.0, 30.0, 15.0}};
}

TEST(ClvSummary, Summary_FollowsLifetimesConventionInDays) {
  ClvSummaryOptions options;
  options.observation_end = 15.0;
  Result<ClvSummary> s = SummarizeTransactions(HandMade(), options);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ(s->customer_id[0], "a");  // sorted by id
  EXPECT_EQ(s->frequency[0], 2);      // days 3 and 10; day 0's two purchases are one period
  EXPECT_EQ(s->recency[0], 10);
  EXPECT_EQ(s->T[0], 15);
  EXPECT_EQ(s->monetary_value[0], 25);  // (20 + 30) / 2: the first period is left out
  EXPECT_EQ(s->frequency[1], 0);
  EXPECT_EQ(s->recency[1], 0);
  EXPECT_EQ(s->T[1], 3);
  EXPECT_EQ(s->monetary_value[1], 0);
}

TEST(ClvSummary, Summary_SecondsAndWeeksGiveDaysOverSeven) {
  ClvTransactions t = HandMade();
  for (double& ts : t.timestamp) ts *= 86400.0;
  ClvSummaryOptions options;
  options.observation_end = 15.0 * 86400.0;
  options.timestamp_unit = ClvTimestampUnit::kSeconds;
  options.period = ClvPeriod::kWeeks;
  Result<ClvSummary> s = SummarizeTransactions(t, options);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->frequency[0], 2);
  EXPECT_DOUBLE_EQ(s->recency[0], 10.0 / 7);
  EXPECT_DOUBLE_EQ(s->T[0], 15.0 / 7);
}

TEST(ClvSummary, Summary_CalendarWeeksBucketMondayToSunday) {
  // Day 0 is Thursday 1970-01-01: days 0–3 are one week, day 4 (Monday) starts the next.
  ClvTransactions t{{"c", "c", "c"}, {0.0, 3.0, 4.0}, {}};
  ClvSummaryOptions options;
  options.observation_end = 18.0;  // Monday of the third week after day 0's
  options.period = ClvPeriod::kCalendarWeeks;
  Result<ClvSummary> s = SummarizeTransactions(t, options);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->frequency[0], 1);
  EXPECT_EQ(s->recency[0], 1);
  EXPECT_EQ(s->T[0], 3);
  EXPECT_FALSE(s->has_monetary_value());
}

TEST(ClvSummary, Summary_RejectsNonFiniteTimestampsAndRaggedColumns) {
  ClvTransactions t = HandMade();
  t.timestamp[2] = kNaN;
  ClvSummaryOptions options;
  options.observation_end = 15.0;
  Result<ClvSummary> s = SummarizeTransactions(t, options);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("transaction 3 (customer a): timestamp"), std::string::npos)
      << s.status().message();
  t = HandMade();
  t.value.pop_back();
  EXPECT_FALSE(SummarizeTransactions(t, options).ok());
}

ClvSummary ThreeCustomers() {
  return {{"x1", "x2", "x3"}, {2, 0, 5}, {10, 0, 20}, {30, 30, 30}, {12.5, 0, 40}};
}

TEST(ClvSummary, Validate_RejectsNegativeFrequency) {
  ClvSummary s = ThreeCustomers();
  s.frequency[1] = -1;
  const Status status = ValidateClvSummary(s);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("row 2 (customer x2): frequency -1"), std::string::npos) << status.message();
  EXPECT_FALSE(FitBgNbd(s).ok());
}

TEST(ClvSummary, Validate_RejectsRecencyBeyondT) {
  ClvSummary s = ThreeCustomers();
  s.recency[2] = 31;
  const Status status = ValidateClvSummary(s);
  EXPECT_NE(status.message().find("recency 31 is larger than T 30"), std::string::npos) << status.message();
  Result<BgNbdFit> fit = FitBgNbd(s);
  ASSERT_FALSE(fit.ok());
  EXPECT_NE(fit.status().message().find("BG/NBD: row 3"), std::string::npos) << fit.status().message();
}

TEST(ClvSummary, Validate_RejectsNaNAndNonPositiveSpend) {
  ClvSummary s = ThreeCustomers();
  s.T[0] = kNaN;
  EXPECT_NE(ValidateClvSummary(s).message().find("T nan is not a finite number"), std::string::npos)
      << ValidateClvSummary(s).message();
  s = ThreeCustomers();
  s.frequency[0] = 1.5;
  EXPECT_NE(ValidateClvSummary(s).message().find("not a non-negative whole number"), std::string::npos);
  s = ThreeCustomers();
  s.monetary_value[2] = 0;
  Result<GammaGammaFit> gg = FitGammaGamma(s);
  ASSERT_FALSE(gg.ok());
  EXPECT_NE(gg.status().message().find("must be positive for a repeat buyer"), std::string::npos);
}

TEST(ClvSummary, GammaGamma_NeedsMonetaryValuesAndRepeatBuyers) {
  ClvSummary s = ThreeCustomers();
  s.monetary_value.clear();
  EXPECT_NE(FitGammaGamma(s).status().message().find("no monetary values"), std::string::npos);
  const double x[] = {0, 0}, m[] = {0, 0};
  EXPECT_NE(FitGammaGamma(x, m).status().message().find("no repeat buyers"), std::string::npos);
}

TEST(ClvSummaryCsv, Csv_ReadsLifetimesAndPapersColumnNames) {
  Result<ClvSummary> a = ParseClvSummaryCsv(
      "customer_id,frequency,recency,T,monetary_value\r\n\"7\",2,10.5,30,12.25\r\n8,0,0,30,0\r\n", "a.csv");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->customer_id[0], "7");
  EXPECT_EQ(a->recency[0], 10.5);
  EXPECT_EQ(a->monetary_value[0], 12.25);
  Result<ClvSummary> b = ParseClvSummaryCsv("ID,x,t_x,T,zbar,extra\n1,2,30.43,38.86,22.35,zz\n", "b.csv");
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->frequency[0], 2);
  EXPECT_EQ(b->monetary_value[0], 22.35);
  Result<ClvSummary> c = ParseClvSummaryCsv("frequency,recency,t\n1,2,3\n", "c.csv");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FALSE(c->has_monetary_value());
}

TEST(ClvSummaryCsv, Csv_ErrorsNameFileLineAndColumn) {
  Result<ClvSummary> bad_number = ParseClvSummaryCsv("frequency,recency,T\n1,2,3\n1,abc,3\n", "s.csv");
  EXPECT_EQ(bad_number.status().message(), "s.csv line 3 column 'recency': 'abc' is not a number");
  Result<ClvSummary> missing = ParseClvSummaryCsv("frequency,T\n1,3\n", "s.csv");
  EXPECT_NE(missing.status().message().find("s.csv line 1: no recency (or t_x) column"), std::string::npos)
      << missing.status().message();
  Result<ClvSummary> beyond = ParseClvSummaryCsv("x,t_x,T\n1,2,3\n\n2,5,4\n", "s.csv");
  EXPECT_EQ(beyond.status().message(), "s.csv line 4: recency 5 is larger than T 4");
  Result<ClvSummary> nan = ParseClvSummaryCsv("x,t_x,T\n1,nan,3\n", "s.csv");
  EXPECT_EQ(nan.status().message(), "s.csv line 2: recency nan is not a finite number");
  Result<ClvSummary> negative = ParseClvSummaryCsv("x,t_x,T\n-1,0,3\n", "s.csv");
  EXPECT_NE(negative.status().message().find("frequency -1 is not a non-negative"), std::string::npos);
  Result<ClvSummary> ragged = ParseClvSummaryCsv("x,t_x,T\n1,2\n", "s.csv");
  EXPECT_EQ(ragged.status().message(), "s.csv line 2: 2 fields, the header has 3");
  EXPECT_EQ(ReadClvSummaryCsv("/nonexistent/s.csv").status().code(), StatusCode::kNotFound);
}

TEST(ClvSpecial, Special_MatchClosedForms) {
  using namespace clv_special;
  EXPECT_NEAR(Digamma(1.0), -0.57721566490153286, 1e-13);
  EXPECT_NEAR(Digamma(0.5), -0.57721566490153286 - 2 * std::log(2.0), 1e-13);
  EXPECT_NEAR(Digamma(40.25) - Digamma(39.25), 1 / 39.25, 1e-13);
  EXPECT_NEAR(LogBeta(2.0, 3.0), std::log(1.0 / 12), 1e-13);
  for (double z : {0.1, 0.5, 0.9, 0.99}) {
    EXPECT_NEAR(Hyp2f1(1, 1, 2, z), -std::log1p(-z) / z, 1e-12) << z;
    EXPECT_NEAR(Hyp2f1(0.7, 2.5, 2.5, z), std::pow(1 - z, -0.7), 1e-11) << z;
    // Euler's transformation agrees with the direct series.
    EXPECT_NEAR(PowerTimesHyp2f1(3.2, 3.2, 4.1, 4.9, z), std::pow(1 - z, 3.2) * Hyp2f1(3.2, 4.1, 4.9, z),
                1e-11) << z;
  }
  EXPECT_DOUBLE_EQ(Hyp2f1(-2, 1, 1, 0.5), 0.25);  // terminating: (1 − z)^2
}

// Large x and long horizons: the transformed 2F1 keeps the expectation finite and bounded by
// the purchase rate an alive customer would have.
TEST(ClvSpecial, BgNbd_ExpectedPurchasesStayFiniteForHeavyBuyers) {
  const BgNbdParams p{0.243, 4.414, 0.793, 2.426};
  const double e = BgNbdExpectedPurchases(p, 520, 300, 38, 39);
  EXPECT_TRUE(std::isfinite(e));
  EXPECT_GT(e, 0);
  EXPECT_LT(e, 520 * (p.r + 300) / (p.alpha + 39) * 1.01);
  EXPECT_EQ(BgNbdExpectedPurchases(p, 0, 3, 10, 20), 0.0);
  EXPECT_LT(BgNbdExpectedPurchases(p, 10, 3, 10, 20), BgNbdExpectedPurchases(p, 20, 3, 10, 20));
}

}  // namespace
}  // namespace custintel::models
