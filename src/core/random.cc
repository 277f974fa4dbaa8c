#include "core/random.h"

namespace custintel {

double Rng::Normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_normal_;
  }
  double u, v, s;
  do {
    u = 2.0 * Uniform() - 1.0;
    v = 2.0 * Uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double m = std::sqrt(-2.0 * std::log(s) / s);
  spare_normal_ = v * m;
  has_spare_ = true;
  return u * m;
}

double Rng::Gamma(double shape, double rate) {
  if (shape < 1.0) {
    // Gamma(k) = Gamma(k + 1) * U^(1/k) for k < 1 (Marsaglia & Tsang, section 6).
    const double u = 1.0 - Uniform();  // (0, 1]
    return Gamma(shape + 1.0, rate) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = Normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = 1.0 - Uniform();  // (0, 1]
    if (u < 1.0 - 0.0331 * (x * x) * (x * x)) return d * v / rate;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v / rate;
  }
}

double Rng::Beta(double a, double b) {
  const double x = Gamma(a, 1.0);
  const double y = Gamma(b, 1.0);
  return x / (x + y);
}

int64_t Rng::Poisson(double mean) {
  if (mean <= 0) return 0;
  if (mean > 40) {
    const double x = std::round(Normal(mean, std::sqrt(mean)));
    return x < 0 ? 0 : static_cast<int64_t>(x);
  }
  // Inversion by sequential search: fine for the small means the generator uses.
  double p = std::exp(-mean);
  double cdf = p;
  const double u = Uniform();
  int64_t k = 0;
  while (u > cdf && k < 1000) {
    ++k;
    p *= mean / static_cast<double>(k);
    cdf += p;
  }
  return k;
}

size_t Rng::Pick(std::span<const double> weights) {
  double total = 0;
  for (double w : weights) total += w;
  double x = Uniform() * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    x -= weights[i];
    if (x < 0) return i;
  }
  return weights.size() - 1;
}

}  // namespace custintel
