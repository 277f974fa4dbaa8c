#include "models/clv/clv_special.h"

#include <cmath>
#include <limits>

namespace custintel::models::clv_special {

double LogGamma(double x) {
  int sign = 0;
  return ::lgamma_r(x, &sign);
}

double LogBeta(double a, double b) { return LogGamma(a) + LogGamma(b) - LogGamma(a + b); }

double Digamma(double x) {
  double result = 0.0;
  // ψ(x) = ψ(x + 1) − 1/x moves x into the range where the asymptotic series is accurate.
  while (x < 10.0) {
    result -= 1.0 / x;
    x += 1.0;
  }
  const double inv = 1.0 / x;
  const double inv2 = inv * inv;
  // ψ(x) ~ log x − 1/(2x) − Σ B_2k / (2k x^2k).
  const double series =
      inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 * (1.0 / 132 - inv2 * (691.0 / 32760))))));
  return result + std::log(x) - 0.5 * inv - series;
}

double Hyp2f1(double a, double b, double c, double z, int max_terms) {
  if (z == 0.0) return 1.0;
  double term = 1.0;
  double sum = 1.0;
  for (int k = 0; k < max_terms; ++k) {
    term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
    sum += term;
    if (term == 0.0) return sum;
    // Once k exceeds |a|, |b| and c the terms shrink monotonically, so a negligible term means
    // the tail is negligible too (it is bounded by a geometric series of ratio < 1).
    const bool past_parameters = k > std::abs(a) && k > std::abs(b) && k > c;
    if (past_parameters && std::abs(term) < 1e-15 * std::abs(sum) * (1.0 - z)) return sum;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

double PowerTimesHyp2f1(double e, double a, double b, double c, double z) {
  const double log1mz = std::log1p(-z);
  const double direct_size = std::abs(a) + std::abs(b);
  const double euler_size = std::abs(c - a) + std::abs(c - b);
  if (direct_size <= euler_size) return std::exp(e * log1mz) * Hyp2f1(a, b, c, z);
  return std::exp((e + c - a - b) * log1mz) * Hyp2f1(c - a, c - b, c, z);
}

}  // namespace custintel::models::clv_special
