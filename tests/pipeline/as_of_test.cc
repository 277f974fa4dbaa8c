// As of means as of (issue 22 item 5): a run `--as-of T` on an export that runs past T gives
// exactly what the same run gives on that export cut at T — every gold table, texts included —
// so nothing written after T (customers, orders, events, reviews, tickets, resolutions) reaches
// any output, and every model is fitted on what was known at T. End to end with the real binary.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "testing/testing.h"

namespace custintel::pipeline {
namespace {

using testing::CommandResult;
using testing::RunCli;
using testing::RunShell;
using testing::TempDir;

// Inside the generated shop's two years (mid-2024 to mid-2026): a quarter of its customers,
// orders, reviews and tickets come after it.
constexpr char kAsOf[] = "2026-01-15";

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The value of a query that returns one (`custintel sql --csv`, header left out), or the error.
std::string Value(const std::string& db, const std::string& sql) {
  CommandResult r = RunCli("sql --csv --db " + db + " " + ShellQuote(sql));
  if (r.exit_code != 0) return "error: " + r.err;
  size_t start = r.out.find('\n');
  if (start == std::string::npos) return "";
  std::string value = r.out.substr(start + 1);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

// The values of a one-column `custintel sql --csv` result, header left out.
std::vector<std::string> Split(const std::string& csv) {
  std::vector<std::string> out;
  size_t at = csv.find('\n');
  while (at != std::string::npos && at + 1 < csv.size()) {
    size_t end = csv.find('\n', at + 1);
    std::string v = csv.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
    if (!v.empty() && v.front() == '"') v = v.substr(1, v.size() - 2);
    if (!v.empty()) out.push_back(v);
    at = end;
  }
  return out;
}

// The shop's files as an export taken at T would hold them, written by DuckDB from the CSVs
// (every value verbatim): customers who signed up after T, and orders (with their items),
// events, reviews and tickets dated after T left out; a ticket resolved after T is open (no
// resolved_at, resolution or satisfaction score); last_active_date after T unknown. Products
// and notes carry no dates and are copied whole.
std::string CutSql(const std::string& shop, const std::string& cut) {
  auto in = [&](const char* kind) { return "read_csv('" + shop + "/" + kind + ".csv', all_varchar = true)"; };
  auto out = [&](const char* kind) { return "'" + cut + "/" + kind + ".csv' (HEADER)"; };
  const std::string t = "getvariable('t')";
  const std::string resolved = "(resolved_at IS NULL OR resolved_at::TIMESTAMPTZ <= " + t + ")";
  return "SET TimeZone = 'UTC'; SET VARIABLE t = '" + std::string(kAsOf) + "'::TIMESTAMPTZ; " +
         "COPY (SELECT * REPLACE (CASE WHEN last_active_date::TIMESTAMPTZ <= " + t +
         " THEN last_active_date END AS last_active_date) FROM " + in("customers") +
         " WHERE acquisition_date IS NULL OR acquisition_date::TIMESTAMPTZ <= " + t + ") TO " + out("customers") + "; " +
         "COPY (SELECT * FROM " + in("orders") + " WHERE ordered_at::TIMESTAMPTZ <= " + t + ") TO " + out("orders") +
         "; COPY (SELECT * FROM " + in("order_items") + " WHERE order_id IN (SELECT order_id FROM " + in("orders") +
         " WHERE ordered_at::TIMESTAMPTZ <= " + t + ")) TO " + out("order_items") + "; " +
         "COPY (SELECT * FROM " + in("events") + " WHERE occurred_at::TIMESTAMPTZ <= " + t + ") TO " + out("events") +
         "; COPY (SELECT * FROM " + in("reviews") + " WHERE created_at IS NULL OR created_at::TIMESTAMPTZ <= " + t +
         ") TO " + out("reviews") + "; " +
         "COPY (SELECT * REPLACE (CASE WHEN " + resolved + " THEN resolved_at END AS resolved_at, CASE WHEN " +
         resolved + " THEN resolution END AS resolution, CASE WHEN " + resolved +
         " THEN satisfaction_score END AS satisfaction_score) FROM " + in("tickets") +
         " WHERE created_at IS NULL OR created_at::TIMESTAMPTZ <= " + t + ") TO " + out("tickets") + "; " +
         "COPY (SELECT * FROM " + in("products") + ") TO " + out("products") + "; " +
         "COPY (SELECT * FROM " + in("notes") + ") TO " + out("notes") + ";";
}

// scripts/compare_gold.sh: every gold table of two databases row for row (doubles at 6
// decimals, write times left out); one line per table, exit 1 when any differs.
CommandResult CompareGold(const std::string& a, const std::string& b) {
  return RunShell("bash " + std::string(CUSTINTEL_SOURCE_DIR) + "/scripts/compare_gold.sh " + a + " " + b + " '" +
                  std::getenv("CUSTINTEL_BIN") + "'");
}

// A shop of 1,000 customers in <dir>/shop and its files cut at kAsOf in <dir>/cut; the error.
std::string WriteShopAndCut(const TempDir& dir) {
  const std::string shop = dir.File("shop"), cut = dir.File("cut");
  std::filesystem::create_directories(cut);
  CommandResult r = RunCli("gen-data --customers 1000 --seed 22 --out " + shop);
  if (r.exit_code == 0) r = RunCli("sql --db " + dir.File("scratch.duckdb") + " " + ShellQuote(CutSql(shop, cut)));
  return r.exit_code == 0 ? "" : "shop and cut: " + r.err + r.out;
}

// The shop, its cut, and the two runs as of kAsOf: A on the whole export, B on the cut. Built
// once for the suite.
class AsOfTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string shop = dir_->File("shop"), cut = dir_->File("cut");
    setup_error_ = WriteShopAndCut(*dir_);
    if (!setup_error_.empty()) return;
    for (const auto& [db, files] : {std::pair{Full(), shop}, std::pair{Cut(), cut}}) {
      Check(RunCli("ingest --db " + db + " --dir " + files), "ingest " + files);
      Check(RunCli("run --db " + db + " --as-of " + kAsOf), "run " + db);
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!setup_error_.empty()) FAIL() << "suite setup failed: " << setup_error_;
  }
  static void Check(const CommandResult& r, const std::string& what) {
    if (r.exit_code != 0 && setup_error_.empty()) setup_error_ = what + ": " + r.err + r.out;
  }
  static std::string Full() { return dir_->File("full.duckdb"); }
  static std::string Cut() { return dir_->File("cut.duckdb"); }

  static TempDir* dir_;
  static std::string setup_error_;
};

TempDir* AsOfTest::dir_ = nullptr;
std::string AsOfTest::setup_error_;

// Every gold table of A equals B's, the texts (insights, summaries, notifications, strategies,
// review and ticket analyses) included. The whole export holds what came after T — customers,
// orders, events, reviews, tickets, and tickets resolved after T — so the runs can only agree if
// the run as of T ignores all of it.
TEST_F(AsOfTest, EveryGoldTableEqualsTheRunOnTheExportCutAtTheAsOf) {
  const std::string t = "'" + std::string(kAsOf) + "'::TIMESTAMPTZ";
  for (const std::string& sql :
       {"SELECT count(*) FROM silver.customers WHERE acquisition_date > " + t,
        "SELECT count(*) FROM silver.orders WHERE ordered_at > " + t,
        "SELECT count(*) FROM silver.events WHERE occurred_at > " + t,
        "SELECT count(*) FROM silver.reviews WHERE created_at > " + t,
        "SELECT count(*) FROM silver.tickets WHERE created_at > " + t,
        "SELECT count(*) FROM silver.tickets WHERE created_at <= " + t + " AND resolved_at > " + t}) {
    const std::string n = Value(Full(), sql);
    ASSERT_GT(std::atoll(n.c_str()), 0) << sql << ": " << n;
  }
  CommandResult cmp = CompareGold(Full(), Cut());
  EXPECT_EQ(cmp.exit_code, 0) << cmp.out << cmp.err;
  std::string unequal, empty;
  for (const std::string table :
       {"customer_features", "customer_scores", "customer_clv", "clv_model", "segments", "rfm", "cohorts",
        "recommendations", "review_insights", "ticket_insights", "interaction_sentiment", "segment_themes",
        "sentiment_domain", "executive_metrics", "segment_insights", "account_summaries", "retention_strategies",
        "personal_recommendations", "notifications", "executive_summary"}) {
    if (cmp.out.find("same      gold." + table + " ") == std::string::npos) unequal += " " + table;
    if (Value(Cut(), "SELECT count(*) FROM gold." + table) == "0") empty += " " + table;
  }
  EXPECT_EQ(unequal, "") << "not compared equal (the texts must be among the equal)";
  EXPECT_EQ(empty, "") << "empty: equality would prove nothing";
  EXPECT_EQ(Value(Full(), "SELECT count(*) FROM gold.customer_scores"),
            Value(Cut(), "SELECT count(*) FROM silver.customers"));
}

// The fact sheets every text is written from (segments, and customers with reviews or tickets
// on both sides of T: `check-grounding --json` prints a sheet) quote no review or ticket written
// after T, and no analysis of one is kept. (The builtin texts cite only playbook entries and
// notes; an LLM may cite any snippet of its sheet.)
TEST_F(AsOfTest, NoTextSpeaksOfAReviewOrTicketAfterTheAsOf) {
  const std::string t = "'" + std::string(kAsOf) + "'::TIMESTAMPTZ";
  const std::string texts = "(SELECT customer_id, created_at FROM silver.reviews UNION ALL "
                            "SELECT customer_id, created_at FROM silver.tickets)";
  CommandResult customers = RunCli("sql --csv --db " + Full() + " " + ShellQuote(
      "SELECT customer_id FROM " + texts + " GROUP BY customer_id HAVING min(created_at) <= " + t +
      " AND max(created_at) > " + t + " ORDER BY customer_id LIMIT 5"));
  ASSERT_EQ(customers.exit_code, 0) << customers.err;
  std::vector<std::string> subjects;
  for (const std::string& id : Split(customers.out)) subjects.push_back("--customer " + id);
  ASSERT_EQ(subjects.size(), 5u) << customers.out;
  CommandResult segments = RunCli("sql --csv --db " + Full() + " 'SELECT segment FROM gold.segments'");
  ASSERT_EQ(segments.exit_code, 0) << segments.err;
  for (const std::string& name : Split(segments.out)) subjects.push_back("--segment " + ShellQuote(name));
  int quoted = 0;
  for (const std::string& subject : subjects) {
    CommandResult sheet = RunCli("check-grounding --db " + Full() + " " + subject + " --text 'x.' --json");
    ASSERT_EQ(sheet.exit_code, 0) << subject << ": " << sheet.err;
    nlohmann::json j = nlohmann::json::parse(sheet.out, nullptr, false);
    ASSERT_TRUE(j.contains("sheet")) << sheet.out;
    for (const auto& snippet : j["sheet"]["snippets"]) {
      const std::string id = snippet.value("id", "");
      const bool review = id.rfind("review:", 0) == 0, ticket = id.rfind("ticket:", 0) == 0;
      if (!review && !ticket) continue;
      ++quoted;
      const std::string table = review ? "reviews" : "tickets", key = review ? "review_id" : "ticket_id";
      EXPECT_EQ(Value(Full(), "SELECT created_at <= " + t + " FROM silver." + table + " WHERE " + key + " = '" +
                                  id.substr(7) + "'"),
                "true")
          << subject << " quotes " << id;
    }
  }
  EXPECT_GE(quoted, 5) << "the sheets quote almost no review or ticket: this test would prove little";
  EXPECT_EQ(Value(Full(), "SELECT (SELECT count(*) FROM gold.review_insights WHERE created_at > " + t +
                              ") + (SELECT count(*) FROM gold.ticket_insights WHERE created_at > " + t +
                              ") + (SELECT count(*) FROM gold.interaction_sentiment WHERE occurred_at > " + t + ")"),
            "0");
}

// Incremental runs keep it: the cut ingested and run, then the rest of the export ingested (its
// rows after T analysed on arrival) and run again as of T — incremental, every customer
// allowed to change — equals the cut run twice.
TEST(AsOfIncremental, AnIncrementalRunAfterLaterRowsArriveStillSeesOnlyTheAsOf) {
  TempDir dir;
  const std::string error = WriteShopAndCut(dir);
  ASSERT_EQ(error, "");
  const std::string config = dir.File("incremental.toml");
  testing::WriteFile(config, "[pipeline]\nmax_changed_share = 1.0\n");
  const std::string later = dir.File("later.duckdb"), twice = dir.File("twice.duckdb");
  const std::string run = " --config " + config + " --as-of " + kAsOf;
  for (const std::string& db : {later, twice}) {
    const std::string files = dir.File("cut");
    ASSERT_EQ(RunCli("ingest --db " + db + " --dir " + files).exit_code, 0);
    CommandResult r = RunCli("run --db " + db + run);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult ingest = RunCli("ingest --db " + later + " --dir " + dir.File("shop"));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  CommandResult second = RunCli("run --db " + later + run);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("incremental run"), std::string::npos) << second.out;
  CommandResult again = RunCli("run --db " + twice + run);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  CommandResult cmp = CompareGold(later, twice);
  EXPECT_EQ(cmp.exit_code, 0) << cmp.out << cmp.err;
}

// The CDNOW purchase log as published (orders only: customers are implied by their orders) run
// as of a time: the customers scored are those who had bought by then, counted here by awk from
// the file itself. 1997-09-30 is the BG/NBD paper's calibration end (every CDNOW customer's
// first purchase is in the first quarter of 1997, so all of them); 1997-02-15 falls inside the
// acquisition quarter, where about half had.
TEST(AsOfCdnow, ScoresOnlyTheCustomersWhoHadBoughtByTheAsOf) {
  const std::string master = std::string(CUSTINTEL_SHARED_DIR) + "/datasets/cdnow/CDNOW_master.txt";
  TempDir dir;
  const std::string db = dir.File("cdnow.duckdb");
  CommandResult ingest =
      RunCli("ingest --db " + db + " --kind orders --format whitespace --map ordered_at=date,amount=dollar_value " +
             master);
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  for (const auto& [as_of, yyyymmdd] : {std::pair{"1997-09-30", "19970930"}, std::pair{"1997-02-15", "19970215"}}) {
    CommandResult awk = RunShell("awk 'NR > 1 && $2 <= " + std::string(yyyymmdd) + " { print $1 }' " + master +
                                 " | sort -u | wc -l");
    ASSERT_EQ(awk.exit_code, 0) << awk.err;
    const std::string bought = std::to_string(std::atoll(awk.out.c_str()));
    CommandResult run = RunCli("run --db " + db + " --as-of " + as_of);
    ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
    EXPECT_EQ(Value(db, "SELECT count(*) FROM gold.customer_scores"), bought) << as_of;
    EXPECT_EQ(Value(db, "SELECT count(*) FROM gold.customer_features"), bought) << as_of;
    EXPECT_EQ(Value(db, "SELECT count(*) FROM gold.customer_features WHERE first_order_at IS NULL"), "0") << as_of;
    EXPECT_EQ(Value(db, "SELECT sum(cohort_size) FROM gold.cohorts WHERE months_since = 0"), bought) << as_of;
  }
}

}  // namespace
}  // namespace custintel::pipeline
