// A custintel ingest killed with SIGKILL in the middle of its batch leaves the database exactly
// as it was before the batch: every table's and bronze view's row count and content checksum,
// and the set of bronze batch files, are unchanged once the database is opened again (the open
// removes the orphan file of the batch that never committed, store/bronze.h).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <algorithm>
#include <map>
#include <thread>

#include "store/migrations.h"
#include "testing/testing.h"

namespace custintel::ingest {
namespace {

using Clock = std::chrono::steady_clock;

// Every file under the database's bronze folder → its size.
void SnapshotBronzeFiles(const std::string& path, std::map<std::string, std::string>* out) {
  namespace fs = std::filesystem;
  const fs::path folder = path + ".bronze";
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return;
  for (const auto& f : fs::recursive_directory_iterator(folder, ec)) {
    if (f.is_regular_file()) (*out)["file " + fs::relative(f.path(), folder).string()] = std::to_string(f.file_size());
  }
}

// table or bronze view → "rows:checksum", and every bronze file, after an engine open (which
// reconciles the bronze folder with the database).
std::map<std::string, std::string> Snapshot(const std::string& path) {
  std::map<std::string, std::string> out;
  {
    auto engine = store::OpenEngineDatabase(path);
    EXPECT_TRUE(engine.ok()) << engine.status().message();
    if (!engine.ok()) return out;
  }
  auto db = store::Database::Open(path);
  EXPECT_TRUE(db.ok()) << db.status().message();
  if (!db.ok()) return out;
  auto conn = (*db)->Connect();
  auto tables = conn->Query(
      "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary UNION ALL "
      "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'bronze' ORDER BY ALL");
  EXPECT_TRUE(tables.ok());
  for (size_t i = 0; tables.ok() && i < tables->row_count(); ++i) {
    std::string name = "\"" + tables->GetString(0, i) + "\".\"" + tables->GetString(1, i) + "\"";
    auto r = conn->Query("SELECT count(*)::VARCHAR || ':' || coalesce(sum(hash(t))::VARCHAR, '0') FROM " + name + " t");
    EXPECT_TRUE(r.ok()) << name << ": " << r.status().message();
    if (r.ok()) out[name] = r->GetString(0, 0);
  }
  SnapshotBronzeFiles(path, &out);
  return out;
}

// Names under <db>.bronze/<kind>/, sorted.
std::vector<std::string> BronzeFiles(const std::string& db, const std::string& kind) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(db + ".bronze/" + kind, ec)) {
    out.push_back(f.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Starts `custintel ingest`; returns its pid.
pid_t StartIngest(const std::string& db, const std::string& dir) {
  const char* bin = std::getenv("CUSTINTEL_BIN");
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen("/dev/null", "w", stdout)) _exit(126);
    execl(bin, bin, "ingest", "--db", db.c_str(), "--dir", dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

TEST(IngestKill, SigkillMidBatchLeavesTheDatabaseAsBefore) {
  if (!std::getenv("CUSTINTEL_BIN")) GTEST_SKIP() << "CUSTINTEL_BIN is not set (run through ctest)";
  testing::TempDir dir;
  ASSERT_EQ(testing::RunCli("gen-data --customers 5000 --out " + dir.File("shop")).exit_code, 0);
  // How long a whole batch takes here, on a scratch copy.
  auto start = Clock::now();
  ASSERT_EQ(testing::RunCli("ingest --db " + dir.File("scratch.duckdb") + " --dir " + dir.File("shop")).exit_code, 0);
  const auto full = Clock::now() - start;
  // The state before the batch: an earlier batch committed.
  const std::string db = dir.File("shop.duckdb");
  testing::WriteFile(dir.File("products.csv"), "product_id,name\nP9999,Before\n");
  ASSERT_EQ(testing::RunCli("ingest --db " + db + " " + dir.File("products.csv")).exit_code, 0);
  const auto before = Snapshot(db);
  ASSERT_FALSE(before.empty());
  bool killed_mid_batch = false;
  for (int attempt = 0; attempt < 6 && !killed_mid_batch; ++attempt) {
    pid_t pid = StartIngest(db, dir.File("shop"));
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(full * (0.6 - 0.1 * attempt));  // into the bronze/silver writes
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    killed_mid_batch = WIFSIGNALED(status);
    ASSERT_TRUE(killed_mid_batch || WEXITSTATUS(status) == 0);
    if (!killed_mid_batch) {  // finished first: start over from the state before
      std::filesystem::remove(db);
      std::filesystem::remove(db + ".wal");
      ASSERT_EQ(testing::RunCli("ingest --db " + db + " " + dir.File("products.csv")).exit_code, 0);
    }
  }
  ASSERT_TRUE(killed_mid_batch) << "the ingest always finished before the kill";
  EXPECT_EQ(Snapshot(db), before);
  // And the folder loads whole afterwards, one bronze file per batch.
  ASSERT_EQ(testing::RunCli("ingest --db " + db + " --dir " + dir.File("shop")).exit_code, 0);
  EXPECT_EQ(BronzeFiles(db, "orders").size(), 1u);
}

// The two crash points between a batch's bronze file and its commit, hit deterministically
// (CUSTINTEL_CRASH_AT, store/bronze.cc): the file written under its temporary name, and the
// file renamed into place with the transaction not yet committed. Either way the killed batch
// leaves an orphan file that the next open removes, and nothing of the batch in the database.
TEST(IngestKill, SigkillBetweenTheBronzeFileAndTheCommitLeavesNoHalfBatch) {
  if (!std::getenv("CUSTINTEL_BIN")) GTEST_SKIP() << "CUSTINTEL_BIN is not set (run through ctest)";
  testing::TempDir dir;
  testing::WriteFile(dir.File("products.csv"), "product_id,name\nP1,Before\n");
  testing::WriteFile(dir.File("orders.csv"), "order_id,customer_id,ordered_at,amount\no1,c1,2026-01-02,10\n"
                                             "o2,c2,2026-01-03,abc\n");
  const std::string bin = std::getenv("CUSTINTEL_BIN");
  for (const std::string point : {"bronze-written", "bronze-renamed"}) {
    const std::string db = dir.File(point + ".duckdb");
    ASSERT_EQ(testing::RunCli("ingest --db " + db + " " + dir.File("products.csv")).exit_code, 0);
    const auto before = Snapshot(db);
    auto killed = testing::RunShell("CUSTINTEL_CRASH_AT=" + point + " '" + bin + "' ingest --db " + db + " " +
                                    dir.File("orders.csv"));
    EXPECT_NE(killed.exit_code, 0) << point << ": the crash point was not reached";
    // The orphan is on disk until the next open.
    const std::vector<std::string> orphan = BronzeFiles(db, "orders");
    ASSERT_EQ(orphan.size(), 1u) << point;
    EXPECT_EQ(orphan[0].ends_with(".tmp"), point == "bronze-written") << orphan[0];
    EXPECT_EQ(Snapshot(db), before) << point;
    EXPECT_TRUE(BronzeFiles(db, "orders").empty()) << point;
    // The same file then loads: one batch file, its two rows, its reject.
    auto again = testing::RunCli("ingest --db " + db + " " + dir.File("orders.csv"));
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(BronzeFiles(db, "orders").size(), 1u);
    auto after = Snapshot(db);
    EXPECT_EQ(after["\"bronze\".\"orders\""].substr(0, 2), "2:");
    EXPECT_EQ(after["\"bronze\".\"rejects\""].substr(0, 2), "1:");
  }
}

}  // namespace
}  // namespace custintel::ingest
