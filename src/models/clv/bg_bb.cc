#include "models/clv/bg_bb.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "models/clv/clv_special.h"
#include "models/clv/ml.h"

namespace custintel::models::clv {
namespace {

using clv_special::Digamma;
using clv_special::LogBeta;

// log B(α+x, β+m)/B(α,β) + log B(γ+e, δ+u)/B(γ,δ) and its gradient, for one term of L.
double Term(const BgBbParams& p, double x, double m, double e, double u, double* g) {
  const double value = LogBeta(p.alpha + x, p.beta + m) - LogBeta(p.alpha, p.beta) +
                       LogBeta(p.gamma + e, p.delta + u) - LogBeta(p.gamma, p.delta);
  if (g != nullptr) {
    const double psi_ab = Digamma(p.alpha + p.beta), psi_abxm = Digamma(p.alpha + p.beta + x + m);
    const double psi_gd = Digamma(p.gamma + p.delta), psi_gdeu = Digamma(p.gamma + p.delta + e + u);
    g[0] = Digamma(p.alpha + x) - psi_abxm - Digamma(p.alpha) + psi_ab;
    g[1] = Digamma(p.beta + m) - psi_abxm - Digamma(p.beta) + psi_ab;
    g[2] = Digamma(p.gamma + e) - psi_gdeu - Digamma(p.gamma) + psi_gd;
    g[3] = Digamma(p.delta + u) - psi_gdeu - Digamma(p.delta) + psi_gd;
  }
  return value;
}

BgBbParams FromVector(const double* v) { return {v[0], v[1], v[2], v[3]}; }

}  // namespace

double BgBbLogLikelihood(const BgBbParams& p, double x, double t_x, double n, double* grad) {
  const int extra = static_cast<int>(n - t_x);
  std::vector<double> values(extra + 1);
  std::vector<std::array<double, 4>> grads(grad ? extra + 1 : 0);
  values[0] = Term(p, x, n - x, 0.0, n, grad ? grads[0].data() : nullptr);
  for (int i = 0; i < extra; ++i) {
    values[i + 1] = Term(p, x, t_x - x + i, 1.0, t_x + i, grad ? grads[i + 1].data() : nullptr);
  }
  const double hi = *std::max_element(values.begin(), values.end());
  double sum = 0.0;
  for (double v : values) sum += std::exp(v - hi);
  const double lse = hi + std::log(sum);
  if (grad != nullptr) {
    std::fill(grad, grad + 4, 0.0);
    for (size_t i = 0; i < values.size(); ++i) {
      const double w = std::exp(values[i] - lse);
      for (int j = 0; j < 4; ++j) grad[j] += w * grads[i][j];
    }
  }
  return lse;
}

double BgBbProbabilityAlive(const BgBbParams& p, double x, double t_x, double n, double m) {
  const double alive = Term(p, x, n - x, 0.0, n + m, nullptr);
  return std::exp(alive - BgBbLogLikelihood(p, x, t_x, n));
}

double BgBbExpectedPurchases(const BgBbParams& p, double n_star, double x, double t_x, double n) {
  if (n_star <= 0) return 0.0;
  using clv_special::LogGamma;
  const double log_pre = LogBeta(p.alpha + x + 1, p.beta + n - x) - LogBeta(p.alpha, p.beta) -
                         BgBbLogLikelihood(p, x, t_x, n) + std::log(p.delta) + LogGamma(p.gamma + p.delta) -
                         LogGamma(1 + p.delta);
  auto g = [&](double m) { return std::exp(LogGamma(1 + p.delta + m) - LogGamma(p.gamma + p.delta + m)); };
  return std::exp(log_pre) * (g(n) - g(n + n_star)) / (p.gamma - 1.0);
}

Result<ModelFit> FitBgBb(const Histories& data, const FitOptions& options) {
  CI_ASSIGN_OR_RETURN(internal::Groups groups, internal::GroupHistories(data, true, "BG/BB"));
  internal::CustomerLogLikelihood loglik = [](const double* v, double x, double t_x, double n, double* grad) {
    return BgBbLogLikelihood(FromVector(v), x, t_x, n, grad);
  };
  CI_ASSIGN_OR_RETURN(internal::MlResult r,
                      internal::MaximizeLikelihood(groups, loglik, {1.0, 1.0, 1.0, 1.0}, options, "BG/BB"));
  return internal::ToModelFit(ModelKind::kBgBb, r, groups);
}

}  // namespace custintel::models::clv
