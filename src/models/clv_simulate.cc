#include "models/clv_simulate.h"

#include <cmath>

namespace custintel::models {
namespace {

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

double Floor(double t, double resolution) {
  return resolution > 0 ? std::floor(t / resolution + 1e-9) * resolution : t;
}

}  // namespace

ClvRandom::ClvRandom(uint64_t seed) {
  for (uint64_t& s : s_) s = SplitMix64(&seed);
}

uint64_t ClvRandom::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

double ClvRandom::Uniform() { return (static_cast<double>(Next() >> 11) + 0.5) * 0x1.0p-53; }

double ClvRandom::Normal() {
  while (true) {
    const double u = 2.0 * Uniform() - 1.0, v = 2.0 * Uniform() - 1.0;
    const double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
  }
}

// Marsaglia & Tsang (2000); shapes below 1 via Gamma(k) = Gamma(k + 1) · U^(1/k).
double ClvRandom::Gamma(double shape) {
  if (shape < 1.0) return Gamma(shape + 1.0) * std::pow(Uniform(), 1.0 / shape);
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  while (true) {
    const double x = Normal();
    double v = 1.0 + c * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    const double u = Uniform();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

double ClvRandom::Beta(double a, double b) {
  const double x = Gamma(a);
  return x / (x + Gamma(b));
}

double ClvRandom::Exponential(double rate) { return -std::log(Uniform()) / rate; }

ClvSummary SimulateClvSummary(const ClvSimulationOptions& o) {
  ClvRandom rng(o.seed);
  ClvSummary s;
  s.frequency.reserve(o.customers);
  for (size_t i = 0; i < o.customers; ++i) {
    const double lambda = rng.Gamma(o.bgnbd.r) / o.bgnbd.alpha;
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
      const double nu = rng.Gamma(o.gamma_gamma.q) / o.gamma_gamma.v;
      for (int k = 0; k < x; ++k) total += rng.Gamma(o.gamma_gamma.p) / nu;
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
