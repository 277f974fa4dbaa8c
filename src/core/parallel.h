// Data parallelism on plain threads, the one door for it: every part that spreads independent
// items over the cores (or over connections, for I/O) calls these.
//
//   ParallelFor(rows.size(), 0, 64, [&](size_t i) { out[i] = Score(rows[i]); });
//   ParallelSlices(texts.size(), 0, 256, [&](size_t begin, size_t end) { ... });
//
// threads: how many threads work, the caller's included (0 = one per core); never more than one
// per min_per_thread items (rounded up), so small inputs run on the caller's thread alone. Both return when
// every item is done. fn must touch only its own items (or synchronise itself).
#pragma once

#include <cstddef>
#include <functional>

namespace custintel {

// fn(i) once for every i in [0, n), handed out one at a time: uneven items balance.
void ParallelFor(std::size_t n, std::size_t threads, std::size_t min_per_thread,
                 const std::function<void(std::size_t)>& fn);

// fn(begin, end) over contiguous slices of [0, n), one slice per thread.
void ParallelSlices(std::size_t n, std::size_t threads, std::size_t min_per_thread,
                    const std::function<void(std::size_t, std::size_t)>& fn);

}  // namespace custintel
