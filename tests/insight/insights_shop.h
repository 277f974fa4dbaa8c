// The insight writers' test shop: `custintel gen-data --customers 2000 --seed 7`, ingested and
// run (so every insight table is written), built once per binary under a lock in the build
// directory (ctest runs each test in its own process) and copied into each test's TempDir.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "testing/testing.h"

namespace custintel::insight::testing {

struct InsightsShop {
  std::string error;   // why the shop could not be built; "" when it is ready
  std::string cache;   // folder holding shop/ (the CSVs) and shop.duckdb
};

inline std::string BuildShopInto(const std::string& dir) {
  using custintel::testing::RunCli;
  auto gen = RunCli("gen-data --customers 2000 --seed 7 --out " + dir + "/shop");
  if (gen.exit_code != 0) return "gen-data: " + gen.err;
  auto ingest = RunCli("ingest --db " + dir + "/shop.duckdb --dir " + dir + "/shop");
  if (ingest.exit_code != 0) return "ingest: " + ingest.err;
  auto run = RunCli("run --db " + dir + "/shop.duckdb");
  if (run.exit_code != 0) return "run: " + run.err;
  return "";
}

// The cached shop, rebuilt when the custintel binary changes.
inline const InsightsShop& SharedInsightsShop() {
  static InsightsShop* shop = [] {
    namespace fs = std::filesystem;
    auto* s = new InsightsShop();
    const char* bin = std::getenv("CUSTINTEL_BIN");
    if (!bin) {
      s->error = "CUSTINTEL_BIN is not set (run through ctest)";
      return s;
    }
    struct stat st{};
    stat(bin, &st);
    std::string stamp = std::to_string(st.st_mtime) + ":" + std::to_string(st.st_size);
    fs::path cache = fs::path(bin).parent_path() / "insights-test-fixture";
    fs::create_directories(cache);
    s->cache = cache.string();
    int lock = open((cache / "lock").c_str(), O_RDWR | O_CREAT, 0644);
    flock(lock, LOCK_EX);
    if (custintel::testing::ReadFile((cache / "stamp").string()) != stamp) {
      fs::remove_all(cache / "shop");
      fs::remove(cache / "shop.duckdb");
      s->error = BuildShopInto(cache.string());
      if (s->error.empty()) custintel::testing::WriteFile((cache / "stamp").string(), stamp);
    }
    flock(lock, LOCK_UN);
    close(lock);
    return s;
  }();
  return *shop;
}

// A private copy of the shop's database in `dir`; "" when the shop could not be built.
inline std::string CopyShopDb(const custintel::testing::TempDir& dir) {
  const InsightsShop& shop = SharedInsightsShop();
  if (!shop.error.empty()) return "";
  std::string to = dir.File("shop.duckdb");
  custintel::testing::CopyDatabase(shop.cache + "/shop.duckdb", to);
  return to;
}

}  // namespace custintel::insight::testing
