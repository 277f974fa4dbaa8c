#include "store/migrations.h"

#include <gtest/gtest.h>

#include "store/store_fixture.h"
#include "testing/testing.h"

namespace custintel::store {
namespace {

TEST(Migrations, ApplyOnceEach) {
  auto db = OpenMemory();
  auto conn = db->Connect();
  ASSERT_TRUE(conn.ok());
  std::vector<Migration> ms = {{1, "a", "CREATE TABLE t1(x INT)"}, {2, "b", "CREATE TABLE t2(x INT)"}};
  auto first = ApplyMigrations(*conn, ms);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(*first, 2);
  auto second = ApplyMigrations(*conn, ms);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 0);
  auto n = conn->Query("SELECT count(*) FROM meta.schema_migrations");
  EXPECT_EQ(n->GetInt64(0, 0), 2);
}

TEST(Migrations, FailingMigrationRollsBackEntirely) {
  auto db = OpenMemory();
  auto conn = db->Connect();
  std::vector<Migration> ms = {
      {1, "ok", "CREATE TABLE t1(x INT)"},
      {2, "broken", "CREATE TABLE t2(x INT); INSERT INTO t2 VALUES (1); SELECT * FROM no_such_table"}};
  auto r = ApplyMigrations(*conn, ms);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("0002_broken"), std::string::npos) << r.status().message();
  // t2 was created inside the failed migration: gone. Version stays at 1.
  EXPECT_FALSE(conn->Query("SELECT * FROM t2").ok());
  EXPECT_EQ(conn->Query("SELECT max(version) FROM meta.schema_migrations")->GetInt64(0, 0), 1);
  // Fixing the migration lets it apply.
  ms[1].sql = "CREATE TABLE t2(x INT)";
  EXPECT_EQ(*ApplyMigrations(*conn, ms), 1);
}

TEST(Migrations, AMigrationNumberedBelowTheNewestStillApplies) {
  auto db = OpenMemory();
  auto conn = db->Connect();
  ASSERT_EQ(*ApplyMigrations(*conn, {{1, "a", "CREATE TABLE t1(x INT)"}, {4, "d", "CREATE TABLE t4(x INT)"}}), 2);
  auto r = ApplyMigrations(*conn, {{1, "a", "CREATE TABLE t1(x INT)"}, {2, "b", "CREATE TABLE t2(x INT)"},
                                   {4, "d", "CREATE TABLE t4(x INT)"}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, 1);
  EXPECT_TRUE(conn->Query("SELECT * FROM t2").ok());
}

TEST(Migrations, EngineMigrationsCreateSilverContract) {
  testing::TempDir dir;
  auto db = OpenEngineDatabase(dir.File("x.duckdb"));
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto conn = (*db)->Connect();
  for (const char* t : {"customers", "orders", "order_items", "products", "events", "reviews",
                        "tickets", "notes"}) {
    EXPECT_TRUE(conn->Query(std::string("SELECT * FROM silver.") + t).ok()) << t;
  }
}

TEST(Database, RefusesFileThatIsNotDuckDbAndLeavesItUntouched) {
  testing::TempDir dir;
  std::string path = dir.File("notes.txt");
  testing::WriteFile(path, "hello, this is not a database, just some text of decent length\n");
  auto db = Database::Open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find("not a DuckDB database"), std::string::npos);
  EXPECT_EQ(testing::ReadFile(path), "hello, this is not a database, just some text of decent length\n");
}

TEST(Database, PreparedParamsAndAppender) {
  auto db = OpenMemory();
  auto conn = db->Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE t(id VARCHAR, n BIGINT, x DOUBLE, ok BOOLEAN)").ok());
  {
    auto app = Appender::Create(*conn, "main", "t");
    ASSERT_TRUE(app.ok()) << app.status().message();
    for (int i = 0; i < 1000; ++i) {
      ASSERT_TRUE(app->Append(std::string("c") + std::to_string(i)).ok());
      ASSERT_TRUE(app->Append(int64_t{i}).ok());
      ASSERT_TRUE(app->Append(i * 0.5).ok());
      ASSERT_TRUE(app->Append(Param{}).ok());
      ASSERT_TRUE(app->EndRow().ok());
    }
    ASSERT_TRUE(app->Close().ok());
  }
  auto r = conn->Query("SELECT count(*), sum(n), count(ok) FROM t WHERE x >= ?", {100.0});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->GetInt64(0, 0), 800);
  EXPECT_EQ(r->GetInt64(2, 0), 0);
  auto bad = conn->Query("SELECT * FROM t WHERE id = ?", {});
  EXPECT_FALSE(bad.ok());
}

TEST(Transaction, RollsBackWhenNotCommitted) {
  auto db = OpenMemory();
  auto conn = db->Connect();
  ASSERT_TRUE(conn->Execute("CREATE TABLE t(x INT)").ok());
  {
    auto tx = Transaction::Begin(*conn);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(conn->Execute("INSERT INTO t VALUES (1)").ok());
  }
  EXPECT_EQ(conn->Query("SELECT count(*) FROM t")->GetInt64(0, 0), 0);
}

}  // namespace
}  // namespace custintel::store
