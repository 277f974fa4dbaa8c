// End-to-end: the model commands (clv, churn --top, evaluate clv|recs, rfm, cohorts, recs)
// on a generated shop of 5,000 customers, built once for the suite.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <memory>

#include "insight/drivers.h"
#include "testing/testing.h"

namespace custintel {
namespace {

using testing::RunCli;
using testing::TempDir;

class ModelsCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = dir_->File("shop.duckdb");
    auto r = testing::BuildShop(*dir_, 5000, 42, db_);  // 42: gen-data's default seed
    ASSERT_EQ(r.exit_code, 0) << r.err;
    run_out_ = new std::string(r.out);
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete run_out_;
  }
  static nlohmann::json Json(const std::string& args) {
    auto r = RunCli(args + " --db " + db_ + " --json");
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }
  static inline TempDir* dir_ = nullptr;
  static inline std::string db_;
  static inline std::string* run_out_ = nullptr;
};

TEST_F(ModelsCli, RunReportsEveryModelStep) {
  for (const char* step : {"clv", "rfm", "cohorts", "recommendations", "executive_metrics"}) {
    EXPECT_NE(run_out_->find(step), std::string::npos) << *run_out_;
  }
  EXPECT_NE(run_out_->find("BG/NBD r="), std::string::npos) << *run_out_;
}

// Parameter recovery against truth/population.json (r 0.75, α 7.5, a 0.8, b 2.4 per week).
// Tolerance at 5,000 customers: 20% for r and α, 30% for a and b (about 3 standard errors;
// at 20,000 customers the fit lands within 3%, 6%, 4% and 8%). Cancelled orders count, as in
// the generator's story.
TEST_F(ModelsCli, ClvRecoversTheGeneratorsPopulation) {
  std::ifstream f(dir_->File("shop/truth/population.json"));
  nlohmann::json truth = nlohmann::json::parse(f)["bgnbd"];
  nlohmann::json fit = Json("clv --include-cancelled")["bgnbd"];
  EXPECT_NEAR(fit["r"].get<double>(), truth["r"].get<double>(), 0.20 * truth["r"].get<double>());
  EXPECT_NEAR(fit["alpha"].get<double>(), truth["alpha"].get<double>(), 0.20 * truth["alpha"].get<double>());
  EXPECT_NEAR(fit["a"].get<double>(), truth["a"].get<double>(), 0.30 * truth["a"].get<double>());
  EXPECT_NEAR(fit["b"].get<double>(), truth["b"].get<double>(), 0.30 * truth["b"].get<double>());
  EXPECT_LT(fit["log_likelihood"].get<double>(), 0);
  nlohmann::json db_fit = Json("clv");
  EXPECT_TRUE(db_fit.contains("gamma_gamma"));
  // As the run's clv step: the customer-base model chosen by held-out fit, and why.
  ASSERT_TRUE(db_fit.contains("model_choice")) << db_fit.dump();
  EXPECT_EQ(db_fit["model_choice"]["candidates"].size(), 5u);
  EXPECT_EQ(db_fit["model"]["name"], db_fit["model_choice"]["chosen"]);
  EXPECT_FALSE(db_fit["model_choice"]["why"].get<std::string>().empty());
}

TEST_F(ModelsCli, ClvModelForcesACustomerBaseModel) {
  nlohmann::json pareto = Json("clv --model paretonbd");
  EXPECT_EQ(pareto["model"]["name"], "paretonbd");
  for (const char* k : {"r", "alpha", "s", "beta"}) EXPECT_TRUE(pareto["model"]["params"].contains(k)) << k;
  EXPECT_TRUE(pareto["model"]["converged"].get<bool>()) << pareto.dump();
  EXPECT_FALSE(pareto.contains("model_choice"));
  auto bad = RunCli("clv --model gompertz --db " + db_);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("paretonbd"), std::string::npos) << bad.err;
  // Order data are not discrete opportunities: BG/BB is refused with the reason.
  auto bgbb = RunCli("clv --model bgbb --db " + db_);
  EXPECT_EQ(bgbb.exit_code, 1) << bgbb.out;
  EXPECT_NE(bgbb.err.find("whole numbers"), std::string::npos) << bgbb.err;
}

TEST_F(ModelsCli, ClvFromSummaryFileNeedsNoDatabase) {
  TempDir d;
  std::string csv = "customer_id,frequency,recency,T,monetary_value\n";
  for (int i = 0; i < 300; ++i) {
    const int x = i % 5;
    csv += "c" + std::to_string(i) + "," + std::to_string(x) + "," + std::to_string(x ? 3 + (i % 7) * x : 0) +
           ",40," + std::to_string(x ? 20 + i % 13 : 0) + "\n";
  }
  testing::WriteFile(d.File("s.csv"), csv);
  auto r = RunCli("clv --summary " + d.File("s.csv") + " --json --db " + d.File("absent.duckdb"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* k : {"r", "alpha", "a", "b", "log_likelihood"}) EXPECT_TRUE(j["bgnbd"].contains(k)) << k;
  for (const char* k : {"p", "q", "v", "log_likelihood"}) EXPECT_TRUE(j["gamma_gamma"].contains(k)) << k;
  auto bad = RunCli("clv --summary " + d.File("nope.csv") + " --json");
  EXPECT_EQ(bad.exit_code, 1);
}

// Every baseline on the same held-out baskets; the numbers are sane and the verdict honest.
TEST_F(ModelsCli, EvaluateRecsReportsEveryBaseline) {
  nlohmann::json e = Json("evaluate recs");
  ASSERT_GT(e["customers"].get<int>(), 100);
  std::map<std::string, nlohmann::json> by;
  for (const auto& m : e["methods"]) by[m["method"].get<std::string>()] = m;
  for (const char* name : {"custintel", "popularity", "personal_top", "tifu_knn"}) {
    ASSERT_TRUE(by.count(name)) << name << " missing in " << e.dump();
    for (const char* k : {"hit_rate_at_10", "recall_at_10", "ndcg_at_10"}) {
      const double v = by[name][k].get<double>();
      EXPECT_GT(v, 0.0) << name << " " << k;
      EXPECT_LE(v, 1.0) << name << " " << k;
    }
    EXPECT_LE(by[name]["recall_at_10"].get<double>(), by[name]["hit_rate_at_10"].get<double>() + 1e-12) << name;
  }
  EXPECT_GT(by["custintel"]["recall_at_10"].get<double>(), by["popularity"]["recall_at_10"].get<double>() + 0.05);
  // The verdict says plainly which baselines custintel does not beat.
  size_t losses = 0;
  for (const char* name : {"popularity", "personal_top", "tifu_knn"}) {
    losses += by["custintel"]["recall_at_10"] <= by[name]["recall_at_10"] ||
              by["custintel"]["ndcg_at_10"] <= by[name]["ndcg_at_10"];
  }
  EXPECT_EQ(e["losses"].size(), losses) << e.dump();
  EXPECT_EQ(e["beats_every_baseline"].get<bool>(), losses == 0);
}

TEST_F(ModelsCli, EvaluateClvPredictsHoldoutPurchases) {
  nlohmann::json e = Json("evaluate clv");
  const double predicted = e["predicted_purchases"], actual = e["actual_purchases"];
  EXPECT_NEAR(predicted, actual, 0.15 * actual);
  EXPECT_GT(e["correlation"].get<double>(), 0.4);
  EXPECT_EQ(e["by_frequency"].size(), 8u);
  // Every customer-base model on the same split, with its MAE and forecast beside the actual.
  ASSERT_TRUE(e["models"].contains("candidates")) << e["models"].dump();
  EXPECT_EQ(e["models"]["candidates"].size(), 5u);
  for (const auto& c : e["models"]["candidates"]) {
    ASSERT_TRUE(c["fitted"].get<bool>()) << c.dump();
    EXPECT_GT(c["predicted"].get<double>(), 0) << c.dump();
    EXPECT_GE(c["holdout_mae"].get<double>(), 0) << c.dump();
  }
}

TEST_F(ModelsCli, ChurnTopRfmCohortsAndRecs) {
  nlohmann::json top = Json("churn --top 5");
  ASSERT_EQ(top.size(), 5u);
  EXPECT_GE(top[0]["churn_risk"].get<double>(), top[4]["churn_risk"].get<double>());
  // The table shows the stored risk_factors in words, in the same order.
  auto shown = RunCli("churn --top 5 --db " + db_);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("drivers (top 3)"), std::string::npos) << shown.out;
  const std::string words = insight::DriversInWords(top[0]["risk_factors"], 3);
  EXPECT_FALSE(words.empty()) << top[0].dump();
  EXPECT_NE(shown.out.find(top[0]["customer_id"].get<std::string>()), std::string::npos);
  EXPECT_NE(shown.out.find(words), std::string::npos) << words << "\n" << shown.out;
  EXPECT_EQ(shown.out.find("\"feature\""), std::string::npos) << shown.out;
  auto bad = RunCli("churn --top 0 --db " + db_);
  EXPECT_EQ(bad.exit_code, 2);
  nlohmann::json rfm = Json("rfm");
  EXPECT_GE(rfm.size(), 8u);
  EXPECT_EQ(rfm[0]["segment"], "Champions");
  nlohmann::json cohorts = Json("cohorts --months 2");
  ASSERT_FALSE(cohorts.empty());
  EXPECT_EQ(cohorts[0]["months_since"], 0);
  nlohmann::json recs = Json("recs C000001");
  ASSERT_EQ(recs.size(), 10u);
  EXPECT_FALSE(recs[0]["reason"].get<std::string>().empty());
  auto table = RunCli("rfm --db " + db_);
  EXPECT_NE(table.out.find("Can't lose them"), std::string::npos) << table.out;
}

TEST_F(ModelsCli, ExecutiveMetricsTrackChangeBetweenRuns) {
  ASSERT_EQ(RunCli("run --db " + db_).exit_code, 0);
  auto r = RunCli("sql --db " + db_ +
                  " --json \"SELECT metric, value, change FROM gold.executive_metrics WHERE run_id = "
                  "(SELECT max(run_id) FROM gold.executive_metrics) ORDER BY metric\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 8u);  // customers, high_risk, lapsed, value_at_stake, avg_ltv, reviews, avg_rating, open_tickets
  for (const auto& row : j) EXPECT_EQ(row["change"].get<double>(), 0.0) << row.dump();  // same data
}

}  // namespace
}  // namespace custintel
