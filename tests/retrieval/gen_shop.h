// A gen-data shop (2000 customers, seed 7) ingested into a database in a temporary directory
// by the real binary, shared by the tests of one file.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "testing/testing.h"

namespace custintel::retrieval {

class GenShop {
 public:
  GenShop() {
    auto gen = testing::RunCli("gen-data --customers 2000 --seed 7 --out " + dir_.File("shop"));
    EXPECT_EQ(gen.exit_code, 0) << gen.err;
    auto ingest = testing::RunCli("ingest --db " + db() + " --dir " + dir_.File("shop"));
    EXPECT_EQ(ingest.exit_code, 0) << ingest.err;
  }
  std::string db() const { return dir_.File("shop.duckdb"); }
  std::string File(const std::string& name) const { return dir_.File(name); }

 private:
  testing::TempDir dir_;
};

}  // namespace custintel::retrieval
