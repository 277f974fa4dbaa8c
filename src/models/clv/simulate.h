// Customers drawn from any customer-base model's generative process (customer_base.h), for
// parameter recovery, model-choice tests and benchmarks. Seeded and reproducible everywhere
// (core/random.h). Each customer's purchase times are kept, so one simulation can be summarised
// at several ends: a calibration period and the full period of a time split.
//
// Continuous models: first purchase ("birth") uniform in [0, birth_max]; then, per model,
//   BG/NBD, MBG/NBD, (M)BG/CNBD-k: λ ~ Gamma(r, α), p ~ Beta(a, b); Erlang-k(λ) intervals; after
//     each repeat purchase (and for the M-variants after the first too) dropout with prob. p;
//   Pareto/NBD: λ ~ Gamma(r, α), μ ~ Gamma(s, β); Poisson(λ) purchases until an Exp(μ) lifetime ends.
// BG/BB: p ~ Beta(α, β), θ ~ Beta(γ, δ); at each opportunity 1, 2, ... the customer first becomes
//   inactive with prob. θ, else transacts with prob. p (times are opportunity numbers; birth 0).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "models/clv/clv_summary.h"
#include "models/clv/customer_base.h"

namespace custintel::models::clv {

struct SimulationOptions {
  size_t customers = 10000;
  double birth_max = 0.0;        // first purchases uniform in [0, birth_max] (continuous models)
  double end = 52.0;             // purchases are simulated up to this time (BG/BB: opportunities)
  double time_resolution = 0.0;  // 0: continuous; else times floored to multiples (1.0/7: days in weeks)
  uint64_t seed = 42;
};

struct SimulatedCustomers {
  std::vector<double> birth;
  std::vector<size_t> offset;  // size customers + 1: customer i's repeat purchases are times[offset[i], offset[i+1])
  std::vector<double> times;   // absolute, ascending per customer, distinct and after birth
  size_t size() const { return birth.size(); }
};

// REQUIRES: truth.params hold the model's parameters (ParamNames order), truth.k ≥ 1.
SimulatedCustomers Simulate(const ModelFit& truth, const SimulationOptions& options);

// The summary as of `end` (frequency, recency, T, litt; customer_id = the customer's index + 1)
// of the customers whose first purchase is before `end`.
ClvSummary SummarizeAt(const SimulatedCustomers& customers, double end);

}  // namespace custintel::models::clv
