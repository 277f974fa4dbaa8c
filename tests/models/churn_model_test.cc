#include "models/churn/churn_model.h"

#include <gtest/gtest.h>

#include <cstdio>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "features/customer_features.h"
#include "models/churn/churn_heuristic.h"
#include "models/churn/churn_model_data.h"
#include "models/churn/churn_model_store.h"
#include "models/clv_score.h"
#include "model_fixture.h"
#include "store/migrations.h"
#include "testing/testing.h"

namespace custintel::models {
namespace {

using custintel::testing::RunCli;
using custintel::testing::TempDir;

std::unique_ptr<store::Connection> Connect(std::shared_ptr<store::Database>* db, const std::string& path) {
  auto opened = store::OpenEngineDatabase(path);
  EXPECT_TRUE(opened.ok()) << opened.status().message();
  *db = *opened;
  return std::make_unique<store::Connection>(std::move(*(*db)->Connect()));
}

TEST(ChurnModelData, SpecOneHotsFrequentLevelsAndSkipsIds) {
  std::shared_ptr<store::Database> db;
  auto conn = Connect(&db, ":memory:");
  auto rows = conn->Query(
      "SELECT 'C' || i AS customer_id, 'acct' || i AS account_id, i::DOUBLE AS spend, "
      "CASE WHEN i % 2 = 0 THEN 'basic' WHEN i % 3 = 0 THEN 'pro' ELSE NULL END AS plan, "
      "'u' || i AS email, now() AS seen_at FROM range(100) t(i)");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  FeatureSpec spec = InferFeatureSpec(*rows, {});
  EXPECT_EQ(spec.numeric, std::vector<std::string>{"spend"});
  ASSERT_EQ(spec.categorical.size(), 1u);  // email is id-like, seen_at a timestamp
  EXPECT_EQ(spec.categorical[0].levels, (std::vector<std::string>{"basic", "pro"}));
  auto back = FeatureSpec::FromJson(spec.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->Names(), (std::vector<std::string>{"spend", "plan=basic", "plan=pro"}));
  auto m = BuildFeatureMatrix(*rows, *back);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->x.at(3, 0), 3.f);
  EXPECT_EQ(m->x.at(3, 2), 1.f);   // 3 → pro
  EXPECT_EQ(m->x.at(1, 1) + m->x.at(1, 2), 0.f);  // NULL plan → all zeros
  float contributions[] = {0.1f, -0.5f, 0.7f, 0.0f};
  auto drivers = nlohmann::json::parse(TopDriversJson(*back, *m, 3, contributions, 2));
  ASSERT_EQ(drivers.size(), 2u);
  EXPECT_EQ(drivers[0]["feature"], "plan");  // -0.5 + 0.7 summed over the one-hot columns
  EXPECT_EQ(drivers[0]["value"], "pro");
  EXPECT_NEAR(drivers[0]["shap"].get<double>(), 0.2, 1e-6);
  EXPECT_EQ(drivers[1]["feature"], "spend");
}

TEST(ChurnModel, TooLittleDataKeepsTheHeuristic) {
  std::shared_ptr<store::Database> db;
  auto conn = Connect(&db, ":memory:");
  ASSERT_TRUE(conn->Execute(
      "INSERT INTO silver.customers(customer_id, acquisition_date) VALUES ('A', '2025-01-01'), ('B', '2025-06-01');"
      "INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) VALUES "
      "('o1', 'A', '2026-06-15', 100, 'completed'), ('o2', 'B', '2025-07-01', 50, 'completed');").ok());
  const std::string as_of = "2026-06-30 00:00:00+00";
  ASSERT_TRUE(features::BuildCustomerFeatures(*conn, as_of).ok());
  ASSERT_TRUE(ScoreChurnHeuristic(*conn, as_of).ok());
  std::string note;
  Status s = RunChurnModelStep(*conn, as_of, &note);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_NE(note.find("too little data"), std::string::npos) << note;
  auto r = conn->Query("SELECT count(*) FILTER (WHERE churn_risk = churn_risk_heuristic), count(*) "
                       "FROM gold.customer_scores");
  EXPECT_EQ(r->GetInt64(0, 0), 2);
  EXPECT_EQ(r->GetInt64(1, 0), 2);
  auto f = conn->Query("SELECT max(as_of)::VARCHAR, count(*) FROM gold.customer_features");
  EXPECT_EQ(f->GetString(0, 0), as_of);  // the cutoff rebuilds were undone
  auto e = EvaluateChurn(*conn, as_of);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("too little data"), std::string::npos);

  // An incremental run after it has no model to score with either: the heuristic stays, no error.
  ASSERT_TRUE(conn->Execute("CREATE TEMP TABLE ci_scope AS SELECT 'A' AS customer_id").ok());
  s = RunChurnModelStep(*conn, as_of, &note, features::Scope::Customers("ci_scope"));
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_NE(note.find("churn_risk stays the heuristic for the 1 rescored customers"), std::string::npos) << note;
  r = conn->Query("SELECT count(*) FILTER (WHERE churn_risk = churn_risk_heuristic) FROM gold.customer_scores");
  EXPECT_EQ(r->GetInt64(0, 0), 2);
}

TEST(ChurnModelStore, AnIncrementalRunFindsTheModelTheLastFullRunScoredWith) {
  std::shared_ptr<store::Database> db;
  auto conn = Connect(&db, ":memory:");
  StoredChurnModel m;
  m.mode = "time_split";
  m.as_of = "2026-06-30 00:00:00+00";
  m.horizon_days = 90;
  m.features_json = m.calibration_json = m.metrics_json = "{}";
  m.model = "not a real booster";
  auto tx = store::Transaction::Begin(*conn);  // as in a run
  ASSERT_TRUE(tx.ok());
  // The table as it was before models were marked in use: the column is added on first use.
  ASSERT_TRUE(conn->Execute(
      "CREATE TABLE meta.churn_models (model_id BIGINT, created_at TIMESTAMPTZ, data_hash VARCHAR, mode VARCHAR, "
      "label VARCHAR, as_of TIMESTAMPTZ, train_cutoff TIMESTAMPTZ, valid_cutoff TIMESTAMPTZ, horizon_days INTEGER, "
      "features JSON, calibration JSON, metrics JSON, model_format VARCHAR, model VARCHAR)").ok());
  std::vector<int64_t> ids;
  for (const char* label : {"", "", "churned"}) {
    m.label = label;
    m.data_hash = "hash" + std::to_string(ids.size());
    auto id = SaveChurnModel(*conn, m);
    ASSERT_TRUE(id.ok()) << id.status().message();
    ids.push_back(*id);
  }
  auto in_use = [&](const std::string& label, int horizon) -> int64_t {
    auto found = FindChurnModelInUse(*conn, label, horizon);
    EXPECT_TRUE(found.ok()) << found.status().message();
    return found.ok() && *found ? (*found)->model_id : 0;
  };
  EXPECT_EQ(in_use("", 90), ids[1]);  // none marked (stored before marking): the newest
  EXPECT_EQ(in_use("churned", 90), ids[2]);
  EXPECT_EQ(in_use("", 30), 0);
  ASSERT_TRUE(MarkChurnModelInUse(*conn, ids[0], "", 90).ok());  // a full run reused the older one
  EXPECT_EQ(in_use("", 90), ids[0]);
  ASSERT_TRUE(MarkChurnModelInUse(*conn, 0, "", 90).ok());  // a full run with too little data
  EXPECT_EQ(in_use("", 90), 0);
  EXPECT_EQ(in_use("churned", 90), ids[2]);  // other options are not touched
}

TEST_F(GeneratedShopTest, LearnedChurnBeatsTheHeuristic) {
  EXPECT_NE(FirstRun().find("churn_model"), std::string::npos) << FirstRun();
  auto ev = RunCli("evaluate churn --json --db " + Db());
  ASSERT_EQ(ev.exit_code, 0) << ev.err;
  auto j = nlohmann::json::parse(ev.out);
  double auc = j["roc_auc"], heuristic = j["heuristic"]["roc_auc"];
  EXPECT_GT(auc, heuristic) << ev.out;
  EXPECT_GT(auc, 0.75);
  EXPECT_GT(j["pr_auc"].get<double>(), j["heuristic"]["pr_auc"].get<double>());
  EXPECT_LT(j["brier"].get<double>(), 0.2);
  EXPECT_EQ(j["reliability"].size(), 10u);
  // Every baseline on the same held-out rows; the learned score is at least as good as each.
  for (const char* name : {"recency", "one_minus_p_alive", "heuristic"}) {
    ASSERT_TRUE(j["baselines"].contains(name)) << ev.out;
    const auto& b = j["baselines"][name];
    std::printf("  %-18s ROC-AUC %.3f  PR-AUC %.3f  Brier %.3f\n", name, b["roc_auc"].get<double>(),
                b["pr_auc"].get<double>(), b["brier"].get<double>());
    EXPECT_GE(auc, b["roc_auc"].get<double>()) << name << ": " << ev.out;
    EXPECT_GE(j["pr_auc"].get<double>(), b["pr_auc"].get<double>()) << name;
    EXPECT_LE(j["brier"].get<double>(), b["brier"].get<double>()) << name;
  }
  std::printf("  %-18s ROC-AUC %.3f  PR-AUC %.3f  Brier %.3f\n", "learned", auc, j["pr_auc"].get<double>(),
              j["brier"].get<double>());
  EXPECT_FALSE(j["baselines"]["one_minus_p_alive"]["model"].get<std::string>().empty());
  ExpectStatusesOrderReturns(j);

  // Against the generator's truth: who had dropped out by the end of the window.
  std::shared_ptr<store::Database> db;
  auto conn = Connect(&db, Db());
  auto r = conn->Query(
      "SELECT s.churn_risk, s.churn_risk_heuristic, CASE WHEN t.alive_at_window_end THEN 0 ELSE 1 END "
      "FROM gold.customer_scores s JOIN read_csv(?) t USING (customer_id)", {Truth()});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_GT(r->row_count(), 4000u);
  ChurnAucs truth_auc = ChurnAucsOf(*r);
  EXPECT_GT(truth_auc.learned, truth_auc.heuristic);
}

TEST_F(GeneratedShopTest, ScoresCarryShapDriversAndTheModelIsStoredAndReused) {
  std::shared_ptr<store::Database> db;
  {
    auto conn = Connect(&db, Db());
    auto r = conn->Query(
        "SELECT count(*), count(*) FILTER (WHERE churn_risk BETWEEN 0 AND 1), "
        "count(*) FILTER (WHERE json_array_length(risk_factors) = 3), "
        "count(*) FILTER (WHERE risk_factors->0->>'feature' IS NOT NULL) FROM gold.customer_scores");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->GetInt64(1, 0), r->GetInt64(0, 0));
    EXPECT_EQ(r->GetInt64(2, 0), r->GetInt64(0, 0));
    EXPECT_EQ(r->GetInt64(3, 0), r->GetInt64(0, 0));
    auto m = conn->Query("SELECT count(*), max(metrics->>'roc_auc')::DOUBLE, max(json_array_length(features->'numeric')) "
                         "FROM meta.churn_models");
    ASSERT_TRUE(m.ok()) << m.status().message();
    EXPECT_EQ(m->GetInt64(0, 0), 1);
    EXPECT_GT(m->GetDouble(1, 0), 0.7);
    EXPECT_GT(m->GetInt64(2, 0), 5);
  }
  db.reset();
  // A full run over the same data reuses the stored model instead of training again.
  auto again = RunCli("run --full --db " + Db());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("reused"), std::string::npos) << again.out;
  auto conn = Connect(&db, Db());
  EXPECT_EQ(conn->Query("SELECT count(*) FROM meta.churn_models")->GetInt64(0, 0), 1);
}

TEST_F(GeneratedShopTest, LargeShopsBuildCutoffFeaturesForAHashSampleAndRestoreTheGoldTables) {
  testing::TempDir dir;
  OpenCopy(dir);
  auto digest = [&](const std::string& table) {
    auto r = conn_->Query("SELECT count(*), sum(hash(t::VARCHAR)) FROM " + table + " t");
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r->GetString(0, 0) + "/" + r->GetString(1, 0) : std::string();
  };
  const std::string features = digest("gold.customer_features");
  auto as_of = conn_->Query("SELECT max(as_of)::VARCHAR FROM gold.customer_features");
  ASSERT_TRUE(as_of.ok());
  ChurnModelOptions o;
  o.max_train_rows = 1000;  // the shop has ~5,000 customers at each cutoff
  o.max_valid_rows = 1600;
  auto tx = store::Transaction::Begin(*conn_);  // as in a run
  ASSERT_TRUE(tx.ok());
  auto report = ScoreLearnedChurn(*conn_, as_of->GetString(0, 0), o);
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_TRUE(report->learned) << report->message;
  EXPECT_FALSE(report->reused);  // the sample sizes are part of the model's key
  EXPECT_EQ(report->evaluation.train_rows, 1000);
  EXPECT_GT(report->evaluation.eval_rows, 600);  // about half of the 1,600 validation rows
  EXPECT_LT(report->evaluation.eval_rows, 1000);
  EXPECT_GT(report->evaluation.roc_auc, 0.7);
  EXPECT_EQ(digest("gold.customer_features"), features);  // restored after the cutoff rebuilds
  auto scored = conn_->Query(
      "SELECT count(*), count(*) FILTER (WHERE churn_risk BETWEEN 0 AND 1) FROM gold.customer_scores");
  ASSERT_TRUE(scored.ok());
  EXPECT_EQ(scored->GetInt64(1, 0), scored->GetInt64(0, 0));
  EXPECT_EQ(report->scored, scored->GetInt64(0, 0));  // everyone is scored, not just the sample
  EXPECT_TRUE(conn_->Query("SELECT count(*) FROM ci_churn_train_sample").status().message().find("does not exist") !=
              std::string::npos);  // the sample tables are dropped
}

TEST_F(GeneratedShopTest, SubscriptionLabelIsCrossValidated) {
  // A copy of the shop whose customers carry a churned flag (from the truth) and a contract
  // attribute, as a subscription business would export them.
  TempDir work;
  testing::CopyDatabase(Db(), work.File("sub.duckdb"));
  {
    std::shared_ptr<store::Database> db;
    auto conn = Connect(&db, work.File("sub.duckdb"));
    Status s = conn->Execute(
        "COPY (SELECT c.*, CASE WHEN t.alive_at_window_end THEN 'no' ELSE 'yes' END AS churned, "
        "CASE WHEN hash(c.customer_id) % 3 = 0 THEN 'monthly' ELSE 'annual' END AS contract "
        "FROM read_csv('" + ShopFile("customers.csv") + "', all_varchar = true) c "
        "JOIN read_csv('" + Truth() + "') t USING (customer_id)) TO '" + work.File("customers.csv") + "'");
    ASSERT_TRUE(s.ok()) << s.message();
  }
  auto ingest = RunCli("ingest --db " + work.File("sub.duckdb") + " " + work.File("customers.csv"));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err << ingest.out;
  auto ev = RunCli("evaluate churn --label churned --json --db " + work.File("sub.duckdb"));
  ASSERT_EQ(ev.exit_code, 0) << ev.err;
  auto j = nlohmann::json::parse(ev.out);
  EXPECT_EQ(j["mode"], "cross_validation");
  EXPECT_GT(j["roc_auc"].get<double>(), j["heuristic"]["roc_auc"].get<double>()) << ev.out;
  bool has_contract = false;
  for (const auto& f : j["features"]) has_contract |= f.get<std::string>().rfind("attributes.contract=", 0) == 0;
  EXPECT_TRUE(has_contract) << ev.out;

  auto scored = RunCli("churn-model --label churned --json --db " + work.File("sub.duckdb"));
  ASSERT_EQ(scored.exit_code, 0) << scored.err;
  auto s = nlohmann::json::parse(scored.out);
  EXPECT_TRUE(s["learned"].get<bool>()) << scored.out;
  EXPECT_EQ(s["scored"].get<int64_t>(), 5000);
  // Rescoring reassigns segments with their profiles: segment insights can still be written.
  auto refreshed = RunCli("insights --refresh --db " + work.File("sub.duckdb"));
  EXPECT_EQ(refreshed.exit_code, 0) << refreshed.err;

  auto bad = RunCli("evaluate churn --label no_such_flag --db " + work.File("sub.duckdb"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("no customer carries a churn label 'no_such_flag'"), std::string::npos) << bad.err;
  auto usage = RunCli("evaluate churn --horizon 2 --db " + work.File("sub.duckdb"));
  EXPECT_EQ(usage.exit_code, 2) << usage.err;
}

// ---- Incremental runs: the scope rescored with the last full run's model ------------------

class ScopedChurnTest : public GeneratedShopTest {
 protected:
  void SetUp() override {
    OpenCopy(work_);
    as_of_ = LastRunAsOf();
    Exec("CREATE TEMP TABLE before_scores AS SELECT * FROM gold.customer_scores; "
         "CREATE TEMP TABLE before_models AS SELECT * FROM meta.churn_models");
  }
  Result<ChurnScoreReport> ScoreScope() { return ScoreLearnedChurn(*conn_, as_of_, {}, scope_); }

  testing::TempDir work_;
  std::string as_of_;
  const features::Scope scope_ = features::Scope::Customers("ci_scope");
};

TEST_F(ScopedChurnTest, RescoringTheScopeGivesTheFullRunsScoresAndDrivers) {
  Exec("CREATE TEMP TABLE ci_scope AS SELECT customer_id FROM gold.customer_scores WHERE hash(customer_id) % 50 = 0");
  const int64_t n = Query("SELECT count(*) FROM ci_scope").GetInt64(0, 0);
  ASSERT_GT(n, 50);
  // The scope's learned scores are gone (an incremental run's heuristic step resets them).
  Exec("UPDATE gold.customer_scores SET churn_risk = churn_risk_heuristic, risk_factors = NULL "
       "WHERE customer_id IN (SELECT customer_id FROM ci_scope)");
  auto report = ScoreScope();
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->learned) << report->message;
  EXPECT_EQ(report->scored, n);
  EXPECT_NE(report->message.find(std::to_string(n) + " customers rescored with model"), std::string::npos)
      << report->message;
  EXPECT_EQ(RowDifferences(*conn_, "gold.customer_scores", "before_scores"), 0);
  EXPECT_EQ(RowDifferences(*conn_, "meta.churn_models", "before_models"), 0);
}

TEST_F(ScopedChurnTest, AboveTheExactDriversCapAScopeGetsTheFullScoringsApproximateDrivers) {
  // The shop (~5,000 customers) is above a cap of 1,000, the scope (~100) below it: the choice
  // follows the shop, so the rescored customers get what scoring everyone gives them.
  ChurnModelOptions o;
  o.exact_drivers_max_rows = 1000;
  auto tx = store::Transaction::Begin(*conn_);
  ASSERT_TRUE(tx.ok());
  auto full = ScoreLearnedChurn(*conn_, as_of_, o);  // reuses the stored model; scores everyone
  ASSERT_TRUE(full.ok()) << full.status().message();
  ASSERT_TRUE(full->reused) << full->message;
  EXPECT_GT(RowDifferences(*conn_, "gold.customer_scores", "before_scores"), 0);  // exact → approximate
  Exec("CREATE TEMP TABLE full_scores AS SELECT * FROM gold.customer_scores; "
       "CREATE TEMP TABLE ci_scope AS SELECT customer_id FROM gold.customer_scores WHERE hash(customer_id) % 50 = 0; "
       "UPDATE gold.customer_scores SET churn_risk = churn_risk_heuristic, risk_factors = NULL "
       "WHERE customer_id IN (SELECT customer_id FROM ci_scope)");
  auto scoped = ScoreLearnedChurn(*conn_, as_of_, o, scope_);
  ASSERT_TRUE(scoped.ok()) << scoped.status().message();
  EXPECT_GT(scoped->scored, 50);
  EXPECT_EQ(RowDifferences(*conn_, "gold.customer_scores", "full_scores"), 0);
}

TEST_F(ScopedChurnTest, AnIncrementalRunRescoresOnlyTheScopeWithoutTraining) {
  // Five customers buy again the day before as_of, a new one arrives with a first order, and
  // five more are in the scope with nothing changed.
  Exec("CREATE TEMP TABLE changed AS SELECT customer_id FROM silver.customers ORDER BY hash(customer_id) LIMIT 5; "
       "CREATE TEMP TABLE unchanged AS SELECT customer_id FROM silver.customers "
       "WHERE customer_id NOT IN (SELECT customer_id FROM changed) ORDER BY hash(customer_id) DESC LIMIT 5");
  const std::string day_before = "'" + as_of_ + "'::TIMESTAMPTZ - INTERVAL 1 DAY";
  Exec("INSERT INTO silver.customers(customer_id, acquisition_date) VALUES ('scoped-new', " + day_before + " - "
       "INTERVAL 20 DAY); "
       "INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) "
       "SELECT 'scoped-' || customer_id, customer_id, " + day_before + ", 40, 'completed' "
       "FROM (SELECT customer_id FROM changed UNION ALL SELECT 'scoped-new'); "
       "INSERT INTO silver.order_items(order_id, product_id, quantity, unit_price) "
       "SELECT order_id, (SELECT min(product_id) FROM silver.products), 1, 40 FROM silver.orders "
       "WHERE order_id LIKE 'scoped-%'; "
       "CREATE TEMP TABLE ci_scope AS SELECT customer_id FROM changed UNION ALL SELECT customer_id FROM unchanged "
       "UNION ALL SELECT 'scoped-new'");
  // The steps before it in an incremental run.
  Status s = features::BuildCustomerFeatures(*conn_, as_of_, scope_);
  ASSERT_TRUE(s.ok()) << s.message();
  s = ScoreChurnHeuristic(*conn_, as_of_, scope_);
  ASSERT_TRUE(s.ok()) << s.message();
  s = ScoreClv(*conn_, as_of_, {}, scope_).status();
  ASSERT_TRUE(s.ok()) << s.message();
  auto report = ScoreScope();
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->learned) << report->message;
  EXPECT_EQ(report->scored, 11);
  // Nobody else moved, and nothing was trained.
  EXPECT_EQ(RowDifferences(*conn_, "gold.customer_scores", "before_scores",
                           "customer_id NOT IN (SELECT customer_id FROM ci_scope)"), 0);
  EXPECT_EQ(RowDifferences(*conn_, "meta.churn_models", "before_models"), 0);
  // Unchanged customers get their very scores and drivers back through every scoped step.
  const std::string churn_columns = "SELECT customer_id, churn_risk, churn_risk_heuristic, risk_factors::VARCHAR, p_alive FROM ";
  EXPECT_EQ(RowDifferences(*conn_, "(" + churn_columns + "gold.customer_scores)", "(" + churn_columns + "before_scores)",
                           "customer_id IN (SELECT customer_id FROM unchanged)"), 0);
  // The changed and the new customer are scored by the model, with its drivers.
  auto r = Query("SELECT count(*), count(*) FILTER (WHERE churn_risk BETWEEN 0 AND 1 "
                 "AND json_array_length(risk_factors) = 3 AND json_extract(risk_factors, '$[0].shap') IS NOT NULL) "
                 "FROM gold.customer_scores WHERE customer_id IN (SELECT customer_id FROM changed UNION ALL SELECT 'scoped-new')");
  EXPECT_EQ(r.GetInt64(0, 0), 6);
  EXPECT_EQ(r.GetInt64(1, 0), 6);
  auto moved = Query("SELECT count(*) FROM gold.customer_scores s JOIN before_scores b USING (customer_id) "
                     "WHERE customer_id IN (SELECT customer_id FROM changed) AND s.churn_risk IS DISTINCT FROM b.churn_risk");
  EXPECT_GT(moved.GetInt64(0, 0), 0);  // a purchase yesterday changes what the model sees
}

}  // namespace
}  // namespace custintel::models
