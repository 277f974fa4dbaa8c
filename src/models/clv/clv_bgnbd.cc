#include "models/clv/clv_bgnbd.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <thread>
#include <vector>

#include "models/clv/clv_optimize.h"
#include "models/clv/clv_special.h"

namespace custintel::models {
namespace {

using clv_special::Digamma;
using clv_special::LogGamma;

constexpr size_t kMinGroupsPerThread = 50000;
constexpr int kMaxThreads = 64;

// Customers grouped by identical (x, t_x, T); x_index points into the distinct-x table.
struct Groups {
  std::vector<double> x, t_x, T, weight;
  std::vector<uint32_t> x_index;
  std::vector<double> distinct_x;       // ascending
  std::vector<double> weight_of_x;      // total weight per distinct x
  double total_weight = 0.0;
};

Groups GroupCustomers(std::span<const double> x, std::span<const double> t_x, std::span<const double> T) {
  std::vector<uint32_t> order(x.size());
  std::iota(order.begin(), order.end(), 0u);
  auto key = [&](uint32_t i) { return std::array<double, 3>{x[i], t_x[i], T[i]}; };
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
  Groups g;
  for (uint32_t i : order) {
    if (!g.x.empty() && g.x.back() == x[i] && g.t_x.back() == t_x[i] && g.T.back() == T[i]) {
      g.weight.back() += 1.0;
      continue;
    }
    g.x.push_back(x[i]);
    g.t_x.push_back(t_x[i]);
    g.T.push_back(T[i]);
    g.weight.push_back(1.0);
    if (g.distinct_x.empty() || g.distinct_x.back() != x[i]) {
      g.distinct_x.push_back(x[i]);
      g.weight_of_x.push_back(0.0);
    }
    g.x_index.push_back(static_cast<uint32_t>(g.distinct_x.size() - 1));
  }
  for (size_t k = 0; k < g.x.size(); ++k) g.weight_of_x[g.x_index[k]] += g.weight[k];
  g.total_weight = static_cast<double>(x.size());
  return g;
}

// Terms of the log-likelihood that depend on x only, and their derivatives in (r, α, a, b).
struct PerX {
  double value;                 // log Γ(r+x) − log Γ(r) + r log α + log B(a, b+x) − log B(a, b)
  std::array<double, 4> grad;   // ∂/∂(r, α, a, b) of value
  double log_a4;                // log a − log(b + x − 1), for x > 0
};

PerX ComputePerX(const BgNbdParams& p, double x) {
  const double ab = p.a + p.b;
  PerX t;
  t.value = LogGamma(p.r + x) - LogGamma(p.r) + p.r * std::log(p.alpha) + LogGamma(ab) +
            LogGamma(p.b + x) - LogGamma(p.b) - LogGamma(ab + x);
  const double psi_abx = Digamma(ab + x), psi_ab = Digamma(ab);
  t.grad = {Digamma(p.r + x) - Digamma(p.r) + std::log(p.alpha), p.r / p.alpha, psi_ab - psi_abx,
            Digamma(p.b + x) - Digamma(p.b) + psi_ab - psi_abx};
  t.log_a4 = x > 0 ? std::log(p.a) - std::log(p.b + x - 1.0) : 0.0;
  return t;
}

// Σ weight · (per-group part of the log-likelihood) and its gradient, over groups [begin, end).
struct Partial {
  double value = 0.0;
  std::array<double, 4> grad{};
};

Partial GroupTerms(const BgNbdParams& p, const Groups& g, const std::vector<PerX>& per_x,
                   size_t begin, size_t end) {
  Partial out;
  for (size_t k = begin; k < end; ++k) {
    const double x = g.x[k], w = g.weight[k], rx = p.r + x;
    const double log_aT = std::log(p.alpha + g.T[k]);
    const double l3 = -rx * log_aT;
    if (x == 0) {
      out.value += w * l3;
      out.grad[0] -= w * log_aT;
      out.grad[1] -= w * rx / (p.alpha + g.T[k]);
      continue;
    }
    const double log_atx = std::log(p.alpha + g.t_x[k]);
    const double l4 = per_x[g.x_index[k]].log_a4 - rx * log_atx;
    const double hi = std::max(l3, l4);
    const double lse = hi + std::log1p(std::exp(std::min(l3, l4) - hi));
    const double w3 = std::exp(l3 - lse), w4 = 1.0 - w3;  // posterior weights of the two terms
    out.value += w * lse;
    out.grad[0] -= w * (w3 * log_aT + w4 * log_atx);
    out.grad[1] -= w * rx * (w3 / (p.alpha + g.T[k]) + w4 / (p.alpha + g.t_x[k]));
    out.grad[2] += w * w4 / p.a;
    out.grad[3] -= w * w4 / (p.b + x - 1.0);
  }
  return out;
}

// Total log-likelihood and its gradient in (r, α, a, b).
Partial LogLikelihood(const BgNbdParams& p, const Groups& g, int threads) {
  std::vector<PerX> per_x(g.distinct_x.size());
  Partial total;
  for (size_t i = 0; i < per_x.size(); ++i) {
    per_x[i] = ComputePerX(p, g.distinct_x[i]);
    total.value += g.weight_of_x[i] * per_x[i].value;
    for (int j = 0; j < 4; ++j) total.grad[j] += g.weight_of_x[i] * per_x[i].grad[j];
  }
  std::vector<Partial> partials(kMaxThreads);
  const int chunks = clv_optimize::ParallelChunks(
      g.x.size(), threads, kMinGroupsPerThread,
      [&](size_t begin, size_t end, int chunk) { partials[chunk] = GroupTerms(p, g, per_x, begin, end); });
  for (int c = 0; c < chunks; ++c) {
    total.value += partials[c].value;
    for (int j = 0; j < 4; ++j) total.grad[j] += partials[c].grad[j];
  }
  return total;
}

int ThreadCount(const BgNbdOptions& options) {
  const int wanted = options.threads > 0 ? options.threads
                                         : static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(wanted, 1, kMaxThreads);
}

BgNbdParams FromLog(const std::vector<double>& theta) {
  return {std::exp(theta[0]), std::exp(theta[1]), std::exp(theta[2]), std::exp(theta[3])};
}

// Objective over θ = log(params): −mean log-likelihood + penalizer · Σ params².
clv_optimize::Objective MakeObjective(const Groups& g, const BgNbdOptions& options) {
  const int threads = ThreadCount(options);
  return [&g, options, threads](const std::vector<double>& theta, std::vector<double>& grad) {
    const BgNbdParams p = FromLog(theta);
    const Partial ll = LogLikelihood(p, g, threads);
    const std::array<double, 4> values = {p.r, p.alpha, p.a, p.b};
    double f = -ll.value / g.total_weight;
    for (int j = 0; j < 4; ++j) {
      f += options.penalizer * values[j] * values[j];
      grad[j] = -ll.grad[j] * values[j] / g.total_weight + 2.0 * options.penalizer * values[j] * values[j];
    }
    return f;
  };
}

// A start near the data's purchase rate: λ = r/α ≈ repeat purchases per unit time.
std::vector<double> StartingPoint(const Groups& g) {
  double purchases = 0.0, time = 0.0;
  for (size_t k = 0; k < g.x.size(); ++k) {
    purchases += g.weight[k] * g.x[k];
    time += g.weight[k] * g.T[k];
  }
  const double rate = std::max(purchases, 1.0) / std::max(time, 1e-9);
  return {0.0, std::log(1.0 / rate), 0.0, 0.0};
}

}  // namespace

Result<BgNbdFit> FitBgNbd(std::span<const double> frequency, std::span<const double> recency,
                          std::span<const double> T, const BgNbdOptions& options) {
  ClvSummary check;
  check.frequency.assign(frequency.begin(), frequency.end());
  check.recency.assign(recency.begin(), recency.end());
  check.T.assign(T.begin(), T.end());
  CI_RETURN_IF_ERROR(ValidateClvSummary(check).WithContext("BG/NBD"));
  if (!(options.penalizer >= 0)) return Status::InvalidArgument("BG/NBD: penalizer must be >= 0");

  const Groups groups = GroupCustomers(frequency, recency, T);
  clv_optimize::MinimizeOptions minimize;
  minimize.max_evaluations = options.max_evaluations;
  CI_ASSIGN_OR_RETURN(auto result, clv_optimize::Minimize(MakeObjective(groups, options),
                                                          StartingPoint(groups), minimize));
  BgNbdFit fit;
  fit.params = FromLog(result.x);
  fit.log_likelihood = LogLikelihood(fit.params, groups, ThreadCount(options)).value;
  fit.iterations = result.evaluations;
  fit.converged = result.converged;
  fit.customers = frequency.size();
  fit.groups = groups.x.size();
  fit.stop_reason = result.stop_reason;
  return fit;
}

Result<BgNbdFit> FitBgNbd(const ClvSummary& summary, const BgNbdOptions& options) {
  return FitBgNbd(summary.frequency, summary.recency, summary.T, options);
}

double BgNbdLogLikelihood(const BgNbdParams& p, double x, double t_x, double T) {
  const PerX per_x = ComputePerX(p, x);
  Groups g;
  g.x = {x};
  g.t_x = {t_x};
  g.T = {T};
  g.weight = {1.0};
  g.x_index = {0};
  return per_x.value + GroupTerms(p, g, {per_x}, 0, 1).value;
}

namespace {

// log of a/(b+x−1) · ((α+T)/(α+t_x))^(r+x): the odds of "dropped out after the last purchase"
// against "still alive" (FHL eq. 11's denominator term); only meaningful for x > 0.
double LogDropoutOdds(const BgNbdParams& p, double x, double t_x, double T) {
  return std::log(p.a) - std::log(p.b + x - 1.0) +
         (p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + t_x));
}

}  // namespace

double BgNbdExpectedPurchases(const BgNbdParams& p, double t, double x, double t_x, double T) {
  if (t <= 0) return 0.0;
  const double c = p.a + p.b + x - 1.0;
  const double z = t / (p.alpha + T + t);
  // ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z), with 1 − z = (α+T)/(α+T+t).
  const double power_f = clv_special::PowerTimesHyp2f1(p.r + x, p.r + x, p.b + x, c, z);
  const double numerator = c / (p.a - 1.0) * (1.0 - power_f);
  if (x == 0) return numerator;
  return numerator / (1.0 + std::exp(LogDropoutOdds(p, x, t_x, T)));
}

double BgNbdExpectedPurchasesNew(const BgNbdParams& p, double t) {
  return BgNbdExpectedPurchases(p, t, 0.0, 0.0, 0.0);
}

double BgNbdProbabilityAlive(const BgNbdParams& p, double x, double t_x, double T) {
  if (x == 0) return 1.0;
  return 1.0 / (1.0 + std::exp(LogDropoutOdds(p, x, t_x, T)));
}

}  // namespace custintel::models
