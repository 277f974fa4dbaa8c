// Incremental runs through the real binary (issue 3 item 7): after new rows arrive, `custintel
// run` recomputes only the customers they touch, and their rows equal a full run's where the
// population models cannot differ; everything else stays byte for byte.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "testing/testing.h"

namespace custintel {
namespace {

using testing::RunCli;
using testing::TempDir;

// One shop, ingested and run once (full); each test works on its own copy.
class IncrementalRunTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    base_ = dir_->File("base.duckdb");
    auto run = testing::BuildShop(*dir_, 2000, 11, base_);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    ASSERT_NE(run.out.find("full run: no earlier run recorded a watermark"), std::string::npos) << run.out;
  }
  static void TearDownTestSuite() { delete dir_; }

  void SetUp() override {
    db_ = dir_->File(std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".duckdb");
    testing::CopyDatabase(base_, db_);
  }

  static std::string Sql(const std::string& db, const std::string& query) {
    auto r = RunCli("sql --csv --db " + db + " \"" + query + "\"");
    EXPECT_EQ(r.exit_code, 0) << query << "\n" << r.err;
    return r.out;
  }
  std::string Sql(const std::string& query) const { return Sql(db_, query); }
  testing::CommandResult Run(const std::string& flags = "") const { return RunCli("run --db " + db_ + " " + flags); }

  // New orders (dated a day before the latest order, so the as-of stays) for the customers
  // that `who` (a WHERE clause over silver.customers) selects; returns the CSV's path.
  std::string NewOrders(const std::string& who, const std::string& name) const {
    std::string csv = Sql("SELECT 'inc-' || c.customer_id AS order_id, c.customer_id, "
                          "(SELECT max(ordered_at) FROM silver.orders) - INTERVAL 1 DAY AS ordered_at, "
                          "42.5 AS amount, 'USD' AS currency, 'completed' AS status, 'web' AS channel "
                          "FROM silver.customers c WHERE " + who + " ORDER BY c.customer_id");
    std::string path = dir_->File(name);
    testing::WriteFile(path, csv);
    return path;
  }
  void Ingest(const std::string& kind, const std::string& path) const {
    auto r = RunCli("ingest --db " + db_ + " --kind " + kind + " " + path);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  static TempDir* dir_;
  static std::string base_;
  std::string db_;
};
TempDir* IncrementalRunTest::dir_ = nullptr;
std::string IncrementalRunTest::base_;

constexpr char kFeatures[] = "SELECT * EXCLUDE (channel_mix, event_counts), channel_mix::VARCHAR AS cm, "
                             "event_counts::VARCHAR AS ec FROM gold.customer_features ORDER BY customer_id";

TEST_F(IncrementalRunTest, UnchangedDataIsAnIncrementalRunOverNobodyAndChangesNothing) {
  std::string scores = Sql("SELECT * FROM gold.customer_scores ORDER BY customer_id");
  std::string recs = Sql("SELECT * FROM gold.recommendations ORDER BY customer_id, rank");
  auto run = Run();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("incremental run: 0 customers changed since run 1"), std::string::npos) << run.out;
  EXPECT_EQ(Sql("SELECT * FROM gold.customer_scores ORDER BY customer_id"), scores);
  EXPECT_EQ(Sql("SELECT * FROM gold.recommendations ORDER BY customer_id, rank"), recs);
  EXPECT_EQ(Sql("SELECT mode, scoped_customers FROM meta.runs ORDER BY run_id"),
            "mode,scoped_customers\nfull,\nincremental,0\n");
}

TEST_F(IncrementalRunTest, RunsRecordWhenTheyFinished) {
  // started_at is the run's start; finished_at its end: at least the time its steps took.
  EXPECT_EQ(Sql("SELECT finished_at > started_at AS later, epoch(finished_at) - epoch(started_at) >= "
                "0.9 * list_sum(json_extract(steps, '$[*].seconds')::DOUBLE[]) - 0.05 AS spans_steps "
                "FROM meta.runs WHERE run_id = 1"),
            "later,spans_steps\ntrue,true\n");
}

TEST_F(IncrementalRunTest, NewOrdersRecomputeOnlyTheirCustomersAndMatchAFullRun) {
  const std::string who = "hash(c.customer_id) % 100 = 7";  // about 1%
  std::string touched = Sql("SELECT customer_id FROM silver.customers c WHERE " + who + " ORDER BY 1");
  std::string untouched_scores =
      Sql("SELECT * FROM gold.customer_scores c WHERE NOT " + who + " ORDER BY customer_id");
  std::string untouched_recs =
      Sql("SELECT r.* FROM gold.recommendations r JOIN silver.customers c USING (customer_id) WHERE NOT " + who +
          " ORDER BY customer_id, rank");
  Ingest("orders", NewOrders(who, "new_orders.csv"));
  auto run = Run();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  int n = 0;
  for (char ch : touched) n += ch == '\n';
  n -= 1;  // header
  ASSERT_GT(n, 5);
  EXPECT_NE(run.out.find("incremental run: " + std::to_string(n) + " customers changed since run 1"),
            std::string::npos) << run.out;
  // Untouched customers: byte for byte as before.
  EXPECT_EQ(Sql("SELECT * FROM gold.customer_scores c WHERE NOT " + who + " ORDER BY customer_id"), untouched_scores);
  EXPECT_EQ(Sql("SELECT r.* FROM gold.recommendations r JOIN silver.customers c USING (customer_id) WHERE NOT " +
                who + " ORDER BY customer_id, rank"),
            untouched_recs);
  // Touched customers see their new order.
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.customer_features f JOIN silver.customers c USING (customer_id) "
                "WHERE " + who + " AND f.last_order_at = (SELECT max(ordered_at) FROM silver.orders "
                "WHERE order_id LIKE 'inc-%')"),
            "count_star()\n" + std::to_string(n) + "\n");
  // Features do not depend on the population: every customer's equal a full run's.
  std::string features = Sql(kFeatures);
  std::string heuristic = Sql("SELECT customer_id, churn_risk_heuristic, ltv_percentile, rfm_score "
                              "FROM gold.customer_scores c WHERE " + who + " ORDER BY customer_id");
  std::string segment_sizes = Sql("SELECT sum(size) FROM gold.segments");
  auto full = Run("--full");
  ASSERT_EQ(full.exit_code, 0) << full.err;
  EXPECT_NE(full.out.find("full run: --full"), std::string::npos) << full.out;
  EXPECT_EQ(Sql(kFeatures), features);
  EXPECT_EQ(Sql("SELECT customer_id, churn_risk_heuristic, ltv_percentile, rfm_score "
                "FROM gold.customer_scores c WHERE " + who + " ORDER BY customer_id"),
            heuristic);
  EXPECT_EQ(Sql("SELECT sum(size) FROM gold.segments"), segment_sizes);
}

TEST_F(IncrementalRunTest, AnOrderMovedToAnotherCustomerTouchesBoth) {
  std::string pick = Sql("SELECT order_id, customer_id FROM silver.orders WHERE status = 'completed' "
                         "ORDER BY order_id LIMIT 1");
  auto comma = pick.find(',', pick.find('\n'));
  std::string order_id = pick.substr(pick.find('\n') + 1, comma - pick.find('\n') - 1);
  std::string from = pick.substr(comma + 1, pick.find('\n', comma) - comma - 1);
  std::string to = Sql("SELECT customer_id FROM silver.customers WHERE customer_id <> '" + from +
                       "' ORDER BY customer_id LIMIT 1");
  to = to.substr(to.find('\n') + 1);
  to.pop_back();
  std::string moved = Sql("SELECT order_id, '" + to + "' AS customer_id, ordered_at, amount, currency, status, channel "
                          "FROM silver.orders WHERE order_id = '" + order_id + "'");
  testing::WriteFile(dir_->File("moved.csv"), moved);
  Ingest("orders", dir_->File("moved.csv"));
  auto run = Run();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("incremental run: 2 customers changed"), std::string::npos) << run.out;
  std::string features = Sql(kFeatures);
  ASSERT_EQ(Run("--full").exit_code, 0);
  EXPECT_EQ(Sql(kFeatures), features) << "the customer the order left must be recomputed too";
}

TEST_F(IncrementalRunTest, ANewTicketIsAnalysedAndItsCustomerRescored) {
  std::string ticket = Sql("SELECT 'inc-t1' AS ticket_id, customer_id, 'delivery' AS category, 'high' AS priority, "
                           "'Parcel never arrived' AS subject, 'My parcel never arrived and nobody answers, "
                           "I want a refund now' AS description, (SELECT max(ordered_at) FROM silver.orders) - "
                           "INTERVAL 3 DAY AS created_at FROM silver.customers ORDER BY customer_id LIMIT 1 OFFSET 5");
  std::string customer = Sql("SELECT customer_id FROM silver.customers ORDER BY customer_id LIMIT 1 OFFSET 5");
  customer = customer.substr(customer.find('\n') + 1);
  customer.pop_back();
  std::string before = Sql("SELECT tickets_90d FROM gold.customer_features WHERE customer_id = '" + customer + "'");
  testing::WriteFile(dir_->File("ticket.csv"), ticket);
  Ingest("tickets", dir_->File("ticket.csv"));
  auto run = Run();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("incremental run: 1 customers changed"), std::string::npos) << run.out;
  EXPECT_EQ(Sql("SELECT sentiment_score < 0 AS neg FROM gold.ticket_insights WHERE ticket_id = 'inc-t1'"),
            "neg\ntrue\n");
  EXPECT_EQ(Sql("SELECT count(*) AS n FROM gold.interaction_sentiment WHERE source_id = 'inc-t1'"), "n\n1\n");
  EXPECT_EQ(Sql("SELECT tickets_90d - 1 AS t FROM gold.customer_features WHERE customer_id = '" + customer + "'"),
            "t\n" + before.substr(before.find('\n') + 1));
}

TEST_F(IncrementalRunTest, FullRunWhenTheAsOfMovesSilverIsEditedByHandOrTooManyChanged) {
  auto moved = Run("--as-of 2026-01-01");
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_NE(moved.out.find("full run: the as-of moved from"), std::string::npos) << moved.out;

  auto back = Run();  // as-of moves back to the latest timestamp: full again
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_NE(back.out.find("full run: the as-of moved"), std::string::npos) << back.out;

  auto del = RunCli("sql --db " + db_ + " \"DELETE FROM silver.events WHERE event_id IN "
                    "(SELECT event_id FROM silver.events ORDER BY event_id LIMIT 3)\"");
  ASSERT_EQ(del.exit_code, 0) << del.err;
  auto edited = Run();
  ASSERT_EQ(edited.exit_code, 0) << edited.err;
  EXPECT_NE(edited.out.find("silver.events holds"), std::string::npos) << edited.out;
  EXPECT_NE(edited.out.find("changed outside custintel ingest"), std::string::npos) << edited.out;

  Ingest("orders", NewOrders("hash(c.customer_id) % 4 = 0", "many.csv"));  // ~25% > 20%
  auto many = Run();
  ASSERT_EQ(many.exit_code, 0) << many.err;
  EXPECT_NE(many.out.find("customers changed since the last full run"), std::string::npos) << many.out;
  EXPECT_EQ(Sql("SELECT mode FROM meta.runs ORDER BY run_id DESC LIMIT 1"), "mode\nfull\n");
}

TEST_F(IncrementalRunTest, ABatchInFlightDuringARunIsPickedUpWhenItCommits) {
  // A batch id taken before the run but committed after it (simulated: the id is drawn, a later
  // batch commits, the run records the gap, then rows with the early id arrive).
  std::string id = Sql("SELECT nextval('meta.batch_seq') AS id");
  id = id.substr(id.find('\n') + 1);
  id.pop_back();
  Ingest("orders", NewOrders("c.customer_id = 'C000002'", "later.csv"));
  auto run = Run();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("incremental run: 1 customers changed"), std::string::npos) << run.out;
  EXPECT_EQ(Sql("SELECT open_batches FROM meta.runs ORDER BY run_id DESC LIMIT 1"), "open_batches\n[" + id + "]\n");
  auto late = RunCli("sql --db " + db_ + " \"INSERT INTO meta.ingest_batches(batch_id, kind, source) VALUES (" + id +
                     ", 'orders', 'late'); INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status, "
                     "_batch_id) VALUES ('late-1', 'C000003', (SELECT max(ordered_at) FROM silver.orders) - INTERVAL 1 DAY, "
                     "9.5, 'completed', " + id + ")\"");
  ASSERT_EQ(late.exit_code, 0) << late.err;
  auto next = Run();
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_NE(next.out.find("incremental run: 1 customers changed"), std::string::npos) << next.out;
  EXPECT_EQ(Sql("SELECT frequency - 1 AS f FROM gold.customer_features WHERE customer_id = 'C000003'"),
            Sql(base_, "SELECT frequency AS f FROM gold.customer_features WHERE customer_id = 'C000003'"));
}

TEST_F(IncrementalRunTest, MaxChangedShareIsConfigurableAndChecked) {
  testing::WriteFile(dir_->File("always_full.toml"), "[pipeline]\nmax_changed_share = 0\n");
  auto run = RunCli("run --db " + db_ + " --config " + dir_->File("always_full.toml"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("full run: [pipeline] max_changed_share = 0"), std::string::npos) << run.out;
  testing::WriteFile(dir_->File("bad.toml"), "[pipeline]\nmax_changed_share = 1.5\n");
  auto bad = RunCli("run --db " + db_ + " --config " + dir_->File("bad.toml"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("max_changed_share must be between 0 and 1"), std::string::npos) << bad.err;
  EXPECT_EQ(Sql("SELECT count(*) AS n FROM meta.runs"), "n\n2\n");  // the refused run wrote nothing
}

TEST_F(IncrementalRunTest, ChangedSegmentRulesForceAFullRun) {
  testing::WriteFile(dir_->File("custintel.toml"),
                     "[[segments]]\nname = \"Big\"\nwhen = \"lifetime_value > 500\"\n\n"
                     "[[segments]]\nname = \"Rest\"\nwhen = \"TRUE\"\n");
  auto run = RunCli("run --db " + db_ + " --config " + dir_->File("custintel.toml"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("full run: settings changed since run 1"), std::string::npos) << run.out;
  EXPECT_EQ(Sql("SELECT string_agg(segment, '+' ORDER BY rule_order) AS s FROM gold.segments"), "s\nBig+Rest\n");
}

}  // namespace
}  // namespace custintel
