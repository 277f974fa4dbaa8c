// Both directions against a real PostgreSQL server started by the test (testing/postgres.h).
#include <gtest/gtest.h>

#include "ingest/export.h"
#include "ingest/postgres_source.h"
#include "store/migrations.h"
#include "testing/postgres.h"
#include "testing/testing.h"

namespace custintel::ingest {
namespace {

class PostgresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = testing::PostgresServer::Start().release(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (!server_) GTEST_SKIP() << testing::PostgresServer::WhyUnavailable();
    auto db = store::OpenEngineDatabase(dir_.File("t.duckdb"));
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = *db;
    conn_ = std::make_unique<store::Connection>(std::move(*db_->Connect()));
  }
  std::string Pg(const std::string& sql) {
    auto r = server_->Psql(sql);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  static testing::PostgresServer* server_;
  testing::TempDir dir_;
  std::shared_ptr<store::Database> db_;
  std::unique_ptr<store::Connection> conn_;
};

testing::PostgresServer* PostgresTest::server_ = nullptr;

TEST_F(PostgresTest, IngestsATableThroughBronzeAndSilverWithRejects) {
  Pg("DROP TABLE IF EXISTS app_customers; CREATE TABLE app_customers (id text, mail text, plan text, since timestamptz);"
     "INSERT INTO app_customers VALUES ('c1', 'a@x.com', 'basic', '2026-01-02 10:00:00+02'),"
     "('c2', 'not-an-email', 'free', NULL), ('c3', NULL, 'it''s, \"quoted\"', '2026-03-04 00:00:00+00');");
  IngestOptions o;
  o.kind = "customers";
  o.column_map = {{"customer_id", "id"}, {"email", "mail"}, {"acquisition_date", "since"}};
  std::string url = server_->url();
  url.insert(url.find("custintel") + 9, ":secret");  // trust auth ignores it; it must not leak
  auto c = IngestPostgresTable(*conn_, url, "public.app_customers", o);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->rows_read, 3);
  EXPECT_EQ(c->loaded, 2);
  EXPECT_EQ(c->rejected, 1);
  EXPECT_EQ(c->source.find("secret"), std::string::npos) << c->source;
  auto r = conn_->Query(
      "SELECT plan, acquisition_date::VARCHAR FROM silver.customers ORDER BY customer_id");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->row_count(), 2u);
  EXPECT_EQ(r->GetString(1, 0), "2026-01-02 08:00:00+00");
  EXPECT_EQ(r->GetString(0, 1), "it's, \"quoted\"");
  auto rej = conn_->Query("SELECT _line, column_name, _source FROM bronze.rejects");
  ASSERT_EQ(rej->row_count(), 1u);
  EXPECT_EQ(rej->GetInt64(0, 0), 3);  // header is line 1
  EXPECT_EQ(rej->GetString(1, 0), "email");
  EXPECT_EQ(rej->GetString(2, 0).find("secret"), std::string::npos);
  // The same table again changes nothing.
  auto again = IngestPostgresTable(*conn_, url, "app_customers", o);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->unchanged, 2);
  EXPECT_EQ(again->loaded + again->updated, 0);
}

TEST_F(PostgresTest, UnknownTableIsAnErrorNamingIt) {
  IngestOptions o;
  o.kind = "customers";
  auto c = IngestPostgresTable(*conn_, server_->url(), "no_such_table", o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("no_such_table"), std::string::npos) << c.status().message();
}

TEST_F(PostgresTest, ExportUpsertsScoresIntoTheApplicationsTable) {
  Pg("DROP TABLE IF EXISTS customers; CREATE TABLE customers (customer_id text PRIMARY KEY, name text NOT NULL "
     "DEFAULT 'unknown', churn_risk_score double precision);"
     "INSERT INTO customers VALUES ('c1', 'Ada', NULL), ('c9', 'Bob', 0.5);");
  ASSERT_TRUE(conn_->Execute("CREATE TABLE gold_scores AS SELECT * FROM (VALUES ('c1', 0.25, 'x'), ('c2', 0.75, 'y')) "
                             "t(customer_id, churn_risk, other)").ok());
  ExportOptions o;
  o.table = "gold_scores";
  o.to = server_->url();
  o.target_table = "customers";
  o.key = {"customer_id"};
  o.columns = {"customer_id", "churn_risk"};
  o.column_map = {{"churn_risk_score", "churn_risk"}};
  for (int run = 0; run < 2; ++run) {  // twice: an upsert is idempotent
    auto r = ExportTable(*conn_, o);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->rows, 2) << run;
  }
  EXPECT_EQ(Pg("SELECT customer_id || '|' || name || '|' || coalesce(churn_risk_score::text, '-') FROM customers "
               "ORDER BY 1"),
            "c1|Ada|0.25\nc2|unknown|0.75\nc9|Bob|0.5\n");
}

TEST_F(PostgresTest, FailedExportLeavesTheTargetUntouched) {
  Pg("DROP TABLE IF EXISTS strict_t; CREATE TABLE strict_t (k text PRIMARY KEY, v integer CHECK (v < 10));"
     "INSERT INTO strict_t VALUES ('a', 1);");
  ASSERT_TRUE(conn_->Execute("CREATE TABLE src AS SELECT * FROM (VALUES ('a', 2), ('b', 99)) t(k, v)").ok());
  ExportOptions o;
  o.table = "src";
  o.to = server_->url();
  o.target_table = "strict_t";
  auto r = ExportTable(*conn_, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Pg("SELECT k || v FROM strict_t ORDER BY 1"), "a1\n");  // one transaction: nothing applied
}

TEST_F(PostgresTest, ExportCreatesAMissingTargetWithTheKeyAsPrimaryKey) {
  Pg("DROP TABLE IF EXISTS new_scores;");
  Status made = conn_->Execute("CREATE TABLE s AS SELECT * FROM (VALUES ('c1', 0.5, TIMESTAMPTZ '2026-01-02 03:04:05+00')) "
                               "t(customer_id, risk, scored_at)");
  ASSERT_TRUE(made.ok()) << made.message();
  ExportOptions o;
  o.table = "s";
  o.to = server_->url();
  o.target_table = "new_scores";
  auto r = ExportTable(*conn_, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Pg("SELECT customer_id || '|' || risk || '|' || (scored_at AT TIME ZONE 'UTC') FROM new_scores"),
            "c1|0.5|2026-01-02 03:04:05\n");
}

}  // namespace
}  // namespace custintel::ingest
