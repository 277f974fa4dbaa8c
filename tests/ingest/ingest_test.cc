#include "ingest/ingest.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "core/strings.h"
#include "ingest/conform_sql.h"
#include "ingest/export.h"
#include "store/migrations.h"
#include "testing/testing.h"

namespace custintel::ingest {
namespace {

class IngestTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::OpenEngineDatabase(dir_.File("t.duckdb"));
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = *db;
    conn_ = std::make_unique<store::Connection>(std::move(*db_->Connect()));
  }
  int64_t Count(const std::string& sql) {
    auto r = conn_->Query(sql);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r->GetInt64(0, 0) : -1;
  }
  testing::TempDir dir_;
  std::shared_ptr<store::Database> db_;
  std::unique_ptr<store::Connection> conn_;
};

class IngestTest : public IngestTestBase {};

TEST_F(IngestTest, BadRowsGoToRejectsWithLineColumnAndReason) {
  std::string f = dir_.File("orders.csv");
  testing::WriteFile(f,
                     "order_id,customer_id,ordered_at,amount,status,coupon\n"
                     "o1,c1,2026-01-02T10:00:00Z,12.50,completed,SAVE10\n"
                     "o2,c1,2026-01-03,abc,completed,\n"
                     ",c2,2026-01-04,5,completed,\n"
                     "o4,c2,01/05/2026,-3,completed,\n"
                     "o5,c3,2026-01-06,-8,refunded,\n");
  auto c = IngestFile(*conn_, f, {});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->rows_read, 5);
  EXPECT_EQ(c->loaded, 2);
  EXPECT_EQ(c->rejected, 3);
  auto r = conn_->Query("SELECT _line, column_name, reason FROM bronze.rejects ORDER BY _line");
  ASSERT_EQ(r->row_count(), 3u);
  EXPECT_EQ(r->GetInt64(0, 0), 3);
  EXPECT_EQ(r->GetString(1, 0), "amount");
  EXPECT_EQ(r->GetString(2, 0), "amount 'abc' is not a number");
  EXPECT_EQ(r->GetString(2, 1), "order_id is missing");
  EXPECT_EQ(r->GetString(2, 2), "amount -3.0 is negative but the order is not a refund");
  // Extra columns land in attributes; every source row is in bronze.
  EXPECT_EQ(Count("SELECT count(*) FROM silver.orders WHERE attributes->>'coupon' = 'SAVE10'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM bronze.orders WHERE _line BETWEEN 2 AND 6"), 5);
  EXPECT_EQ(Count("SELECT count(*) FROM bronze.rejects WHERE raw->>'amount' = 'abc'"), 1);
}

TEST_F(IngestTest, ReingestingIdenticalRowsChangesNothingAndLatestLoadWins) {
  std::string f = dir_.File("customers.csv");
  testing::WriteFile(f, "customer_id,email,plan\nc1,a@x.com,basic\nc2,b@x.com,free\n");
  ASSERT_TRUE(IngestFile(*conn_, f, {}).ok());
  auto again = IngestFile(*conn_, f, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->loaded, 0);
  EXPECT_EQ(again->unchanged, 2);
  testing::WriteFile(f, "customer_id,email,plan\nc1,a@x.com,premium\nc3,c@x.com,free\nc3,c@y.com,free\n");
  auto third = IngestFile(*conn_, f, {});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->updated, 1);
  EXPECT_EQ(third->loaded, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM silver.customers"), 3);
  auto r = conn_->Query("SELECT email FROM silver.customers WHERE customer_id = 'c3'");
  EXPECT_EQ(r->GetString(0, 0), "c@y.com");  // the later line of the same file wins
  EXPECT_EQ(Count("SELECT count(*) FROM silver.customers WHERE customer_id = 'c1' AND plan = 'premium'"), 1);
}

TEST_F(IngestTest, ReingestingAFileKeepsOneBronzeCopyOfItByContent) {
  std::string f = dir_.File("customers.csv");
  testing::WriteFile(f, "customer_id,email,plan\nc1,a@x.com,basic\nc2,b@x.com,free\n,no-id@x.com,free\n");
  ASSERT_TRUE(IngestFile(*conn_, f, {}).ok());
  const int64_t bronze = Count("SELECT count(*) FROM bronze.customers");
  const int64_t rejects = Count("SELECT count(*) FROM bronze.rejects");
  EXPECT_EQ(bronze, 3);
  EXPECT_EQ(rejects, 1);
  std::string copy = dir_.File("customers-copy.csv");
  std::filesystem::copy_file(f, copy);
  IngestOptions as_customers;
  as_customers.kind = "customers";
  for (const std::string& again : {f, copy}) {  // the same content under any name
    auto r = IngestFile(*conn_, again, as_customers);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->unchanged, 2);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM bronze.customers"), bronze);
  EXPECT_EQ(Count("SELECT count(*) FROM bronze.rejects"), rejects);
  // Changed content is kept, all of it (bronze is the raw history).
  testing::WriteFile(f, "customer_id,email,plan\nc1,a@x.com,premium\nc2,b@x.com,free\n");
  ASSERT_TRUE(IngestFile(*conn_, f, {}).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM bronze.customers"), bronze + 2);
}

TEST_F(IngestTest, ReplacedRowsRecordWhoseTheyWereForIncrementalRuns) {
  std::string orders = dir_.File("orders.csv"), items = dir_.File("order_items.csv");
  testing::WriteFile(orders, "order_id,customer_id,ordered_at,amount\no1,c1,2026-01-02,10\no2,c2,2026-01-03,20\n");
  testing::WriteFile(items, "order_id,product_id,quantity\no1,p1,1\no2,p2,1\n");
  ASSERT_TRUE(IngestFile(*conn_, orders, {}).ok());
  ASSERT_TRUE(IngestFile(*conn_, items, {}).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM meta.replaced_rows"), 0);  // new rows replace nothing
  // o1 moves from c1 to c3; o2's item changes quantity; o2 is unchanged.
  testing::WriteFile(orders, "order_id,customer_id,ordered_at,amount\no1,c3,2026-01-02,10\no2,c2,2026-01-03,20\n");
  testing::WriteFile(items, "order_id,product_id,quantity\no1,p1,1\no2,p2,3\n");
  auto moved = IngestFile(*conn_, orders, {});
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  auto changed = IngestFile(*conn_, items, {});
  ASSERT_TRUE(changed.ok()) << changed.status().message();
  auto r = conn_->Query("SELECT batch_id, kind, replaced_batch_id, customer_id FROM meta.replaced_rows ORDER BY batch_id");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->row_count(), 2u);
  EXPECT_EQ(r->GetInt64(0, 0), moved->batch_id);
  EXPECT_EQ(r->GetString(1, 0), "orders");
  EXPECT_EQ(r->GetString(3, 0), "c1");  // the owner the order left
  EXPECT_EQ(r->GetInt64(0, 1), changed->batch_id);
  EXPECT_EQ(r->GetString(1, 1), "order_items");
  EXPECT_EQ(r->GetString(3, 1), "c2");  // through the item's order
  EXPECT_LT(r->GetInt64(2, 1), changed->batch_id);
  EXPECT_EQ(Count("SELECT count(*) FROM silver.orders WHERE customer_id = 'c3' AND _batch_id = " +
                  std::to_string(moved->batch_id)), 1);
}

TEST_F(IngestTest, MissingRequiredColumnRefusesTheWholeFile) {
  std::string f = dir_.File("orders.csv");
  testing::WriteFile(f, "order_id,customer_id,amount\no1,c1,3\n");
  auto c = IngestFile(*conn_, f, {});
  ASSERT_FALSE(c.ok());

  EXPECT_NE(c.status().message().find("required column 'ordered_at' is missing"), std::string::npos)
      << c.status().message();
  EXPECT_FALSE(conn_->Query("SELECT count(*) FROM bronze.orders").ok());  // never created
  EXPECT_EQ(Count("SELECT count(*) FROM silver.orders"), 0);
}

TEST_F(IngestTest, ColumnMapAndJsonl) {
  std::string f = dir_.File("people.jsonl");
  testing::WriteFile(f, "{\"id\": \"c1\", \"mail\": \"a@x.com\", \"tags\": [1, 2]}\n{\"id\": \"c2\", \"mail\": \"nope\"}\n");
  auto c = IngestFile(*conn_, f, {"customers", "", {{"customer_id", "id"}, {"email", "mail"}}});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->loaded, 1);
  EXPECT_EQ(c->rejected, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM bronze.rejects WHERE reason = 'email ''nope'' is not an e-mail address'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM silver.customers WHERE attributes->>'tags' = '[1,2]'"), 1);
}

TEST_F(IngestTest, MissingFileNamesIt) {
  auto c = IngestFile(*conn_, dir_.File("nope.csv"), {"orders", "", {}});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("nope.csv: no such file"), std::string::npos);
}

}  // namespace
}  // namespace custintel::ingest

namespace custintel::ingest {
namespace {

class IngestRulesTest : public IngestTestBase {};

TEST_F(IngestRulesTest, ThreeBadRowsOutOfAThousandLoad997AndQuarantine3WithReasons) {
  std::string csv = "review_id,customer_id,rating,created_at\n";
  for (int i = 1; i <= 1000; ++i) {
    std::string rating = i == 100 ? "7" : i == 500 ? "great" : "4";
    std::string id = i == 900 ? "" : "r" + std::to_string(i);
    csv += id + ",c" + std::to_string(i % 50) + "," + rating + ",2026-01-02T10:00:00Z\n";
  }
  std::string f = dir_.File("reviews.csv");
  testing::WriteFile(f, csv);
  auto c = IngestFile(*conn_, f, {});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->loaded, 997);
  EXPECT_EQ(c->rejected, 3);
  auto r = conn_->Query("SELECT _line, column_name, reason FROM bronze.rejects ORDER BY _line");
  ASSERT_EQ(r->row_count(), 3u);
  EXPECT_EQ(r->GetInt64(0, 0), 101);
  EXPECT_EQ(r->GetString(2, 0), "rating 7 is outside 1..5");
  EXPECT_EQ(r->GetInt64(0, 1), 501);
  EXPECT_EQ(r->GetString(2, 1), "rating 'great' is not an integer");
  EXPECT_EQ(r->GetInt64(0, 2), 901);
  EXPECT_EQ(r->GetString(1, 2), "review_id");
}

TEST_F(IngestRulesTest, InvalidUtf8AndBrokenRowsAreQuarantinedAndLaterLinesKeepTheirNumbers) {
  std::string f = dir_.File("customers.csv");
  testing::WriteFile(f, "customer_id,email\nc1,a@x.com\nc2,\xff\xfe@x.com\nc3\nc4,d@x.com,extra\nc5,e@x.com\n");
  auto c = IngestFile(*conn_, f, {});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->rows_read, 5);
  EXPECT_EQ(c->loaded, 2);
  EXPECT_EQ(c->rejected, 3);
  auto r = conn_->Query("SELECT _line, reason FROM bronze.rejects ORDER BY _line");
  ASSERT_EQ(r->row_count(), 3u);
  EXPECT_EQ(r->GetInt64(0, 0), 3);
  EXPECT_NE(r->GetString(1, 0).find("unicode"), std::string::npos) << r->GetString(1, 0);
  EXPECT_EQ(Count("SELECT _line FROM bronze.customers WHERE customer_id = 'c5'"), 6);
}

TEST_F(IngestRulesTest, TimestampsInUsAndEuFormsWithZones) {
  std::string f = dir_.File("orders.csv");
  testing::WriteFile(f,
                     "order_id,ordered_at\n"
                     "o1,2026-01-05T10:00:00+02:00\n"
                     "o2,01/05/2026 10:00 PM EST\n"
                     "o3,05.01.2026 10:00 CET\n"
                     "o4,05-01-2026 08:00:00 Z\n"
                     "o5,\"Mon, 05 Jan 2026 10:00:00 +0100\"\n"
                     "o6,2026-01-05 09:00:00 Europe/Berlin\n"
                     "o7,01/05/2026\n"
                     "o8,\"Jan 5, 2026 08:00:00 UTC\"\n"
                     "o9,yesterday\n");
  auto c = IngestFile(*conn_, f, {});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->rejected, 1);
  auto r = conn_->Query("SELECT order_id, ordered_at::VARCHAR FROM silver.orders ORDER BY order_id");
  ASSERT_EQ(r->row_count(), 8u);
  const char* want[] = {"2026-01-05 08:00:00+00", "2026-01-06 03:00:00+00", "2026-01-05 09:00:00+00",
                        "2026-01-05 08:00:00+00", "2026-01-05 09:00:00+00", "2026-01-05 08:00:00+00",
                        "2026-01-05 00:00:00+00", "2026-01-05 08:00:00+00"};
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(r->GetString(1, i), want[i]) << r->GetString(0, i);
}

// ci_clean is DuckDB's nullif(trim(x), '') without the copy: compared on values built from
// every Unicode space separator trim() removes, the spaces it keeps (tab, newline, zero-width
// space, BOM), multi-byte letters at either end, and a whole chunk of values that need nothing
// mixed with some that do.
TEST_F(IngestRulesTest, CleaningACellIsTrimAndNullIfEmpty) {
  ASSERT_TRUE(CreateCleanFunction(*conn_).ok());
  ASSERT_TRUE(CreateCleanFunction(*conn_).ok()) << "registering twice is harmless";
  const char* pads[] = {"", " ", "  ", "\u00a0", "\u1680", "\u2000", "\u2005", "\u200a", "\u202f", "\u205f", "\u3000",
                        "\t", "\n", "\u200b", "\ufeff", " \u3000 ", "\u00a0\t"};
  const char* cores[] = {"", "a", "abc def", "\u00e9t\u00e9", "\u65e5\u672c", "x\u00a0", "\u3000y", "C0000001",
                         "{\"a\": 1}", "\u200a"};
  std::string values;
  for (const char* l : pads) {
    for (const char* c : cores) {
      for (const char* r : pads) {
        values += std::string(values.empty() ? "" : ", ") + "(" + QuoteLiteral(std::string(l) + c + r) + ")";
      }
    }
  }
  values += ", (NULL)";
  auto r = conn_->Query("SELECT count(*), count(*) FILTER (WHERE ci_clean(v) IS DISTINCT FROM nullif(trim(v), '')), "
                        "count(*) FILTER (WHERE ci_clean(v) IS NULL) FROM (VALUES " + values + ") t(v)");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->GetInt64(0, 0), 17 * 10 * 17 + 1);
  EXPECT_EQ(r->GetInt64(1, 0), 0);
  EXPECT_GT(r->GetInt64(2, 0), 17);  // empty and space-only values and the NULL
  r = conn_->Query("SELECT count(*) FILTER (WHERE ci_clean(v) IS DISTINCT FROM nullif(trim(v), '')), "
                   "count(*) FILTER (WHERE ci_clean(v) = v) FROM (SELECT CASE WHEN i % 997 = 0 THEN ' p' || i || ' ' "
                   "WHEN i % 1009 = 0 THEN '' ELSE 'value number ' || i END v FROM range(10000) t(i))");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->GetInt64(0, 0), 0);
  EXPECT_EQ(r->GetInt64(1, 0), 10000 - 11 - 10 + 1);  // i = 0 is both: a padded value
}

TEST_F(IngestRulesTest, SameFolderTwiceIsANoOpAndOrphansAreCounted) {
  std::string shop = dir_.File("shop");
  std::filesystem::create_directories(shop);
  testing::WriteFile(shop + "/customers.csv", "customer_id\nc1\n");
  testing::WriteFile(shop + "/orders.csv", "order_id,customer_id,ordered_at\no1,c1,2026-01-01\no2,c404,2026-01-02\n");
  auto first = IngestDirectory(*conn_, shop);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ((*first)[1].kind, "orders");
  EXPECT_EQ((*first)[1].orphans, 1);
  int64_t silver = Count("SELECT count(*) FROM silver.orders");
  auto second = IngestDirectory(*conn_, shop);
  ASSERT_TRUE(second.ok());
  for (const auto& c : *second) EXPECT_EQ(c.loaded + c.updated + c.rejected, 0) << c.kind;
  EXPECT_EQ(Count("SELECT count(*) FROM silver.orders"), silver);
}

TEST_F(IngestRulesTest, ExportWritesParquetAndCsvFiles) {
  std::string f = dir_.File("customers.csv");
  testing::WriteFile(f, "customer_id,email\nc1,a@x.com\nc2,b@x.com\n");
  ASSERT_TRUE(IngestFile(*conn_, f, {}).ok());
  for (const char* name : {"out.parquet", "out.csv"}) {
    ExportOptions o;
    o.table = "silver.customers";
    o.to = dir_.File(name);
    o.columns = {"customer_id", "email"};
    auto r = ExportTable(*conn_, o);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->rows, 2);
    EXPECT_EQ(Count("SELECT count(*) FROM '" + o.to + "' WHERE email LIKE '%@x.com'"), 2) << name;
  }
}

}  // namespace
}  // namespace custintel::ingest
