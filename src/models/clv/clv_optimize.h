// The one door to NLopt for the lifetime-value models: minimises a smooth objective of a few
// unconstrained (log-scale) parameters with L-BFGS and an analytic gradient.
//
// NLopt is used through its C API, which reports failures as codes rather than exceptions;
// every outcome becomes a value here. A run that stops on round-off with a tiny gradient is
// reported as converged (the optimum is as good as double precision allows).
//
// Thread safety: Minimize is reentrant; the objective is called from the calling thread only
// (it may itself fan out across threads).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace custintel::models::clv_optimize {

// Returns f(x) and writes ∇f(x) into `gradient` (same size as x).
using Objective = std::function<double(const std::vector<double>& x, std::vector<double>& gradient)>;

struct MinimizeOptions {
  int max_evaluations = 2000;       // cap on objective calls
  double relative_x_tolerance = 1e-10;
  double gradient_tolerance = 1e-6;  // max |∂f/∂x_i| accepted as "converged" after round-off stops
};

struct MinimizeResult {
  std::vector<double> x;           // the minimiser found
  double value = 0.0;              // f(x)
  int evaluations = 0;             // objective calls
  bool converged = false;          // stopped on a tolerance, or on round-off at a stationary point
  std::string stop_reason;         // NLopt's reason, for reports
};

// Runs fn(begin, end, chunk) over [0, n) split into contiguous chunks, one thread per chunk
// (the calling thread takes chunk 0). Chunks are fixed by (n, threads), so per-chunk partial
// sums combined in chunk order give the same result on every run. threads ≤ 0 means hardware
// concurrency; inputs under `min_per_thread` per thread use fewer threads. Returns the chunk count.
int ParallelChunks(size_t n, int threads, size_t min_per_thread,
                   const std::function<void(size_t begin, size_t end, int chunk)>& fn);

// Minimises `objective` from `start`. Fails only when NLopt itself fails (bad arguments, out of
// memory) or the objective is not finite at the start.
Result<MinimizeResult> Minimize(const Objective& objective, std::vector<double> start,
                                const MinimizeOptions& options = {});

}  // namespace custintel::models::clv_optimize
