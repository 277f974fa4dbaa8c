// `custintel evaluate grounding` end to end (issue 7, Show): the real binary on the project's
// labelled set meets the issue's targets; the scoring on a small hand-made set; bad sets fail
// with a message naming the problem.
#include "insight/grounding/evaluate_grounding.h"

#include <gtest/gtest.h>

#include <iostream>

#include "testing/testing.h"

namespace custintel::insight {
namespace {

using custintel::testing::RunCli;

nlohmann::json TinySet() {
  return nlohmann::json::parse(R"J({
    "shops": [{"id": "s", "catalog": {"segments": ["A", "B"], "products": ["Tea Bags (80)"]},
      "sheets": [
        {"subject": {"kind": "segment", "id": "A"}, "title": "A",
         "facts": [{"name": "size", "value": 120, "unit": "count", "label": "customers in the segment"}]},
        {"subject": {"kind": "segment", "id": "B"}, "title": "B",
         "facts": [{"name": "size", "value": 80, "unit": "count", "label": "customers in the segment"}]}]}],
    "cases": [
      {"id": "ok", "shop": "s", "subject": "A", "text": "Segment A has 120 customers.", "faults": []},
      {"id": "wrong", "shop": "s", "subject": "A", "text": "Segment A has 80 customers.", "faults": ["wrong_subject_number"]},
      {"id": "missed", "shop": "s", "subject": "A", "text": "Segment A has 120 customers who buy tea.", "faults": ["unsupported_claim"]}
    ]})J");
}

TEST(EvaluateGrounding, ScoresPerKindAndOverall) {
  Result<GroundingEvalSet> set = ParseGroundingEvalSet(TinySet());
  ASSERT_TRUE(set.ok()) << set.status().message();
  GroundingEvalReport r = EvaluateGrounding(*set);
  EXPECT_EQ(r.cases, 3);
  EXPECT_EQ(r.true_positive, 1);
  EXPECT_EQ(r.false_negative, 1);
  EXPECT_EQ(r.false_positive, 0);
  EXPECT_DOUBLE_EQ(r.precision, 1.0);
  EXPECT_DOUBLE_EQ(r.recall, 0.5);
  ASSERT_EQ(r.kinds.size(), 4u);
  EXPECT_EQ(r.kinds[1].fault, "wrong_subject_number");
  EXPECT_EQ(r.kinds[1].detected, 1);
  EXPECT_EQ(r.kinds[3].fault, "unsupported_claim");
  EXPECT_EQ(r.kinds[3].detected, 0);
  nlohmann::json j = r.ToJson();
  EXPECT_EQ(j["misses"].size(), 1u);
  EXPECT_EQ(j["confusion"]["wrong_subject_number"]["number"], 1);
}

TEST(EvaluateGrounding, BadSetsNameTheProblem) {
  nlohmann::json j = TinySet();
  j["cases"][0]["faults"] = {"typo_fault"};
  Result<GroundingEvalSet> s = ParseGroundingEvalSet(j);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("case 'ok': unknown fault \"typo_fault\""), std::string::npos) << s.status().message();
  j = TinySet();
  j["cases"][1]["subject"] = "C";
  s = ParseGroundingEvalSet(j);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("shop 's' has no sheet 'C'"), std::string::npos) << s.status().message();
}

TEST(EvaluateGrounding, EmbeddedSetIsBigEnough) {
  Result<GroundingEvalSet> set = LoadGroundingEvalSet("");
  ASSERT_TRUE(set.ok()) << set.status().message();
  std::map<std::string, int> per;
  for (const auto& c : set->cases) per[c.faults.empty() ? "grounded" : c.faults[0]]++;
  EXPECT_GE(per["grounded"], 40);
  for (const std::string& k : GroundingFaultKinds()) EXPECT_GE(per[k], 40) << k;
}

TEST(EvaluateGrounding, EmbeddedSetMeetsTheIssueTargets) {
  Result<GroundingEvalSet> set = LoadGroundingEvalSet("");
  ASSERT_TRUE(set.ok()) << set.status().message();
  GroundingEvalReport r = EvaluateGrounding(*set);
  EXPECT_GE(r.kinds[0].recall, 0.95) << r.ToText();
  EXPECT_GE(r.kinds[1].recall, 0.95) << r.ToText();
  EXPECT_GE(r.kinds[2].recall, 0.9) << r.ToText();
  EXPECT_GE(r.precision, 0.9) << r.ToText();
  // Issue 21: claims (places, groups, causes, channels, habits, time) are caught, precisely.
  EXPECT_GE(r.kinds[3].recall, 0.9) << r.ToText();
  EXPECT_GE(r.kinds[3].precision, 0.95) << r.ToText();
  EXPECT_GE(r.precision, 0.95) << r.ToText();
  int hand = 0, caught = 0;
  for (const GroundingEvalCaseResult& c : r.results) {
    if (!c.id.starts_with("claim-hand-")) continue;
    ++hand;
    caught += !c.passed && std::find(c.flag_kinds.begin(), c.flag_kinds.end(), "unsupported") != c.flag_kinds.end();
  }
  ASSERT_GE(hand, 40);
  std::cout << "hand-written claims caught: " << caught << " of " << hand << "\n";
  EXPECT_GE(static_cast<double>(caught) / hand, 0.9);
  std::cout << r.ToText() << r.ToJson()["misses"].dump(1) << "\n";
}

// The Show item: the evaluator meets the issue's targets on the project's labelled set.
TEST(EvaluateGroundingCli, MeetsTheIssueTargets) {
  auto r = RunCli("evaluate grounding --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_GE(j["kinds"]["wrong_number"]["recall"].get<double>(), 0.95) << r.out;
  EXPECT_GE(j["kinds"]["wrong_subject_number"]["recall"].get<double>(), 0.95) << r.out;
  EXPECT_GE(j["kinds"]["invented_entity"]["recall"].get<double>(), 0.9) << r.out;
  EXPECT_GE(j["precision"].get<double>(), 0.9) << r.out;
  EXPECT_GE(j["cases"].get<int>(), 200);
}

TEST(EvaluateGroundingCli, TextOutputAndErrors) {
  auto r = RunCli("evaluate grounding");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrong_subject_number"), std::string::npos);
  EXPECT_NE(r.out.find("overall"), std::string::npos);
  EXPECT_NE(r.out.find("confusion"), std::string::npos);
  testing::TempDir dir;
  r = RunCli("evaluate grounding --set " + dir.File("missing.json"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot read the grounding set"), std::string::npos) << r.err;
  testing::WriteFile(dir.File("bad.json"), "{\"shops\": []}");
  r = RunCli("evaluate grounding --set " + dir.File("bad.json"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no \"cases\""), std::string::npos) << r.err;
  r = RunCli("evaluate grounding --pass-score 1.5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--pass-score must be in [0, 1]"), std::string::npos) << r.err;
  testing::WriteFile(dir.File("tiny.json"), TinySet().dump());
  r = RunCli("evaluate grounding --json --set " + dir.File("tiny.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["cases"], 3);
}

// check-grounding on a real shop: the sheets and catalog come from the database.
class CheckGroundingShop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    db_ = " --db " + dir_->File("shop.duckdb");
    ASSERT_EQ(RunCli("gen-data --customers 1000 --seed 7 --out " + dir_->File("shop")).exit_code, 0);
    ASSERT_EQ(RunCli("ingest" + db_ + " --dir " + dir_->File("shop")).exit_code, 0);
    auto run = RunCli("run" + db_);
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string Sql(const std::string& query) {
    auto r = RunCli("sql --csv" + db_ + " \"" + query + "\"");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string out = r.out.substr(r.out.find('\n') + 1);  // drop the header row
    return out.substr(0, out.find('\n'));
  }
  static testing::TempDir* dir_;
  static std::string db_;
};
testing::TempDir* CheckGroundingShop::dir_ = nullptr;
std::string CheckGroundingShop::db_;

TEST_F(CheckGroundingShop, SegmentTextFromItsFactsPasses) {
  std::string size = Sql("SELECT size FROM gold.segments WHERE segment = 'Regular'");
  ASSERT_FALSE(size.empty());
  auto r = RunCli("check-grounding --json --segment Regular" + db_ + " --text 'The Regular segment holds " + size +
                  " customers.'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["passed"], true) << r.out;
  EXPECT_EQ(j["subject"]["id"], "Regular");
}

TEST_F(CheckGroundingShop, WrongNumberAndInventedProductAreFlagged) {
  std::string size = Sql("SELECT size + 17 FROM gold.segments WHERE segment = 'Regular'");
  auto r = RunCli("check-grounding --segment Regular" + db_ + " --text 'The Regular segment holds " + size +
                  " customers. Most of them buy Moonbeam Espresso Pods.'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("NOT grounded"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("number: sentence 1: '" + size + "' matches no number fact of Regular"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("entity: sentence 2: 'Moonbeam Espresso Pods'"), std::string::npos) << r.out;
}

TEST_F(CheckGroundingShop, CustomerTextAndMissingSubjects) {
  std::string id = Sql("SELECT customer_id FROM gold.customer_scores ORDER BY customer_id LIMIT 1");
  std::string risk = Sql("SELECT printf('%.1f', churn_risk * 100) FROM gold.customer_scores WHERE customer_id = '" + id + "'");
  auto r = RunCli("check-grounding --json --customer " + id + db_ + " --text 'This customer has a churn risk of " + risk + "%.'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["passed"], true) << r.out;
  r = RunCli("check-grounding --customer NOPE" + db_ + " --text 'x'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("NOPE"), std::string::npos) << r.err;
  r = RunCli("check-grounding --segment Regular --db " + dir_->File("missing.duckdb") + " --text 'x'");
  EXPECT_EQ(r.exit_code, 1);
}

TEST(CheckGroundingCli, UsageErrors) {
  auto r = RunCli("check-grounding --text 'x'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("exactly one of --segment ID or --customer ID"), std::string::npos) << r.err;
  r = RunCli("check-grounding --segment A --customer C1 --text 'x'");
  EXPECT_EQ(r.exit_code, 2);
  r = RunCli("check-grounding --segment A");
  EXPECT_EQ(r.exit_code, 2);
  r = RunCli("check-grounding --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--customer"), std::string::npos);
}

}  // namespace
}  // namespace custintel::insight
