// Databases shared by the model tests: an in-memory engine database for small, hand-made shops,
// and a generated shop that has been through `custintel run`.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "models/churn/churn_model_metrics.h"
#include "store/database.h"
#include "store/migrations.h"
#include "testing/testing.h"

namespace custintel::models {

// Rows of `a` missing from `b` plus rows of `b` missing from `a` (as multisets, NULLs equal),
// both restricted to `where`: 0 when the two hold the same rows, bit for bit.
inline int64_t RowDifferences(store::Connection& conn, const std::string& a, const std::string& b,
                              const std::string& where = "TRUE") {
  auto r = conn.Query("SELECT count(*) FROM ((SELECT * FROM " + a + " WHERE " + where + " EXCEPT ALL SELECT * FROM " +
                      b + " WHERE " + where + ") UNION ALL (SELECT * FROM " + b + " WHERE " + where +
                      " EXCEPT ALL SELECT * FROM " + a + " WHERE " + where + "))");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r->GetInt64(0, 0) : -1;
}

// ROC-AUC of the learned and the heuristic churn risk against a label, from the rows of a query
// selecting (churn_risk, churn_risk_heuristic, label 0/1).
struct ChurnAucs {
  double learned = 0, heuristic = 0;
};
inline ChurnAucs ChurnAucsOf(const store::QueryResult& r) {
  std::vector<double> learned, heuristic;
  std::vector<int> labels;
  for (size_t i = 0; i < r.row_count(); ++i) {
    learned.push_back(r.GetDouble(0, i));
    heuristic.push_back(r.GetDouble(1, i));
    labels.push_back(static_cast<int>(r.GetInt64(2, i)));
  }
  return {RocAuc(learned, labels), RocAuc(heuristic, labels)};
}

class InMemoryDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::OpenEngineDatabase(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = *db;
    conn_ = std::make_unique<store::Connection>(std::move(*db_->Connect()));
  }
  void Exec(const std::string& sql) {
    Status s = conn_->Execute(sql);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  store::QueryResult Query(const std::string& sql) {
    auto r = conn_->Query(sql);
    EXPECT_TRUE(r.ok()) << r.status().message() << "\n" << sql;
    return r.ok() ? std::move(*r) : store::QueryResult();
  }
  std::shared_ptr<store::Database> db_;
  std::unique_ptr<store::Connection> conn_;
};

// A shop made by `custintel gen-data` (5,000 customers, seed 7), ingested and run once
// (`custintel run`), shared by every suite of the process that derives from this fixture: the
// first suite makes it, later ones reuse it. Tests that change it work on a copy (CopyDb).
class GeneratedShopTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!Shop().first_run.empty()) return;
    auto run = testing::BuildShop(Shop().dir, 5000, 7, Db());
    ASSERT_EQ(run.exit_code, 0) << run.err;
    Shop().first_run = run.out;
  }
  static std::string Db() { return Shop().dir.File("shop.duckdb"); }
  static std::string ShopFile(const std::string& name) { return Shop().dir.File("shop/" + name); }
  static std::string Truth() { return ShopFile("truth/customers.csv"); }
  // What the first `custintel run` printed.
  static const std::string& FirstRun() { return Shop().first_run; }

  // Copies the shop's database into `dir` and opens the copy in this test's db_ / conn_.
  void OpenCopy(const testing::TempDir& dir) {
    const std::string path = dir.File("shop.duckdb");
    testing::CopyDatabase(Db(), path);
    auto db = store::OpenEngineDatabase(path);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = *db;
    conn_ = std::make_unique<store::Connection>(std::move(*db_->Connect()));
  }
  void Exec(const std::string& sql) {
    Status s = conn_->Execute(sql);
    ASSERT_TRUE(s.ok()) << s.message() << "\n" << sql;
  }
  store::QueryResult Query(const std::string& sql) {
    auto r = conn_->Query(sql);
    EXPECT_TRUE(r.ok()) << r.status().message() << "\n" << sql;
    return r.ok() ? std::move(*r) : store::QueryResult();
  }
  // as_of of the last run on the open database.
  std::string LastRunAsOf() { return Query("SELECT as_of::VARCHAR FROM meta.runs ORDER BY run_id DESC LIMIT 1").GetString(0, 0); }

  std::shared_ptr<store::Database> db_;
  std::unique_ptr<store::Connection> conn_;

 private:
  struct State {
    testing::TempDir dir;
    std::string first_run;
  };
  static State& Shop() {
    static State state;  // removed at exit
    return state;
  }
};


// The statuses at the validation cutoff order the actual return rates active > at risk > lapsed,
// and the at-risk are a targetable minority.
inline void ExpectStatusesOrderReturns(const nlohmann::json& j) {
  ASSERT_TRUE(j.contains("statuses")) << j.dump();
  const auto& s = j["statuses"];
  for (const char* name : {"active", "new", "at_risk", "lapsed"}) {
    ASSERT_TRUE(s.contains(name)) << j.dump();
    std::printf("  status %-8s %6lld customers (%.1f%%), bought again %.3f\n", name,
                static_cast<long long>(s[name]["customers"].get<int64_t>()), 100 * s[name]["share"].get<double>(),
                s[name]["returned_rate"].is_number() ? s[name]["returned_rate"].get<double>() : -1.0);
  }
  EXPECT_GT(s["active"]["returned_rate"].get<double>(), s["at_risk"]["returned_rate"].get<double>()) << s.dump();
  EXPECT_GT(s["at_risk"]["returned_rate"].get<double>(), s["lapsed"]["returned_rate"].get<double>()) << s.dump();
  EXPECT_GT(s["at_risk"]["customers"].get<int64_t>(), 0);
  EXPECT_LT(s["at_risk"]["share"].get<double>(), 0.5) << s.dump();
  EXPECT_NEAR(j["at_risk_lapse_rate"].get<double>(), 1.0 - s["at_risk"]["returned_rate"].get<double>(), 1e-6);
}

}  // namespace custintel::models
