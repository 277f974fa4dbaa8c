#include "core/parallel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace custintel {
namespace {

TEST(ParallelFor, RunsEveryItemExactlyOnce) {
  for (size_t n : {0, 1, 63, 64, 1000, 100000}) {
    std::vector<std::atomic<int>> seen(n);
    ParallelFor(n, 4, 1, [&](size_t i) { seen[i].fetch_add(1); });
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(seen[i].load(), 1) << "n " << n << " item " << i;
  }
}

TEST(ParallelFor, SmallInputsStayOnTheCallersThread) {
  std::set<std::thread::id> ids;
  std::mutex mu;
  auto record = [&](size_t) {
    std::lock_guard<std::mutex> lock(mu);
    ids.insert(std::this_thread::get_id());
  };
  ParallelFor(64, 8, 64, record);  // one thread's worth of items
  EXPECT_EQ(ids, std::set<std::thread::id>{std::this_thread::get_id()});
  ids.clear();
  // Items that wait for each other prove several threads ran them at once.
  std::atomic<int> started{0};
  ParallelFor(2, 2, 1, [&](size_t) {
    started.fetch_add(1);
    for (int spin = 0; started.load() < 2 && spin < 200000000; ++spin) std::this_thread::yield();
    record(0);
  });
  EXPECT_EQ(started.load(), 2);
  EXPECT_EQ(ids.size(), 2u);
}

TEST(ParallelSlices, SlicesTileTheRangeInOrderOnePerThread) {
  for (size_t threads : {1, 3, 8}) {
    std::vector<std::pair<size_t, size_t>> slices;
    std::mutex mu;
    ParallelSlices(1000, threads, 10, [&](size_t begin, size_t end) {
      std::lock_guard<std::mutex> lock(mu);
      slices.emplace_back(begin, end);
    });
    std::sort(slices.begin(), slices.end());
    ASSERT_EQ(slices.size(), threads);
    EXPECT_EQ(slices.front().first, 0u);
    EXPECT_EQ(slices.back().second, 1000u);
    for (size_t k = 1; k < slices.size(); ++k) EXPECT_EQ(slices[k].first, slices[k - 1].second);
  }
  int calls = 0;
  ParallelSlices(0, 4, 1, [&](size_t begin, size_t end) {
    ++calls;
    EXPECT_EQ(begin, end);
  });
  EXPECT_EQ(calls, 1);  // an empty range is one empty slice on the caller's thread
}

}  // namespace
}  // namespace custintel
