#include "models/clv/cnbd_k.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "models/clv/clv_special.h"
#include "models/clv/ml.h"

namespace custintel::models::clv {
namespace {

using clv_special::Digamma;
using clv_special::LogGamma;

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// The alive term's inner sum: log Σ_{j<k} Γ(rk+j)/Γ(rk) (T−t_x)^j / (j! (α+T)^j), with each j's
// share (for the gradient and the posterior of λ).
struct AliveSum {
  double log_sum = 0.0;
  std::vector<double> share;  // per j
  double mean_digamma = 0.0;  // Σ share_j (ψ(rk+j) − ψ(rk))
  double mean_j = 0.0;        // Σ share_j j
};

AliveSum ComputeAliveSum(double rk, int k, double alpha, double t_x, double T) {
  AliveSum a;
  a.share.assign(k, 0.0);
  if (k == 1 || !(T > t_x)) {
    a.share[0] = 1.0;
    return a;
  }
  std::vector<double> logs(k);
  const double log_gap = std::log(T - t_x) - std::log(alpha + T);
  double hi = kNegInf;
  for (int j = 0; j < k; ++j) {
    logs[j] = LogGamma(rk + j) - LogGamma(rk) + j * log_gap - LogGamma(j + 1.0);
    hi = std::max(hi, logs[j]);
  }
  double sum = 0.0;
  for (int j = 0; j < k; ++j) sum += std::exp(logs[j] - hi);
  a.log_sum = hi + std::log(sum);
  const double psi0 = Digamma(rk);
  for (int j = 0; j < k; ++j) {
    a.share[j] = std::exp(logs[j] - a.log_sum);
    a.mean_digamma += a.share[j] * (j == 0 ? 0.0 : Digamma(rk + j) - psi0);
    a.mean_j += a.share[j] * j;
  }
  return a;
}

CnbdParams FromVector(const double* v) { return {v[0], v[1], v[2], v[3]}; }

// (log alive term, log dropout term) of the bracket; dropout is −inf when impossible.
struct Bracket {
  double log_alive, log_dropout;
  AliveSum alive;
};

Bracket ComputeBracket(const CnbdParams& p, CnbdVariant v, double x, double t_x, double T) {
  const double rk = p.r + v.k * x;
  const double d = v.dropout_at_zero ? 1.0 : 0.0;
  Bracket b;
  b.alive = ComputeAliveSum(rk, v.k, p.alpha, t_x, T);
  b.log_alive = -rk * std::log(p.alpha + T) + b.alive.log_sum;
  b.log_dropout = (x > 0 || v.dropout_at_zero)
                      ? std::log(p.a) - std::log(p.b + x - 1.0 + d) - rk * std::log(p.alpha + t_x)
                      : kNegInf;
  return b;
}

}  // namespace

double CnbdLogLikelihood(const CnbdParams& p, CnbdVariant v, double x, double t_x, double T, double litt,
                         double* grad) {
  const double rk = p.r + v.k * x;
  const double d = v.dropout_at_zero ? 1.0 : 0.0;
  const Bracket br = ComputeBracket(p, v, x, t_x, T);
  const double lse = internal::LogSumExp(br.log_alive, br.log_dropout);
  const double constant = (v.k - 1) * litt - x * LogGamma(v.k);
  const double beta_part = LogGamma(p.b + x + d) - LogGamma(p.a + p.b + x + d) - LogGamma(p.b) + LogGamma(p.a + p.b);
  const double gamma_part = LogGamma(rk) - LogGamma(p.r) + p.r * std::log(p.alpha);
  if (grad != nullptr) {
    const double wa = std::exp(br.log_alive - lse), wd = 1.0 - wa;
    const double psi_ab = Digamma(p.a + p.b), psi_abx = Digamma(p.a + p.b + x + d);
    grad[0] = Digamma(rk) - Digamma(p.r) + std::log(p.alpha) +
              wa * (-std::log(p.alpha + T) + br.alive.mean_digamma) + wd * -std::log(p.alpha + t_x);
    grad[1] = p.r / p.alpha - wa * (rk + br.alive.mean_j) / (p.alpha + T) - wd * rk / (p.alpha + t_x);
    grad[2] = psi_ab - psi_abx + wd / p.a;
    grad[3] = Digamma(p.b + x + d) - Digamma(p.b) + psi_ab - psi_abx;
    if (wd > 0) grad[3] -= wd / (p.b + x - 1.0 + d);  // no dropout term (BG, x = 0): nothing, not 0/0
  }
  return constant + beta_part + gamma_part + lse;
}

double CnbdProbabilityAlive(const CnbdParams& p, CnbdVariant v, double x, double t_x, double T) {
  const Bracket br = ComputeBracket(p, v, x, t_x, T);
  return std::exp(br.log_alive - internal::LogSumExp(br.log_alive, br.log_dropout));
}

double CnbdExpectedPurchases(const CnbdParams& p, CnbdVariant v, double t, double x, double t_x, double T) {
  if (t <= 0) return 0.0;
  const double d = v.dropout_at_zero ? 1.0 : 0.0;
  const Bracket br = ComputeBracket(p, v, x, t_x, T);
  const double p_alive = std::exp(br.log_alive - internal::LogSumExp(br.log_alive, br.log_dropout));
  // Alive: purchases at rate μ = λ/k with λ ~ Gamma(r+kx+j, α+T) (share_j), i.e. μ ~ Gamma(·, k(α+T));
  // dropout after each purchase with p ~ Beta(a, b+x+d). BG/NBD's closed form for each j:
  //   c/(a−1) · (1 − (α'/(α'+t))^r' · 2F1(r', b'; c; t/(α'+t))),  c = a + b' − 1.
  const double b_post = p.b + x + d;
  const double c = p.a + b_post - 1.0;
  const double alpha_post = v.k * (p.alpha + T);
  const double z = t / (alpha_post + t);
  double expected = 0.0;
  for (int j = 0; j < v.k; ++j) {
    const double share = br.alive.share[j];
    if (share == 0.0) continue;
    const double r_post = p.r + v.k * x + j;
    const double power_f = clv_special::PowerTimesHyp2f1(r_post, r_post, b_post, c, z);
    expected += share * c / (p.a - 1.0) * (1.0 - power_f);
  }
  return p_alive * expected;
}

Result<ModelFit> FitCnbdFixedK(const Histories& data, CnbdVariant variant, const FitOptions& options) {
  const std::string name = std::string(variant.dropout_at_zero ? "MBG/CNBD-" : "BG/CNBD-") + std::to_string(variant.k);
  if (variant.k < 1) return Status::InvalidArgument(name + ": k must be at least 1");
  if (variant.k > 1 && data.litt.empty()) {
    return Status::InvalidArgument(name + ": needs the inter-purchase times (litt), which this summary does not "
                                          "carry; build it from transactions");
  }
  CI_ASSIGN_OR_RETURN(internal::Groups groups, internal::GroupHistories(data, false, name));
  const double rate = internal::PurchaseRate(groups);
  internal::CustomerLogLikelihood loglik = [variant](const double* v, double x, double t_x, double T, double* grad) {
    // litt enters only through a constant, added once below.
    return CnbdLogLikelihood(FromVector(v), variant, x, t_x, T, 0.0, grad);
  };
  // Start at BG/NBD's usual neighbourhood; λ's mean r/α near k × the observed purchase rate.
  CI_ASSIGN_OR_RETURN(internal::MlResult r,
                      internal::MaximizeLikelihood(groups, loglik, {1.0, 1.0 / (variant.k * rate), 1.0, 1.0}, options, name));
  ModelFit fit;
  fit.kind = variant.dropout_at_zero ? (variant.k == 1 ? ModelKind::kMbgNbd : ModelKind::kMbgCnbdK)
                                     : (variant.k == 1 ? ModelKind::kBgNbd : ModelKind::kBgCnbdK);
  fit.k = variant.k;
  fit.params = r.params;
  // The per-customer terms above include −x·log((k−1)!); (k−1)·litt is added here.
  fit.log_likelihood = r.log_likelihood + (variant.k - 1) * groups.weighted_litt;
  fit.iterations = r.evaluations;
  fit.converged = r.converged;
  fit.stop_reason = r.stop_reason;
  fit.customers = groups.total_weight;
  return fit;
}

Result<ModelFit> FitCnbdK(const Histories& data, bool dropout_at_zero, const FitOptions& options) {
  const ModelKind kind = dropout_at_zero ? ModelKind::kMbgCnbdK : ModelKind::kBgCnbdK;
  if (data.litt.empty()) {
    return Status::InvalidArgument(ModelTitle(kind) + ": needs the inter-purchase times (litt) to choose k, which "
                                   "this summary does not carry; build it from transactions");
  }
  Result<ModelFit> best = Status::InvalidArgument(ModelTitle(kind) + ": max_k must be at least 1");
  int evaluations = 0;
  for (int k = 1; k <= std::max(1, options.max_k); ++k) {
    Result<ModelFit> fit = FitCnbdFixedK(data, {k, dropout_at_zero}, options);
    if (!fit.ok()) {
      if (k == 1) return fit.status();
      break;
    }
    evaluations += fit->iterations;
    if (best.ok() && fit->log_likelihood <= best->log_likelihood) break;
    best = std::move(fit);
  }
  best->kind = kind;  // the family, whatever k won
  best->iterations = evaluations;
  return best;
}

}  // namespace custintel::models::clv
