// Lifetime-value models on the real CDNOW data (Fader, Hardie & Lee 2005): the published
// BG/NBD and Gamma-Gamma estimates, the lifetimes documentation's predictions, and the summary
// rebuilt from the raw transactions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "models/clv/clv_bgnbd.h"
#include "models/clv/clv_fit.h"
#include "models/clv/clv_gamma_gamma.h"
#include "models/clv/clv_summary.h"
#include "models/clv/clv_summary_csv.h"

namespace custintel::models {
namespace {

const std::string kCdnowDir = std::string(CUSTINTEL_SHARED_DIR) + "/datasets/cdnow";

// lifetimes' BG/NBD estimates on this file (Quickstart, penalizer 0), six digits.
constexpr BgNbdParams kLifetimesBgNbd{0.242593, 4.413532, 0.792886, 2.425752};

void ExpectWithinRelative(double actual, double expected, double tolerance, const char* name) {
  EXPECT_NEAR(actual, expected, std::abs(expected) * tolerance) << name;
}

ClvSummary LoadOrSkip(const std::string& file) {
  Result<ClvSummary> summary = ReadClvSummaryCsv(kCdnowDir + "/" + file);
  EXPECT_TRUE(summary.ok()) << summary.status().message();
  return summary.ok() ? *summary : ClvSummary{};
}

TEST(ClvCdnow, BgNbd_RecoversPublishedParameters) {
  const ClvSummary summary = LoadOrSkip("cdnow_customers_summary.csv");
  ASSERT_EQ(summary.size(), 2357u);
  Result<BgNbdFit> fit = FitBgNbd(summary);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  EXPECT_TRUE(fit->converged) << fit->stop_reason;
  // FHL 2005 / the issue: r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4; 1%.
  ExpectWithinRelative(fit->params.r, 0.243, 0.01, "r");
  ExpectWithinRelative(fit->params.alpha, 4.414, 0.01, "alpha");
  ExpectWithinRelative(fit->params.a, 0.793, 0.01, "a");
  ExpectWithinRelative(fit->params.b, 2.426, 0.01, "b");
  EXPECT_NEAR(fit->log_likelihood, -9582.4, 0.1);
  // And lifetimes' six-digit estimates, much tighter.
  ExpectWithinRelative(fit->params.r, kLifetimesBgNbd.r, 1e-3, "r (lifetimes)");
  ExpectWithinRelative(fit->params.alpha, kLifetimesBgNbd.alpha, 1e-3, "alpha (lifetimes)");
  ExpectWithinRelative(fit->params.a, kLifetimesBgNbd.a, 1e-3, "a (lifetimes)");
  ExpectWithinRelative(fit->params.b, kLifetimesBgNbd.b, 1e-3, "b (lifetimes)");
  EXPECT_LT(fit->groups, fit->customers);  // the 1,411 one-time buyers share few T values
}

TEST(ClvCdnow, GammaGamma_RecoversPublishedParameters) {
  // The papers' file carries zbar, the mean repeat-purchase value.
  const ClvSummary summary = LoadOrSkip("cdnow_customers_summary_with_transactions.csv");
  ASSERT_TRUE(summary.has_monetary_value());
  Result<GammaGammaFit> fit = FitGammaGamma(summary);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  EXPECT_TRUE(fit->converged) << fit->stop_reason;
  EXPECT_EQ(fit->customers, 946u);
  ExpectWithinRelative(fit->params.p, 6.25, 0.01, "p");
  ExpectWithinRelative(fit->params.q, 3.74, 0.01, "q");
  ExpectWithinRelative(fit->params.v, 15.44, 0.01, "v");
}

TEST(ClvCdnow, FitClvModels_FromPapersColumnsGivesBothModelsAsJson) {
  Result<ClvModelFit> fit = FitClvModelsFromCsv(kCdnowDir + "/cdnow_customers_summary_with_transactions.csv");
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  ASSERT_TRUE(fit->gamma_gamma.has_value());
  ExpectWithinRelative(fit->bgnbd.params.r, 0.243, 0.01, "r");
  const std::string json = ClvModelFitToJson(*fit);
  for (const char* key : {"\"bgnbd\"", "\"r\"", "\"alpha\"", "\"a\"", "\"b\"", "\"log_likelihood\"",
                          "\"gamma_gamma\"", "\"p\"", "\"q\"", "\"v\""}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " missing from " << json;
  }
}

TEST(ClvCdnow, FitClvModels_WithoutMonetaryValuesOmitsGammaGamma) {
  Result<ClvModelFit> fit = FitClvModelsFromCsv(kCdnowDir + "/cdnow_customers_summary.csv");
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  EXPECT_FALSE(fit->gamma_gamma.has_value());
  EXPECT_EQ(ClvModelFitToJson(*fit).find("gamma_gamma"), std::string::npos);
}

// lifetimes Quickstart: conditional_expected_number_of_purchases_up_to_time(1, ...) for its
// top five CDNOW customers, with the six-digit parameters above.
TEST(ClvCdnow, BgNbd_ExpectedPurchasesMatchLifetimesDocs) {
  struct Case { double x, t_x, T, expected; };
  const Case cases[] = {{18, 35.14, 35.86, 0.424877}, {19, 34.00, 34.14, 0.474738},
                        {17, 28.43, 28.86, 0.486526}, {29, 37.71, 38.00, 0.662396},
                        {26, 30.86, 31.00, 0.710623}};
  for (const Case& c : cases) {
    EXPECT_NEAR(BgNbdExpectedPurchases(kLifetimesBgNbd, 1.0, c.x, c.t_x, c.T), c.expected, 2e-5)
        << "x=" << c.x << " t_x=" << c.t_x << " T=" << c.T;
  }
}

// P(alive) worked by hand from FHL eq. 11 for CDNOW customer 1 (x = 2, t_x = 30.43, T = 38.86):
// 1 / (1 + a/(b+1) · ((α+38.86)/(α+30.43))^(r+2)) = 1 / (1 + 0.231449 · 1.625655) = 0.726609.
TEST(ClvCdnow, BgNbd_ProbabilityAliveMatchesHandComputation) {
  const BgNbdParams& p = kLifetimesBgNbd;
  const double odds = p.a / (p.b + 1.0) * std::pow((p.alpha + 38.86) / (p.alpha + 30.43), p.r + 2.0);
  EXPECT_NEAR(BgNbdProbabilityAlive(p, 2, 30.43, 38.86), 1.0 / (1.0 + odds), 1e-12);
  EXPECT_NEAR(BgNbdProbabilityAlive(p, 2, 30.43, 38.86), 0.726609, 5e-6);
  EXPECT_EQ(BgNbdProbabilityAlive(p, 0, 0, 38.86), 1.0);
  // A buyer who bought often and then went quiet is less likely alive than a recent one.
  EXPECT_LT(BgNbdProbabilityAlive(p, 10, 5, 38), BgNbdProbabilityAlive(p, 10, 37, 38));
}

// lifetimes Quickstart: conditional_expected_average_profit and customer_lifetime_value for
// CDNOW customers 1, 2, 3 (no repeat) and 6. The docs ran customer_lifetime_value with its
// default freq='D' on this weekly data, i.e. 30 summary periods per "month"; we do the same
// to reproduce their figures.
TEST(ClvCdnow, GammaGamma_ExpectedValueAndClvMatchLifetimesDocs) {
  Result<ClvModelFit> fit = FitClvModelsFromCsv(kCdnowDir + "/cdnow_customers_summary_with_transactions.csv");
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  const GammaGammaParams gg = fit->gamma_gamma->params;
  const BgNbdParams bg = fit->bgnbd.params;
  EXPECT_NEAR(GammaGammaExpectedAverageValue(gg, 2, 22.35), 24.658619, 0.005);
  EXPECT_NEAR(GammaGammaExpectedAverageValue(gg, 1, 11.77), 18.911489, 0.005);
  EXPECT_NEAR(GammaGammaExpectedAverageValue(gg, 0, 0.0), 35.170981, 0.005);
  EXPECT_NEAR(GammaGammaExpectedAverageValue(gg, 7, 73.74), 71.462843, 0.005);

  const ClvHorizon horizon{12, 0.01, 30};
  EXPECT_NEAR(CustomerLifetimeValue(bg, gg, 2, 30.43, 38.86, 22.35, horizon), 140.096211, 0.05);
  EXPECT_NEAR(CustomerLifetimeValue(bg, gg, 0, 0.0, 38.86, 0.0, horizon), 38.180574, 0.05);
  EXPECT_NEAR(CustomerLifetimeValue(bg, gg, 7, 29.43, 38.86, 73.74, horizon), 1003.868107, 0.5);
}

// Days since 1970-01-01 of a YYYYMMDD date (proleptic Gregorian; H. Hinnant's days_from_civil).
long long DaysFromYyyymmdd(int yyyymmdd) {
  int y = yyyymmdd / 10000;
  const unsigned m = yyyymmdd / 100 % 100, d = yyyymmdd % 100;
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

// CDNOW_sample.txt: master id, sample id (the summary's ID), date YYYYMMDD, CDs, dollars.
ClvTransactions LoadCdnowSample() {
  ClvTransactions t;
  std::ifstream in(kCdnowDir + "/CDNOW_sample.txt");
  std::string master, id;
  int date = 0, cds = 0;
  double dollars = 0;
  while (in >> master >> id >> date >> cds >> dollars) {
    t.customer_id.push_back(std::to_string(std::stoi(id)));
    t.timestamp.push_back(static_cast<double>(DaysFromYyyymmdd(date)));
    t.value.push_back(dollars);
  }
  return t;
}

// The papers' calibration period ends 1997-09-30 (39 weeks after 1997-01-01); rebuilding the
// summary from raw transactions with days/7 as weeks must give the papers' file: same x and
// (to the file's two decimals) t_x, T and zbar for every customer.
TEST(ClvCdnow, Summary_FromRawTransactionsMatchesPapersFile) {
  const ClvTransactions transactions = LoadCdnowSample();
  ASSERT_EQ(transactions.customer_id.size(), 6919u);
  ClvSummaryOptions options;
  options.observation_end = static_cast<double>(DaysFromYyyymmdd(19970930));
  options.period = ClvPeriod::kWeeks;
  Result<ClvSummary> built = SummarizeTransactions(transactions, options);
  ASSERT_TRUE(built.ok()) << built.status().message();
  const ClvSummary file = LoadOrSkip("cdnow_customers_summary_with_transactions.csv");
  ASSERT_EQ(built->size(), file.size());

  std::map<std::string, size_t> row_of;
  for (size_t i = 0; i < built->size(); ++i) row_of[built->customer_id[i]] = i;
  int mismatches = 0;
  for (size_t j = 0; j < file.size(); ++j) {
    const auto it = row_of.find(file.customer_id[j]);
    ASSERT_NE(it, row_of.end()) << "customer " << file.customer_id[j] << " missing";
    const size_t i = it->second;
    const bool same = built->frequency[i] == file.frequency[j] &&
                      std::abs(built->recency[i] - file.recency[j]) <= 0.0051 &&
                      std::abs(built->T[i] - file.T[j]) <= 0.0051 &&
                      std::abs(built->monetary_value[i] - file.monetary_value[j]) <= 0.0051;
    if (!same && ++mismatches <= 5) {
      ADD_FAILURE() << "customer " << file.customer_id[j] << ": built (" << built->frequency[i] << ", "
                    << built->recency[i] << ", " << built->T[i] << ", " << built->monetary_value[i]
                    << ") file (" << file.frequency[j] << ", " << file.recency[j] << ", " << file.T[j]
                    << ", " << file.monetary_value[j] << ")";
    }
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace custintel::models
