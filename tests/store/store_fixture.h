// What the store's tests share: a fresh in-memory database.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "store/database.h"

namespace custintel::store {

inline std::shared_ptr<Database> OpenMemory() {
  auto db = Database::Open(":memory:");
  EXPECT_TRUE(db.ok()) << db.status().message();
  return *db;
}

}  // namespace custintel::store
