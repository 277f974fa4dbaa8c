// An in-memory engine database with a small, hand-made shop, shared by the model tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/database.h"
#include "store/migrations.h"

namespace custintel::models {

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

}  // namespace custintel::models
