#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace custintel {
namespace {

std::size_t Workers(std::size_t n, std::size_t threads, std::size_t min_per_thread) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t per = std::max<std::size_t>(1, min_per_thread);
  return std::clamp<std::size_t>((n + per - 1) / per, 1, threads);
}

// Runs work(k) for k in [0, workers): k = 0 on the caller's thread, the rest on new threads.
void RunWorkers(std::size_t workers, const std::function<void(std::size_t)>& work) {
  std::vector<std::jthread> pool;
  pool.reserve(workers - 1);
  for (std::size_t k = 1; k < workers; ++k) pool.emplace_back(work, k);
  work(0);
}

}  // namespace

void ParallelFor(std::size_t n, std::size_t threads, std::size_t min_per_thread,
                 const std::function<void(std::size_t)>& fn) {
  const std::size_t workers = Workers(n, threads, min_per_thread);
  if (workers == 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  RunWorkers(workers, [&](std::size_t) {
    for (std::size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) fn(i);
  });
}

void ParallelSlices(std::size_t n, std::size_t threads, std::size_t min_per_thread,
                    const std::function<void(std::size_t, std::size_t)>& fn) {
  const std::size_t workers = Workers(n, threads, min_per_thread);
  RunWorkers(workers, [&](std::size_t k) { fn(n * k / workers, n * (k + 1) / workers); });
}

}  // namespace custintel
