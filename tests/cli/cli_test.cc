// End-to-end: the real `custintel` binary on a small generated shop.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "insight/drivers.h"
#include "testing/testing.h"

namespace custintel {
namespace {

using testing::RunCli;
using testing::TempDir;

TEST(Cli, UnknownSubcommandOrFlagIsUsageErrorExit2) {
  auto r = RunCli("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("custintel: error:"), std::string::npos) << r.err;
  auto f = RunCli("run --no-such-flag");
  EXPECT_EQ(f.exit_code, 2);
  EXPECT_NE(f.err.find("--no-such-flag"), std::string::npos) << f.err;
  EXPECT_EQ(RunCli("").exit_code, 2);
}

TEST(Cli, VersionNamesTheEnginesAndTheAllocator) {
  auto r = RunCli("version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("DuckDB v1.4.4"), std::string::npos) << r.out;
#if !CUSTINTEL_SANITIZED
  EXPECT_NE(r.out.find("mimalloc 2."), std::string::npos) << r.out;  // linked in place of glibc's malloc
#else
  EXPECT_NE(r.out.find("system malloc"), std::string::npos) << r.out;
#endif
}

TEST(Cli, HelpOnEverySubcommandExits0) {
  for (const char* sub : {"version", "gen-data", "ingest", "run", "sql", "segments", "customer",
                          "summary", "demo"}) {
    auto r = RunCli(std::string(sub) + " --help");
    EXPECT_EQ(r.exit_code, 0) << sub << ": " << r.err;
    EXPECT_NE(r.out.find("--db"), std::string::npos) << sub;
  }
}

TEST(Cli, MissingFileIsOneLineExit1) {
  TempDir dir;
  auto r = RunCli("ingest --db " + dir.File("x.duckdb") + " --kind orders " + dir.File("nope.csv"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "custintel: error: " + dir.File("nope.csv") + ": no such file\n");
}

TEST(Cli, AnUnreadableCsvIsOneLineNamingTheFileAndWhatToLookFor) {
  TempDir dir;
  // Carriage returns inside a field (a CRLF file split on whitespace): no dialect fits.
  testing::WriteFile(dir.File("orders.csv"),
                     "order_id,customer_id,ordered_at,amount,status\nO1,C1,1997-01-01T12:00:00Z,11.77\r,completed\n"
                     "O2,C2,1997-01-02T12:00:00Z,12.00\r,completed\nO3,C3,1997-01-03T12:00:00Z,5.00\r,completed\n");
  auto r = RunCli("ingest --db " + dir.File("x.duckdb") + " --kind orders " + dir.File("orders.csv"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "custintel: error: " + dir.File("orders.csv") +
                       ": cannot read it as CSV: no delimiter, quote and header layout fits every line (look for "
                       "a stray carriage return or quote, or lines with another number of fields)\n");
}

TEST(Cli, DbThatIsNotDuckDbIsRefusedAndUntouched) {
  TempDir dir;
  std::string path = dir.File("important.txt");
  std::string content(4096, 'x');
  testing::WriteFile(path, content);
  auto r = RunCli("sql --db " + path + " \"SELECT 1\"");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is not a DuckDB database file"), std::string::npos) << r.err;
  EXPECT_EQ(testing::ReadFile(path), content);
}

TEST(Cli, BadAsOfIsAnError) {
  TempDir dir;
  auto r = RunCli("run --db " + dir.File("none.duckdb"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no such database"), std::string::npos) << r.err;
}

TEST(Cli, MemoryLimitComesFromTheFlagOrTheConfigAndABadOneIsNamed) {
  TempDir dir;
  const std::string db = " --db " + dir.File("m.duckdb");
  const std::string query = " \"SELECT current_setting('memory_limit') AS m\" --csv";
  auto flag = RunCli("sql --memory-limit 1GiB" + db + query);
  ASSERT_EQ(flag.exit_code, 0) << flag.err;
  EXPECT_EQ(flag.out, "m\n1.0 GiB\n");
  testing::WriteFile(dir.File("small.toml"), "[database]\nmemory_limit = \"512MiB\"\n");
  auto config = RunCli("sql --config " + dir.File("small.toml") + db + query);
  ASSERT_EQ(config.exit_code, 0) << config.err;
  EXPECT_EQ(config.out, "m\n512.0 MiB\n");
  auto both = RunCli("sql --memory-limit 1GiB --config " + dir.File("small.toml") + db + query);
  EXPECT_EQ(both.out, "m\n1.0 GiB\n");  // the flag wins
  // Out of memory under the limit: one line naming what to raise, not DuckDB's SET advice.
  auto oom = RunCli("sql --memory-limit 8MiB" + db + " \"SELECT list(i::VARCHAR) FROM range(3000000) t(i)\"");
  EXPECT_EQ(oom.exit_code, 1);
  EXPECT_NE(oom.err.find("Out of Memory Error"), std::string::npos) << oom.err;
  EXPECT_NE(oom.err.find("(raise --memory-limit or [database] memory_limit"), std::string::npos) << oom.err;
  EXPECT_EQ(oom.err.find("SET threads"), std::string::npos) << oom.err;
  EXPECT_EQ(std::count(oom.err.begin(), oom.err.end(), '\n'), 1) << oom.err;
  auto bad = RunCli("sql --memory-limit lots" + db + query);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--memory-limit: bad DuckDB setting memory_limit=lots"), std::string::npos) << bad.err;
  testing::WriteFile(dir.File("bad.toml"), "[database]\nmemory_limit = \"lots\"\n");
  auto bad_config = RunCli("sql --config " + dir.File("bad.toml") + db + query);
  EXPECT_EQ(bad_config.exit_code, 1);
  EXPECT_NE(bad_config.err.find("bad.toml: [database] memory_limit"), std::string::npos) << bad_config.err;
}

class CliShopTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = dir_->File("shop.duckdb");
    auto run = testing::BuildShop(*dir_, 2000, 7, db_, "--as-of 2026-06-30");
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static TempDir* dir_;
  static std::string db_;
};
TempDir* CliShopTest::dir_ = nullptr;
std::string CliShopTest::db_;

TEST_F(CliShopTest, SqlPrintsTableCsvAndJson) {
  auto table = RunCli("sql --db " + db_ + " \"SELECT 1 AS a, 'x' AS b\"");
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_EQ(table.out, "a  b\n-  -\n1  x\n(1 row)\n");
  auto csv = RunCli("sql --csv --db " + db_ + " \"SELECT 1 AS a, 'x,y' AS b\"");
  EXPECT_EQ(csv.out, "a,b\n1,\"x,y\"\n");
  auto json = RunCli("sql --json --db " + db_ + " \"SELECT count(*) AS n FROM silver.customers\"");
  EXPECT_EQ(nlohmann::json::parse(json.out)[0]["n"], 2000);
  // Lists and structs print as JSON, nested in --json.
  auto nested = RunCli("sql --json --db " + db_ + " \"SELECT [1, 2] AS l, {'k': 'v'} AS s\"");
  ASSERT_EQ(nested.exit_code, 0) << nested.err;
  auto row = nlohmann::json::parse(nested.out)[0];
  EXPECT_EQ(row["l"], nlohmann::json::parse("[1,2]")) << nested.out;
  EXPECT_EQ(row["s"]["k"], "v") << nested.out;
  auto bad = RunCli("sql --db " + db_ + " \"SELEC 1\"");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("syntax error"), std::string::npos) << bad.err;
}

TEST_F(CliShopTest, SummaryNamesAsOfSegmentsAndTopRisk) {
  auto r = RunCli("summary --json --db " + db_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["as_of"], "2026-06-30 00:00:00+00");
  EXPECT_EQ(j["customers"], 2000);
  ASSERT_EQ(j["top_at_risk"].size(), 10u);
  // Drivers: the learned model's SHAP drivers, or the heuristic's inputs when it could not train.
  const auto& factors = j["top_at_risk"][0]["risk_factors"];
  EXPECT_TRUE((factors.is_array() || factors.is_object()) && !factors.empty()) << factors.dump();
  int64_t total = 0;
  for (const auto& s : j["segments"]) total += s["size"].get<int64_t>();
  EXPECT_EQ(total, 2000);
  // Segments carry what later steps know: CLV, sentiment, favourite categories.
  auto seg = RunCli("sql --json --db " + db_ + " \"SELECT avg_clv, avg_sentiment, len(top_categories) AS n_categories FROM gold.segments "
                    "ORDER BY size DESC LIMIT 1\"");
  ASSERT_EQ(seg.exit_code, 0) << seg.err;
  auto biggest = nlohmann::json::parse(seg.out)[0];
  EXPECT_GT(biggest["avg_clv"].get<double>(), 0) << seg.out;
  EXPECT_TRUE(biggest["avg_sentiment"].is_number()) << seg.out;
  EXPECT_GE(biggest["n_categories"].get<int64_t>(), 1) << seg.out;
  auto text = RunCli("summary --db " + db_);
  EXPECT_NE(text.out.find("as of 2026-06-30"), std::string::npos);
  // The table names the drivers in words (the raising ones; an at-risk customer — by their own
  // rhythm — may have none the model counts as raising: take the first of the ten that has); the
  // JSON stays in --json.
  std::string words;
  for (const auto& c : j["top_at_risk"]) {
    if (words.empty()) words = insight::DriversInWords(c["risk_factors"], 3);
  }
  EXPECT_FALSE(words.empty()) << j["top_at_risk"].dump();
  EXPECT_NE(text.out.find("drivers (top 3)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(words), std::string::npos) << words << "\n" << text.out;
  EXPECT_EQ(text.out.find("\"feature\""), std::string::npos) << text.out;
}

TEST_F(CliShopTest, CustomerShowsFeaturesAndUnknownIdFails) {
  auto r = RunCli("customer --json C000001 --db " + db_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["customer_id"], "C000001");
  EXPECT_TRUE(j.contains("churn_risk_heuristic"));
  // The text form ends with the drivers in words.
  const std::string words = insight::DriversInWords(j["risk_factors"], 5);
  auto text = RunCli("customer C000001 --db " + db_);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("churn drivers"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(words.empty() ? "(none raising the risk)" : words), std::string::npos) << text.out;
  auto missing = RunCli("customer NOPE --db " + db_);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "custintel: error: no customer 'NOPE'\n");
}

TEST_F(CliShopTest, ReingestIsUnchanged) {
  auto r = RunCli("ingest --db " + db_ + " --kind customers " + dir_->File("shop/customers.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("customers          2000          0          0       2000          0"),
            std::string::npos) << r.out;
}

}  // namespace
}  // namespace custintel
