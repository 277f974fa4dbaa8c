// Each summary figure is defined once (issue 20 item 4, src/features/kpis.h): on one database
// the CLI (`custintel summary --json`), the REST API (GET /v1/summary, which the dashboard
// shows), the run's gold.executive_metrics and `ask` (CLI and POST /v1/ask) give the same
// number for customers, high risk, average LTV, revenue at risk, reviews, average rating and
// open tickets — and an account key's /v1/summary and /v1/ask agree within its scope.
#include <gtest/gtest.h>

#include <cmath>

#include "features/kpis.h"
#include "serve_harness.h"

namespace custintel::server::testing {
namespace {

using nlohmann::json;
using custintel::testing::RunCli;

// The question a person types for each figure.
const std::map<std::string, std::string> kQuestions = {
    {"customers", "how many customers do we have"},     {"high_risk", "how many high risk customers"},
    {"lapsed", "how many lapsed customers"},            {"value_at_stake", "value at stake"},
    {"avg_ltv", "average lifetime value"},              {"revenue_at_risk", "revenue at risk"},
    {"reviews", "how many reviews"},                    {"avg_rating", "average rating"},
    {"open_tickets", "how many open tickets"}};

// Equal as shown: counts exactly, the others to the figure's decimals.
void ExpectSame(const features::Kpi& k, const json& a, const json& b, const std::string& what) {
  ASSERT_TRUE(a.is_number() && b.is_number()) << k.name << " " << what << ": " << a << " vs " << b;
  if (k.round < 0) {
    EXPECT_EQ(a.get<int64_t>(), b.get<int64_t>()) << k.name << " " << what;
  } else {
    EXPECT_NEAR(a.get<double>(), b.get<double>(), 0.5 * std::pow(10.0, -k.round) + 1e-9) << k.name << " " << what;
  }
}

class FiguresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Fixture& f = SharedFixture();
    if (!f.setup_error.empty()) return;
    const std::string db = "'" + f.data_dir + "/tenants/acme.duckdb'";
    // The CLI reads the database before the server holds it.
    auto summary = RunCli("summary --json --db " + db);
    cli_summary_ = new json(json::parse(summary.out, nullptr, false));
    cli_ask_ = new json(json::object());
    for (const auto& [name, question] : kQuestions) {
      auto r = RunCli("ask --json --db " + db + " '" + question + "'");
      (*cli_ask_)[name] = json::parse(r.out, nullptr, false);
    }
    auto metrics = RunCli("sql --json --db " + db +
                          " \"SELECT metric, value FROM gold.executive_metrics WHERE run_id = "
                          "(SELECT max(run_id) FROM gold.executive_metrics)\"");
    metrics_ = new json(json::parse(metrics.out, nullptr, false));
    server_ = new ServeProcess(f.data_dir, f.config_path);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(SharedFixture().setup_error.empty()) << SharedFixture().setup_error;
    ASSERT_TRUE(server_ && server_->ok()) << (server_ ? server_->log() : "");
  }
  static Api As(const std::string& who) { return Api(server_->port(), SharedFixture().keys.at(who)); }
  static json AskApi(const std::string& who, const std::string& question) {
    auto r = As(who).Post("/v1/ask", json{{"question", question}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false);
  }
  static ServeProcess* server_;
  static json *cli_summary_, *cli_ask_, *metrics_;
};
ServeProcess* FiguresTest::server_ = nullptr;
json* FiguresTest::cli_summary_ = nullptr;
json* FiguresTest::cli_ask_ = nullptr;
json* FiguresTest::metrics_ = nullptr;

TEST_F(FiguresTest, CliApiExecutiveMetricsAndAskGiveOneNumberEach) {
  ASSERT_TRUE(cli_summary_->is_object()) << cli_summary_->dump();
  json api = As("acme/admin").GetJson("/v1/summary")["kpis"];
  ASSERT_TRUE(api.is_object());
  std::map<std::string, json> recorded;
  for (const auto& row : *metrics_) recorded[row["metric"].get<std::string>()] = row["value"];
  for (const features::Kpi& k : features::SummaryKpis()) {
    const std::string name(k.name);
    ExpectSame(k, (*cli_summary_)[name], api[name], "CLI summary vs GET /v1/summary");
    const json& cli_ask = (*cli_ask_)[name];
    ASSERT_TRUE(cli_ask["answered"].get<bool>()) << name << ": " << cli_ask.dump();
    ExpectSame(k, cli_ask["rows"][0][0], api[name], "custintel ask vs GET /v1/summary");
    json api_ask = AskApi("acme/analyst", kQuestions.at(name));
    ASSERT_TRUE(api_ask["answered"].get<bool>()) << name << ": " << api_ask.dump();
    ExpectSame(k, api_ask["rows"][0][0], api[name], "POST /v1/ask vs GET /v1/summary");
    if (recorded.count(name)) ExpectSame(k, recorded[name], api[name], "gold.executive_metrics vs GET /v1/summary");
  }
  EXPECT_EQ(recorded.size(), 8u);  // revenue at risk is not in the run's history
}

TEST_F(FiguresTest, AnAccountKeysSummaryAndAskAgreeWithinItsScope) {
  json api = As("acme/account").GetJson("/v1/summary")["kpis"];
  ASSERT_TRUE(api.is_object());
  EXPECT_EQ(api["customers"].get<int64_t>(), static_cast<int64_t>(SharedFixture().account_customers.size()));
  for (const features::Kpi& k : features::SummaryKpis()) {
    const std::string name(k.name);
    json a = AskApi("acme/account", kQuestions.at(name));
    ASSERT_TRUE(a["answered"].get<bool>()) << name << ": " << a.dump();
    ExpectSame(k, a["rows"][0][0], api[name], "account key: POST /v1/ask vs GET /v1/summary");
  }
  // The new kinds of question (issue 28) are scoped like the rest: a share's whole, a rate's
  // parts and an outcome count are the account's own.
  json share = AskApi("acme/account", "what share of customers are high risk");
  ASSERT_TRUE(share["answered"].get<bool>()) << share.dump();
  EXPECT_EQ(share["rows"][0][1], api["high_risk"]) << share.dump();
  EXPECT_EQ(share["rows"][0][2], api["customers"]) << share.dump();
  json whole = AskApi("acme/analyst", "what's the cancellation rate");
  json mine = AskApi("acme/account", "what's the cancellation rate");
  ASSERT_TRUE(whole["answered"].get<bool>() && mine["answered"].get<bool>()) << mine.dump();
  EXPECT_LT(mine["rows"][0][2].get<int64_t>(), whole["rows"][0][2].get<int64_t>()) << mine.dump();
  json clicks = AskApi("acme/account", "how many email clicks");
  json all_clicks = AskApi("acme/analyst", "how many email clicks");
  ASSERT_TRUE(clicks["answered"].get<bool>()) << clicks.dump();
  EXPECT_LT(clicks["rows"][0][0].get<int64_t>(), all_clicks["rows"][0][0].get<int64_t>());
}

}  // namespace
}  // namespace custintel::server::testing
