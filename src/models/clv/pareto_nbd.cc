#include "models/clv/pareto_nbd.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "models/clv/clv_special.h"
#include "models/clv/ml.h"

namespace custintel::models::clv {
namespace {

using clv_special::Digamma;
using clv_special::LogGamma;

constexpr int kMaxTerms = 2000000;
constexpr double kRescale = 1e200;

// The series for A ≥ B: (B+τ)^−q = (A+τ)^−q Σ_k (q)_k/k! ((A−B)/(A+τ))^k, integrated term by term:
//   J = (A+t1)^−n0 Σ_k c_k ρ^k D_k,  n0 = p+q−1, ρ = (A−B)/(A+t1), c_k = (q)_k/k!,
//   D_k = (1 − e^−(n0+k)L)/(n0+k),  L = log((A+t2)/(A+t1)).
// Every term is positive; the series converges like ρ^k.
LogPowerIntegral SeriesAtLeast(double p, double q, double A, double B, double t1, double t2) {
  const double base = A + t1;
  const double rho = (A - B) / base;
  const double L = std::log1p((t2 - t1) / base);
  const double n0 = p + q - 1.0;
  // c_k ρ^k as `coef`, and c_k k ρ^(k−1) as `coef_d` (so that ρ = 0 needs no division).
  double coef = 1.0, coef_d = 0.0, harmonic = 0.0;  // harmonic = Σ_{j<k} 1/(q+j) = ∂ log c_k / ∂q
  double S = 0, S_n = 0, S_q = 0, S_rho = 0, S_L = 0;
  double log_scale = 0.0;
  for (int k = 0; k < kMaxTerms; ++k) {
    const double m = n0 + k;
    const double e = std::exp(-m * L);
    const double D = -std::expm1(-m * L) / m;
    const double dD_dm = L * e / m - D / m;
    const double term = coef * D;
    S += term;
    S_n += coef * dD_dm;
    S_q += term * harmonic;
    S_rho += coef_d * D;
    S_L += coef * e;
    // Next coefficients: c_{k+1} ρ^{k+1} = c_k ρ^k · ρ (q+k)/(k+1).
    const double ratio = (q + k) / (k + 1.0);
    coef_d = coef * ratio * (k + 1.0);  // c_{k+1} (k+1) ρ^k
    coef *= ratio * rho;
    harmonic += 1.0 / (q + k);
    if (coef > kRescale || coef_d > kRescale) {
      coef /= kRescale, coef_d /= kRescale, S /= kRescale, S_n /= kRescale, S_q /= kRescale, S_rho /= kRescale,
          S_L /= kRescale;
      log_scale += std::log(kRescale);
    }
    // Past the peak the remaining terms shrink at least by max(ratio·ρ, ρ) each (the ratio tends
    // to 1 from either side), and D_k ≤ min(L, 1/m): bounded by a geometric series.
    if (coef == 0.0 && coef_d == 0.0) break;
    const double shrink = std::max(ratio * rho, rho);
    if (shrink < 1.0 && k > 2) {
      const double tail = (coef + coef_d) * std::min(L, 1.0 / (m + 1.0)) / (1.0 - shrink);
      if (tail < 1e-17 * (S + S_rho)) break;
    }
  }
  LogPowerIntegral out;
  const double log_base = std::log(base);
  out.value = -n0 * log_base + std::log(S) + log_scale;
  out.d_p = -log_base + S_n / S;
  out.d_q = -log_base + (S_n + S_q) / S;
  const double drho_dA = (B + t1) / (base * base), drho_dB = -1.0 / base;
  const double dL_dA = 1.0 / (A + t2) - 1.0 / base;
  out.d_A = -n0 / base + (S_rho * drho_dA + S_L * dL_dA) / S;
  out.d_B = S_rho * drho_dB / S;
  return out;
}

ParetoNbdParams FromVector(const double* v) { return {v[0], v[1], v[2], v[3]}; }

// Gauss–Legendre nodes and weights on [−1, 1] (Newton on the Legendre polynomial).
struct GaussLegendre {
  static constexpr int kN = 16;
  double node[kN], weight[kN];
  GaussLegendre() {
    for (int i = 0; i < kN; ++i) {
      double x = std::cos(M_PI * (i + 0.75) / (kN + 0.5)), dp = 0.0;
      for (int it = 0; it < 100; ++it) {
        double p0 = 1.0, p1 = x;
        for (int k = 2; k <= kN; ++k) {
          const double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
          p0 = p1, p1 = p2;
        }
        dp = kN * (x * p1 - p0) / (x * x - 1.0);
        const double step = p1 / dp;
        x -= step;
        if (std::abs(step) < 1e-16) break;
      }
      node[i] = x;
      weight[i] = 2.0 / ((1.0 - x * x) * dp * dp);
    }
  }
};

// The same integral by composite Gauss–Legendre quadrature in z = log((M+τ)/(M+t1)), M = min(A, B),
// for when the series would converge slowly (ρ near 1: one base far above the other). In z the
// integrand f·(M+τ) changes by at most e^±rate per unit (rate below), so panels of width
// ≤ 2/rate resolve it; panels stop once the integrand has fallen 40 e-folds below the running sum while still
// falling. Derivatives are the quadrature of ∂f/∂θ over the same nodes.
}  // namespace

LogPowerIntegral PowerIntegralQuadrature(double p, double q, double A, double B, double t1, double t2) {
  static const GaussLegendre gl;
  const double M = std::min(A, B);
  const double Z = std::log1p((t2 - t1) / (M + t1));
  // |d log(f·(M+τ))/dz| = |1 − (M+τ)(p/(A+τ) + q/(B+τ))| ≤ 1 + p (M+t2)/(A+t2) + q (M+t2)/(B+t2)
  // ((M+τ)/(X+τ) grows with τ for X ≥ M).
  const double rate = 1.0 + p * (M + t2) / (A + t2) + q * (M + t2) / (B + t2);
  const double width = std::min(0.5, 2.0 / rate);
  const int panels = std::max(1, static_cast<int>(std::ceil(Z / width)));
  const double h = Z / panels;
  // Sums relative to the integrand's log at the start, ref.
  const double ref = -p * std::log(A + t1) - q * std::log(B + t1) + std::log(M + t1);
  double S = 0, S_p = 0, S_q = 0, S_A = 0, S_B = 0;
  for (int k = 0; k < panels && k < 20000; ++k) {
    double last_log = 0, last_slope = 0;
    for (int i = 0; i < GaussLegendre::kN; ++i) {
      const double z = h * (k + 0.5 * (gl.node[i] + 1.0));
      const double Mt = (M + t1) * std::exp(z);  // M + τ
      const double tau = Mt - M;
      const double la = std::log(A + tau), lb = std::log(B + tau);
      const double log_f = -p * la - q * lb + std::log(Mt) - ref;  // f · dτ/dz, relative
      const double w = 0.5 * h * gl.weight[i] * std::exp(log_f);
      S += w;
      S_p -= w * la;
      S_q -= w * lb;
      S_A -= w * p / (A + tau);
      S_B -= w * q / (B + tau);
      last_log = log_f;
      last_slope = 1.0 - Mt * (p / (A + tau) + q / (B + tau));
    }
    if (last_slope < 0 && last_log < std::log(S) - 40.0) break;
  }
  LogPowerIntegral out;
  out.value = ref + std::log(S);
  out.d_p = S_p / S;
  out.d_q = S_q / S;
  out.d_A = S_A / S;
  out.d_B = S_B / S;
  return out;
}

namespace {

// Where the series converges slower than this ratio per term, quadrature is used instead.
constexpr double kSeriesMaxRatio = 0.5;

}  // namespace

LogPowerIntegral PowerIntegral(double p, double q, double A, double B, double t1, double t2) {
  const double rho = std::abs(A - B) / (std::max(A, B) + t1);
  if (rho > kSeriesMaxRatio) return PowerIntegralQuadrature(p, q, A, B, t1, t2);
  if (A >= B) return SeriesAtLeast(p, q, A, B, t1, t2);
  LogPowerIntegral s = SeriesAtLeast(q, p, B, A, t1, t2);
  std::swap(s.d_p, s.d_q);
  std::swap(s.d_A, s.d_B);
  return s;
}

double ParetoNbdLogLikelihood(const ParetoNbdParams& p, double x, double t_x, double T, double* grad) {
  const double rx = p.r + x;
  const double log_aT = std::log(p.alpha + T), log_bT = std::log(p.beta + T);
  const double log_e1 = -rx * log_aT - p.s * log_bT;
  LogPowerIntegral J;
  double log_sj = -std::numeric_limits<double>::infinity();
  if (T > t_x) {
    J = PowerIntegral(rx, p.s + 1.0, p.alpha, p.beta, t_x, T);
    log_sj = std::log(p.s) + J.value;
  }
  const double lse = internal::LogSumExp(log_e1, log_sj);
  const double log_a = std::log(p.alpha), log_b = std::log(p.beta);
  const double value = LogGamma(rx) - LogGamma(p.r) + p.r * log_a + p.s * log_b + lse;
  if (grad != nullptr) {
    const double w1 = std::exp(log_e1 - lse), w2 = T > t_x ? 1.0 - w1 : 0.0;
    grad[0] = Digamma(rx) - Digamma(p.r) + log_a - w1 * log_aT + w2 * J.d_p;
    grad[1] = p.r / p.alpha - w1 * rx / (p.alpha + T) + w2 * J.d_A;
    grad[2] = log_b - w1 * log_bT + w2 * (1.0 / p.s + J.d_q);
    grad[3] = p.s / p.beta - w1 * p.s / (p.beta + T) + w2 * J.d_B;
  }
  return value;
}

double ParetoNbdProbabilityAlive(const ParetoNbdParams& p, double x, double t_x, double T) {
  if (!(T > t_x)) return 1.0;
  const double log_e1 = -(p.r + x) * std::log(p.alpha + T) - p.s * std::log(p.beta + T);
  const double log_sj = std::log(p.s) + PowerIntegral(p.r + x, p.s + 1.0, p.alpha, p.beta, t_x, T).value;
  return std::exp(log_e1 - internal::LogSumExp(log_e1, log_sj));
}

double ParetoNbdExpectedPurchases(const ParetoNbdParams& p, double t, double x, double t_x, double T) {
  if (t <= 0) return 0.0;
  const double rate = (p.r + x) / (p.alpha + T);  // posterior mean of λ for a customer alive at T
  const double bT = p.beta + T;
  // E[min(lifetime beyond T, t)] with μ ~ Gamma(s, β+T): (β+T)/(s−1) · (1 − ((β+T)/(β+T+t))^(s−1)).
  const double sm1 = p.s - 1.0;
  const double span = std::abs(sm1) < 1e-10 ? bT * std::log1p(t / bT)
                                            : bT / sm1 * -std::expm1(-sm1 * std::log1p(t / bT));
  return ParetoNbdProbabilityAlive(p, x, t_x, T) * rate * span;
}

Result<ModelFit> FitParetoNbd(const Histories& data, const FitOptions& options) {
  CI_ASSIGN_OR_RETURN(internal::Groups groups, internal::GroupHistories(data, false, "Pareto/NBD"));
  const double rate = internal::PurchaseRate(groups);
  internal::CustomerLogLikelihood loglik = [](const double* v, double x, double t_x, double T, double* grad) {
    return ParetoNbdLogLikelihood(FromVector(v), x, t_x, T, grad);
  };
  CI_ASSIGN_OR_RETURN(internal::MlResult r, internal::MaximizeLikelihood(groups, loglik, {1.0, 1.0 / rate, 1.0, 1.0 / rate},
                                                                         options, "Pareto/NBD"));
  return internal::ToModelFit(ModelKind::kParetoNbd, r, groups);
}

}  // namespace custintel::models::clv
