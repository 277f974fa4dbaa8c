// The run's table of steps (pipeline/step.h): what each step declares is what it does, and the
// order lets every step read only what is already written.
#include "pipeline/step.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "store/database.h"
#include "testing/testing.h"

namespace custintel::pipeline {
namespace {

using testing::TempDir;

bool IsSilver(const std::string& table) { return table.rfind("silver.", 0) == 0; }

TEST(RunSteps, EveryReadIsWrittenByIngestOrAnEarlierStep) {
  std::set<std::string> written;
  for (const Step& step : RunSteps()) {
    for (const std::string& table : step.reads) {
      if (IsSilver(table)) continue;  // ingest writes silver
      EXPECT_TRUE(written.count(table)) << step.name << " reads " << table << " before any step writes it";
    }
    written.insert(step.writes.begin(), step.writes.end());
  }
}

TEST(RunSteps, NamesAreUniqueAndEveryStepWritesGold) {
  std::set<std::string> names;
  for (const Step& step : RunSteps()) {
    EXPECT_TRUE(names.insert(step.name).second) << "two steps named " << step.name;
    EXPECT_FALSE(step.writes.empty()) << step.name;
    for (const std::string& table : step.writes) EXPECT_EQ(table.rfind("gold.", 0), 0u) << step.name << ": " << table;
    EXPECT_NE(step.run, nullptr) << step.name;
  }
}

TEST(RunSteps, OnlyCustomerLevelStepsSeeAnIncrementalScope) {
  Config config;
  RunOptions options;
  RunPlan plan;
  plan.incremental = true;
  plan.scope = features::Scope::Customers("ci_scope");
  auto db = store::Database::Open(":memory:");
  ASSERT_TRUE(db.ok());
  auto conn = (*db)->Connect();
  ASSERT_TRUE(conn.ok());
  const std::string as_of = "2024-01-01 00:00:00+00";
  for (Scoping s : {Scoping::kCustomers, Scoping::kPopulation, Scoping::kChangedRows}) {
    StepContext ctx{*conn, config, options, as_of, plan, s, {}};
    EXPECT_EQ(ctx.scope().all(), s != Scoping::kCustomers);
  }
}

// The declared writes are exactly the gold tables a real run leaves (the real binary, a small
// generated shop), and the run report lists the steps in table order.
TEST(RunSteps, DeclaredWritesAreTheGoldTablesARunLeaves) {
  TempDir dir;
  const std::string db_path = dir.File("shop.duckdb");
  auto run = testing::BuildShop(dir, 1000, 5, db_path);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  size_t at = 0;
  for (const Step& step : RunSteps()) {
    size_t found = run.out.find(step.name, at);
    ASSERT_NE(found, std::string::npos) << step.name << " missing or out of order in:\n" << run.out;
    at = found;
  }

  std::set<std::string> declared;
  for (const Step& step : RunSteps()) declared.insert(step.writes.begin(), step.writes.end());
  auto db = store::Database::Open(db_path, {.read_only = true});
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto conn = (*db)->Connect();
  ASSERT_TRUE(conn.ok());
  for (const std::string& table : declared) {
    auto exists = store::TableExists(*conn, "gold", table.substr(5));
    ASSERT_TRUE(exists.ok());
    EXPECT_TRUE(*exists) << table << " is declared but the run left no such table";
  }
  auto gold = conn->Query(
      "SELECT 'gold.' || table_name FROM information_schema.tables WHERE table_schema = 'gold' AND "
      "table_type = 'BASE TABLE' ORDER BY 1");
  ASSERT_TRUE(gold.ok());
  for (size_t i = 0; i < gold->row_count(); ++i) {
    EXPECT_TRUE(declared.count(gold->GetString(0, i))) << gold->GetString(0, i) << " is written by no declared step";
  }
}

}  // namespace
}  // namespace custintel::pipeline
