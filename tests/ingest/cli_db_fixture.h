// What the ingest part's end-to-end tests share: a fresh database file per test, the real
// binary run against it, and its rows read back with SQL after the command has exited.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "store/database.h"
#include "testing/testing.h"

namespace custintel::testing {

class CliDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::getenv("CUSTINTEL_BIN")) GTEST_SKIP() << "CUSTINTEL_BIN is not set (run through ctest)";
  }
  std::string Db() const { return dir_.File("shop.duckdb"); }
  // Writes `content` to `name` in the test's folder; returns its path.
  std::string File(const std::string& name, const std::string& content) const {
    WriteFile(dir_.File(name), content);
    return dir_.File(name);
  }
  CommandResult Cli(const std::string& args) { return RunCli(args + " --db " + Db()); }
  // The rows of a query as "a|b|c" lines (opened after the CLI has exited).
  std::string Rows(const std::string& sql) {
    auto db = store::Database::Open(Db());
    EXPECT_TRUE(db.ok()) << db.status().message();
    if (!db.ok()) return "";
    auto conn = (*db)->Connect();
    auto r = conn->Query(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().message();
    std::string out;
    for (size_t i = 0; r.ok() && i < r->row_count(); ++i) {
      for (size_t c = 0; c < r->column_count(); ++c) out += (c ? "|" : "") + (r->IsNull(c, i) ? "NULL" : r->GetString(c, i));
      out += "\n";
    }
    return out;
  }
  // Rows without the last line break: one row's "a|b|c".
  std::string Value(const std::string& sql) {
    std::string r = Rows(sql);
    return r.empty() ? r : r.substr(0, r.size() - 1);
  }
  TempDir dir_;
};

}  // namespace custintel::testing
