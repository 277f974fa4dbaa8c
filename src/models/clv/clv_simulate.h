// Synthetic customers drawn from the BG/NBD and Gamma-Gamma generative processes, for parameter
// recovery tests, benchmarks and `evaluate clv`. Reproducible everywhere: the random source and
// samplers are the project's own (core/random.h), so a seed gives the same customers on every
// platform and library — std:: distributions are implementation-defined.
//
// Per customer: λ ~ Gamma(r, rate α), p ~ Beta(a, b), T ~ Uniform[min_T, max_T]; purchases
// arrive as a Poisson(λ) process after the first one at time 0, and after each repeat purchase
// the customer drops out with probability p (FHL 2005). Repeat buyers get ν ~ Gamma(q, rate v)
// and x transaction values ~ Gamma(p, rate ν), whose mean is monetary_value.
//
// Thread safety: SimulateClvSummary is pure.
#pragma once

#include <cstdint>

#include "models/clv/clv_bgnbd.h"
#include "models/clv/clv_gamma_gamma.h"
#include "models/clv/clv_summary.h"

namespace custintel::models {

struct ClvSimulationOptions {
  size_t customers = 100000;
  BgNbdParams bgnbd{0.243, 4.414, 0.793, 2.426};     // CDNOW's fitted values (weeks)
  GammaGammaParams gamma_gamma{6.25, 3.74, 15.44};
  double min_T = 27.0;   // observation length range, summary time units
  double max_T = 39.0;
  // 0: continuous times. Otherwise T and purchase times are floored to multiples of this
  // (1.0 / 7 gives whole days in weeks, as a summary built from dated transactions has).
  double time_resolution = 0.0;
  uint64_t seed = 42;
};

ClvSummary SimulateClvSummary(const ClvSimulationOptions& options);

}  // namespace custintel::models
