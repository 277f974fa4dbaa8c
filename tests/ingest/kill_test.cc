// A custintel ingest killed with SIGKILL in the middle of its batch leaves the database exactly
// as it was before the batch: every table's row count and content checksum are unchanged.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "store/migrations.h"
#include "testing/testing.h"

namespace custintel::ingest {
namespace {

using Clock = std::chrono::steady_clock;

// table → "rows:checksum" for every table of the database file.
std::map<std::string, std::string> Snapshot(const std::string& path) {
  std::map<std::string, std::string> out;
  auto db = store::Database::Open(path);
  EXPECT_TRUE(db.ok()) << db.status().message();
  if (!db.ok()) return out;
  auto conn = (*db)->Connect();
  auto tables = conn->Query("SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY ALL");
  EXPECT_TRUE(tables.ok());
  for (size_t i = 0; tables.ok() && i < tables->row_count(); ++i) {
    std::string name = "\"" + tables->GetString(0, i) + "\".\"" + tables->GetString(1, i) + "\"";
    auto r = conn->Query("SELECT count(*)::VARCHAR || ':' || coalesce(sum(hash(t))::VARCHAR, '0') FROM " + name + " t");
    EXPECT_TRUE(r.ok()) << name << ": " << r.status().message();
    if (r.ok()) out[name] = r->GetString(0, 0);
  }
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
}

}  // namespace
}  // namespace custintel::ingest
