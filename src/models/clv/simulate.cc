#include "models/clv/simulate.h"

#include <cmath>
#include <string>

#include "core/random.h"

namespace custintel::models::clv {
namespace {

double Floor(double t, double resolution) {
  return resolution > 0 ? std::floor(t / resolution + 1e-9) * resolution : t;
}

// Appends a purchase unless it falls in the same period as the previous one (or the first).
void Add(std::vector<double>& times, double t, double last) {
  if (t > last) times.push_back(t);
}

}  // namespace

SimulatedCustomers Simulate(const ModelFit& truth, const SimulationOptions& o) {
  Rng rng(o.seed);
  SimulatedCustomers out;
  out.birth.reserve(o.customers);
  out.offset.reserve(o.customers + 1);
  out.offset.push_back(0);
  const std::vector<double>& v = truth.params;
  for (size_t i = 0; i < o.customers; ++i) {
    if (truth.kind == ModelKind::kBgBb) {
      const double p = rng.Beta(v[0], v[1]), theta = rng.Beta(v[2], v[3]);
      out.birth.push_back(0.0);
      for (int n = 1; n <= static_cast<int>(o.end); ++n) {
        if (rng.Uniform() < theta) break;
        if (rng.Uniform() < p) out.times.push_back(n);
      }
      out.offset.push_back(out.times.size());
      continue;
    }
    const double birth = Floor(o.birth_max > 0 ? rng.Uniform(0.0, o.birth_max) : 0.0, o.time_resolution);
    out.birth.push_back(birth);
    const double lambda = rng.Gamma(v[0], 1.0) / v[1];
    double last = birth;
    if (truth.kind == ModelKind::kParetoNbd) {
      const double mu = rng.Gamma(v[2], 1.0) / v[3];
      const double death = birth + rng.Exponential(mu);
      for (double t = birth + rng.Exponential(lambda); t < death && t <= o.end; t += rng.Exponential(lambda)) {
        const double at = Floor(t, o.time_resolution);
        Add(out.times, at, last);
        last = std::max(last, at);
      }
    } else {
      const double p = rng.Beta(v[2], v[3]);
      const bool mbg = truth.kind == ModelKind::kMbgNbd || truth.kind == ModelKind::kMbgCnbdK;
      const int k = std::max(1, truth.k);
      bool alive = !(mbg && rng.Uniform() < p);
      double t = birth;
      while (alive) {
        for (int j = 0; j < k; ++j) t += rng.Exponential(lambda);
        if (t > o.end) break;
        const double at = Floor(t, o.time_resolution);
        Add(out.times, at, last);
        last = std::max(last, at);
        if (rng.Uniform() < p) alive = false;
      }
    }
    out.offset.push_back(out.times.size());
  }
  return out;
}

ClvSummary SummarizeAt(const SimulatedCustomers& c, double end) {
  ClvSummary s;
  for (size_t i = 0; i < c.size(); ++i) {
    if (!(c.birth[i] < end)) continue;
    double x = 0, last = c.birth[i], litt = 0;
    for (size_t j = c.offset[i]; j < c.offset[i + 1] && c.times[j] <= end; ++j) {
      litt += std::log(c.times[j] - last);
      last = c.times[j];
      ++x;
    }
    s.customer_id.push_back(std::to_string(i + 1));
    s.frequency.push_back(x);
    s.recency.push_back(last - c.birth[i]);
    s.T.push_back(end - c.birth[i]);
    s.litt.push_back(litt);
  }
  return s;
}

}  // namespace custintel::models::clv
