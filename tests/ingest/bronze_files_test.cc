// Bronze as files (store/bronze.h): one zstd Parquet file per batch beside the database, read
// through bronze.<kind> views, reconciled with the database at every open.
#include <filesystem>

#include <gtest/gtest.h>

#include "ingest/ingest.h"
#include "store/bronze.h"
#include "store/migrations.h"
#include "testing/testing.h"

namespace custintel::ingest {
namespace {

namespace fs = std::filesystem;

class BronzeFilesTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    conn_.reset();
    db_.reset();
    auto db = store::OpenEngineDatabase(Db());
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = *db;
    conn_ = std::make_unique<store::Connection>(std::move(*db_->Connect()));
  }
  void Close() {
    conn_.reset();
    db_.reset();
  }
  std::string Db() const { return dir_.File("t.duckdb"); }
  std::string Folder() const { return Db() + ".bronze"; }
  std::string Value(const std::string& sql) {
    auto r = conn_->Query(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().message();
    return r.ok() && r->row_count() ? r->GetString(0, 0) : "";
  }
  IngestCounts Ingest(const std::string& name, const std::string& content) {
    testing::WriteFile(dir_.File(name), content);
    auto c = IngestFile(*conn_, dir_.File(name), {});
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? *c : IngestCounts{};
  }
  testing::TempDir dir_;
  std::shared_ptr<store::Database> db_;
  std::unique_ptr<store::Connection> conn_;
};

TEST_F(BronzeFilesTest, EachBatchIsOneZstdParquetFileAnyDuckDbReads) {
  IngestCounts c = Ingest("orders.csv", "order_id,customer_id,ordered_at,amount\no1,c1,2026-01-02, 10 \no2,c2,bad,5\n");
  const std::string file = store::BronzeBatchPath(Folder(), "orders", c.batch_id);
  ASSERT_TRUE(fs::exists(file)) << file;
  EXPECT_EQ(Value("SELECT count(*) FROM meta.bronze_batches WHERE kind = 'orders' AND batch_id = " +
                  std::to_string(c.batch_id)), "1");
  // A plain DuckDB with no custintel in it reads the file: lineage first, values verbatim.
  auto plain = store::Database::Open(":memory:");
  auto pc = (*plain)->Connect();
  auto r = pc->Query("SELECT _source, _line, _batch_id, _row_hash IS NOT NULL, amount, ordered_at, _loaded_at IS NOT NULL "
                     "FROM read_parquet('" + file + "') ORDER BY _line");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->row_count(), 2u);
  EXPECT_EQ(r->GetString(0, 0), dir_.File("orders.csv"));
  EXPECT_EQ(r->GetInt64(1, 0), 2);
  EXPECT_EQ(r->GetInt64(2, 0), c.batch_id);
  EXPECT_TRUE(r->GetBool(3, 0));
  EXPECT_EQ(r->GetString(4, 0), " 10 ");  // verbatim: not trimmed, not typed
  EXPECT_EQ(r->GetString(5, 1), "bad");   // rejected rows are in bronze too
  EXPECT_TRUE(r->GetBool(6, 0));
  auto codec = pc->Query("SELECT DISTINCT compression FROM parquet_metadata('" + file + "')");
  ASSERT_TRUE(codec.ok()) << codec.status().message();
  EXPECT_EQ(codec->GetString(0, 0), "ZSTD");
  // The view is what readers of bronze.orders used: the same columns.
  EXPECT_EQ(Value("SELECT string_agg(column_name, ',' ORDER BY column_index) FROM duckdb_columns() "
                  "WHERE schema_name = 'bronze' AND table_name = 'orders'"),
            "_source,_line,_loaded_at,_batch_id,_row_hash,order_id,customer_id,ordered_at,amount");
}

TEST_F(BronzeFilesTest, TheViewUnionsBatchesByColumnName) {
  IngestCounts a = Ingest("customers.csv", "customer_id,email\nc1,a@x.com\n");
  IngestCounts b = Ingest("customers.csv", "customer_id,plan,email\nc2,pro,b@x.com\n");
  EXPECT_EQ(Value("SELECT count(*) FROM bronze.customers"), "2");
  EXPECT_EQ(Value("SELECT coalesce(plan, 'none') || '/' || email FROM bronze.customers WHERE _batch_id = " +
                  std::to_string(a.batch_id)), "none/a@x.com");
  EXPECT_EQ(Value("SELECT plan FROM bronze.customers WHERE _batch_id = " + std::to_string(b.batch_id)), "pro");
  EXPECT_EQ(Value("SELECT count(*) FROM glob('" + Folder() + "/customers/*')"), "2");
}

TEST_F(BronzeFilesTest, ABatchThatFailsKeepsNoFile) {
  testing::WriteFile(dir_.File("orders.csv"), "order_id,customer_id,ordered_at,amount\no1,c1,2026-01-02,10\n");
  IngestOptions failing;
  failing.on_batch = [](store::Connection&, const IngestCounts&) { return Status::Internal("analysis failed"); };
  ASSERT_FALSE(IngestFile(*conn_, dir_.File("orders.csv"), failing).ok());
  EXPECT_TRUE(fs::is_empty(Folder() + "/orders"));
  EXPECT_EQ(Value("SELECT count(*) FROM meta.bronze_batches"), "0");
  EXPECT_FALSE(conn_->Query("SELECT count(*) FROM bronze.orders").ok());  // never created
}

TEST_F(BronzeFilesTest, OpenRemovesOrphansOfUncommittedBatches) {
  IngestCounts c = Ingest("products.csv", "product_id,name\nP1,Mug\n");
  Close();
  const std::string kept = store::BronzeBatchPath(Folder(), "products", c.batch_id);
  const std::string unrecorded = store::BronzeBatchPath(Folder(), "products", c.batch_id + 7);
  const std::string temp = store::BronzeBatchPath(Folder(), "orders", c.batch_id + 8) + ".tmp";
  const std::string other = Folder() + "/products/README.txt";  // not a batch file: left alone
  fs::create_directories(Folder() + "/orders");
  fs::copy_file(kept, unrecorded);
  fs::copy_file(kept, temp);
  testing::WriteFile(other, "notes");
  Open();
  EXPECT_TRUE(fs::exists(kept));
  EXPECT_FALSE(fs::exists(unrecorded));
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_EQ(Value("SELECT name FROM bronze.products"), "Mug");
}

TEST_F(BronzeFilesTest, ARecordedBatchWhoseFileIsMissingIsAnErrorNamingIt) {
  IngestCounts c = Ingest("products.csv", "product_id,name\nP1,Mug\n");
  Close();
  const std::string file = store::BronzeBatchPath(Folder(), "products", c.batch_id);
  fs::rename(file, dir_.File("aside.parquet"));
  Open();  // silver and gold stay usable
  EXPECT_EQ(Value("SELECT name FROM silver.products"), "Mug");
  auto read = conn_->Query("SELECT * FROM bronze.products");
  ASSERT_FALSE(read.ok());
  const std::string why = read.status().message();
  EXPECT_NE(why.find("bronze batch " + std::to_string(c.batch_id) + " of products: " + file + " is missing"),
            std::string::npos) << why;
  EXPECT_FALSE(conn_->Query("SELECT count(*) FROM bronze.products").ok());  // never a partial count
  // A later batch of the kind loads (its file is kept); bronze still names the missing file.
  IngestCounts later = Ingest("products.csv", "product_id,name\nP2,Cup\n");
  EXPECT_TRUE(fs::exists(store::BronzeBatchPath(Folder(), "products", later.batch_id)));
  EXPECT_FALSE(conn_->Query("SELECT * FROM bronze.products").ok());
  // The file restored, the next open reads both batches again.
  Close();
  fs::rename(dir_.File("aside.parquet"), file);
  Open();
  EXPECT_EQ(Value("SELECT string_agg(name, ',' ORDER BY name) FROM bronze.products"), "Cup,Mug");
}

TEST_F(BronzeFilesTest, AMovedDatabaseReadsItsOwnFolder) {
  Ingest("products.csv", "product_id,name\nP1,Mug\n");
  Close();
  const std::string moved = dir_.File("moved.duckdb");
  fs::rename(Db(), moved);
  fs::rename(Folder(), moved + ".bronze");
  auto db = store::OpenEngineDatabase(moved);
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto conn = (*db)->Connect();
  auto r = conn->Query("SELECT name FROM bronze.products");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->GetString(0, 0), "Mug");
}

TEST(BronzeFilesMemory, AnInMemoryDatabaseSaysBronzeNeedsAFile) {
  auto db = store::OpenEngineDatabase(":memory:");
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto conn = (*db)->Connect();
  testing::TempDir dir;
  testing::WriteFile(dir.File("products.csv"), "product_id,name\nP1,Mug\n");
  auto c = IngestFile(*conn, dir.File("products.csv"), {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("this database is in memory"), std::string::npos) << c.status().message();
}

}  // namespace
}  // namespace custintel::ingest
