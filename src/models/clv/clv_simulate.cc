#include "models/clv/clv_simulate.h"

#include "core/random.h"

#include <cmath>

namespace custintel::models {
namespace {

double Floor(double t, double resolution) {
  return resolution > 0 ? std::floor(t / resolution + 1e-9) * resolution : t;
}

}  // namespace

ClvSummary SimulateClvSummary(const ClvSimulationOptions& o) {
  Rng rng(o.seed);
  ClvSummary s;
  s.frequency.reserve(o.customers);
  for (size_t i = 0; i < o.customers; ++i) {
    const double lambda = rng.Gamma(o.bgnbd.r, 1.0) / o.bgnbd.alpha;
    const double p = rng.Beta(o.bgnbd.a, o.bgnbd.b);
    const double T = std::max(Floor(o.min_T + (o.max_T - o.min_T) * rng.Uniform(), o.time_resolution),
                              o.time_resolution > 0 ? o.time_resolution : 1e-9);
    double t = 0.0, last = 0.0;
    int x = 0;
    while (true) {
      t += rng.Exponential(lambda);
      if (t >= T) break;
      ++x;
      last = t;
      if (rng.Uniform() < p) break;  // dropped out after this purchase
    }
    double total = 0.0;
    if (x > 0) {
      const double nu = rng.Gamma(o.gamma_gamma.q, 1.0) / o.gamma_gamma.v;
      for (int k = 0; k < x; ++k) total += rng.Gamma(o.gamma_gamma.p, 1.0) / nu;
    }
    s.customer_id.push_back(std::to_string(i + 1));
    s.frequency.push_back(x);
    s.recency.push_back(std::min(Floor(last, o.time_resolution), T));
    s.T.push_back(T);
    s.monetary_value.push_back(x > 0 ? total / x : 0.0);
  }
  return s;
}

}  // namespace custintel::models
