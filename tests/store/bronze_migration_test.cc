// Migration 0026: a database made by the previous schema (bronze.<kind> as tables, written the
// way ingest wrote them: lineage columns, then the source columns as VARCHAR) opens with every
// bronze row moved to one Parquet file per batch and the tables replaced by views of the same
// rows and columns.
#include <filesystem>

#include <gtest/gtest.h>

#include "store/bronze.h"
#include "store/migrations.h"
#include "testing/testing.h"

namespace custintel::store {
namespace {

namespace fs = std::filesystem;

std::string Value(Connection& conn, const std::string& sql) {
  auto r = conn.Query(sql);
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status().message();
  return r.ok() && r->row_count() ? r->GetString(0, 0) : "";
}

// The previous schema: every engine migration but 0026, and bronze as ingest wrote it then.
void CreatePreviousSchemaDatabase(const std::string& path) {
  auto db = Database::Open(path);
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto conn = (*db)->Connect();
  std::vector<Migration> before;
  for (auto& m : EngineMigrations()) {
    if (m.name != "bronze_files") before.push_back(m);
  }
  ASSERT_TRUE(ApplyMigrations(*conn, before).ok());
  ASSERT_TRUE(conn->Execute(
      "CREATE TABLE bronze.orders (_source VARCHAR, _line BIGINT, _loaded_at TIMESTAMPTZ, _batch_id BIGINT, "
      "_row_hash UBIGINT);"
      "ALTER TABLE bronze.orders ADD COLUMN order_id VARCHAR USING COMPRESSION fsst;"
      "ALTER TABLE bronze.orders ADD COLUMN amount VARCHAR USING COMPRESSION fsst;"
      "INSERT INTO bronze.orders BY NAME SELECT 'orders.csv' AS _source, i + 1 AS _line, "
      "TIMESTAMPTZ '2026-01-01 00:00:00+00' AS _loaded_at, 1 AS _batch_id, hash('o' || i) AS _row_hash, "
      "'o' || i AS order_id, (i * 1.5)::VARCHAR AS amount FROM range(1, 1001) t(i);"
      "ALTER TABLE bronze.orders ADD COLUMN coupon VARCHAR USING COMPRESSION fsst;"
      "INSERT INTO bronze.orders BY NAME SELECT 'orders2.csv' AS _source, 2 AS _line, "
      "TIMESTAMPTZ '2026-01-02 00:00:00+00' AS _loaded_at, 3 AS _batch_id, 7::UBIGINT AS _row_hash, "
      "'o1' AS order_id, NULL AS amount, 'SAVE' AS coupon;"
      "CREATE TABLE bronze.notes (_source VARCHAR, _line BIGINT, _loaded_at TIMESTAMPTZ, _batch_id BIGINT, "
      "_row_hash UBIGINT, note_id VARCHAR);"  // created, never filled
      "INSERT INTO bronze.rejects(kind, _source, _line, _batch_id, column_name, reason, raw) VALUES "
      "('orders', 'orders.csv', 9, 1, 'amount', 'amount ''x'' is not a number', '{}')")
                  .ok());
}

TEST(BronzeMigration, PreviousSchemaBronzeTablesBecomeFilesAndViews) {
  testing::TempDir dir;
  const std::string path = dir.File("old.duckdb");
  CreatePreviousSchemaDatabase(path);
  std::string rows_before;
  {
    auto db = Database::Open(path);
    auto conn = (*db)->Connect();
    rows_before = Value(*conn, "SELECT count(*) || ':' || sum(hash(_source, _line, _loaded_at, _batch_id, _row_hash, "
                               "order_id, amount, coupon)) FROM bronze.orders");
  }
  auto db = OpenEngineDatabase(path);
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto conn = (*db)->Connect();
  EXPECT_EQ(Value(*conn, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'bronze' AND table_name <> 'rejects'"), "0");
  EXPECT_EQ(Value(*conn, "SELECT string_agg(view_name, ',' ORDER BY view_name) FROM duckdb_views() WHERE schema_name = 'bronze'"),
            "notes,orders");
  EXPECT_EQ(Value(*conn, "SELECT count(*) || ':' || sum(hash(_source, _line, _loaded_at, _batch_id, _row_hash, "
                         "order_id, amount, coupon)) FROM bronze.orders"),
            rows_before);
  EXPECT_EQ(Value(*conn, "SELECT string_agg(column_name, ',' ORDER BY column_index) FROM duckdb_columns() "
                         "WHERE schema_name = 'bronze' AND table_name = 'orders'"),
            "_source,_line,_loaded_at,_batch_id,_row_hash,order_id,amount,coupon");
  const std::string folder = path + ".bronze";
  EXPECT_TRUE(fs::exists(BronzeBatchPath(folder, "orders", 1)));
  EXPECT_TRUE(fs::exists(BronzeBatchPath(folder, "orders", 3)));
  EXPECT_EQ(Value(*conn, "SELECT string_agg(batch_id || '=' || rows, ',' ORDER BY batch_id) FROM meta.bronze_batches "
                         "WHERE kind = 'orders'"), "1=1000,3=1");
  // The empty table became a view that still answers, with no file behind it.
  EXPECT_EQ(Value(*conn, "SELECT count(*) FROM bronze.notes"), "0");
  EXPECT_EQ(Value(*conn, "SELECT count(*) FROM bronze.rejects"), "1");  // the quarantine stays a table
  EXPECT_EQ(Value(*conn, "SELECT count(*) FROM meta.schema_migrations WHERE name = 'bronze_files'"), "1");
}

}  // namespace
}  // namespace custintel::store
