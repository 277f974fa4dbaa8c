#include "models/clv/clv_gamma_gamma.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <vector>

#include "models/clv/clv_optimize.h"
#include "models/clv/clv_special.h"

namespace custintel::models {
namespace {

using clv_special::Digamma;
using clv_special::LogGamma;

// Repeat buyers, grouped by x so that terms in x alone are computed once per evaluation.
struct Buyers {
  std::vector<double> x, m;
  std::vector<uint32_t> x_index;
  std::vector<double> distinct_x, count_of_x, sum_log_m_of_x;
};

Buyers CollectBuyers(std::span<const double> frequency, std::span<const double> monetary_value) {
  std::map<double, uint32_t> index_of_x;
  for (double x : frequency) {
    if (x > 0) index_of_x.emplace(x, 0);
  }
  Buyers b;
  for (auto& [x, index] : index_of_x) {
    index = static_cast<uint32_t>(b.distinct_x.size());
    b.distinct_x.push_back(x);
  }
  b.count_of_x.assign(b.distinct_x.size(), 0.0);
  b.sum_log_m_of_x.assign(b.distinct_x.size(), 0.0);
  for (size_t i = 0; i < frequency.size(); ++i) {
    if (frequency[i] <= 0) continue;
    const uint32_t k = index_of_x[frequency[i]];
    b.x.push_back(frequency[i]);
    b.m.push_back(monetary_value[i]);
    b.x_index.push_back(k);
    b.count_of_x[k] += 1.0;
    b.sum_log_m_of_x[k] += std::log(monetary_value[i]);
  }
  return b;
}

struct LogLikelihoodValue {
  double value = 0.0;
  std::array<double, 3> grad{};  // ∂/∂(p, q, v)
};

// Σ over buyers of log Γ(px+q) − log Γ(px) − log Γ(q) + q log v + (px−1) log m + px log x
//                  − (px+q) log(xm + v),  with its gradient.
LogLikelihoodValue LogLikelihood(const GammaGammaParams& p, const Buyers& b) {
  LogLikelihoodValue out;
  const double log_v = std::log(p.v), psi_q = Digamma(p.q), lgamma_q = LogGamma(p.q);
  for (size_t k = 0; k < b.distinct_x.size(); ++k) {
    const double x = b.distinct_x[k], n = b.count_of_x[k], px = p.p * x;
    const double psi_pxq = Digamma(px + p.q), log_x = std::log(x);
    out.value += n * (LogGamma(px + p.q) - LogGamma(px) - lgamma_q + p.q * log_v + px * log_x) +
                 (px - 1.0) * b.sum_log_m_of_x[k];
    out.grad[0] += n * x * (psi_pxq - Digamma(px) + log_x) + x * b.sum_log_m_of_x[k];
    out.grad[1] += n * (psi_pxq - psi_q + log_v);
    out.grad[2] += n * p.q / p.v;
  }
  for (size_t i = 0; i < b.x.size(); ++i) {
    const double x = b.x[i], xm_v = x * b.m[i] + p.v, log_xm_v = std::log(xm_v);
    const double shape = p.p * x + p.q;
    out.value -= shape * log_xm_v;
    out.grad[0] -= x * log_xm_v;
    out.grad[1] -= log_xm_v;
    out.grad[2] -= shape / xm_v;
  }
  return out;
}

GammaGammaParams FromLog(const std::vector<double>& theta) {
  return {std::exp(theta[0]), std::exp(theta[1]), std::exp(theta[2])};
}

clv_optimize::Objective MakeObjective(const Buyers& b, double penalizer) {
  return [&b, penalizer](const std::vector<double>& theta, std::vector<double>& grad) {
    const GammaGammaParams p = FromLog(theta);
    const LogLikelihoodValue ll = LogLikelihood(p, b);
    const std::array<double, 3> values = {p.p, p.q, p.v};
    const double n = static_cast<double>(b.x.size());
    double f = -ll.value / n;
    for (int j = 0; j < 3; ++j) {
      f += penalizer * values[j] * values[j];
      grad[j] = -ll.grad[j] * values[j] / n + 2.0 * penalizer * values[j] * values[j];
    }
    return f;
  };
}

// p = 1, q = 2 makes the population mean p·v/(q−1) = v: start v at the observed mean spend.
std::vector<double> StartingPoint(const Buyers& b) {
  double sum = 0.0;
  for (double m : b.m) sum += m;
  return {0.0, std::log(2.0), std::log(sum / static_cast<double>(b.m.size()))};
}

}  // namespace

Result<GammaGammaFit> FitGammaGamma(std::span<const double> frequency,
                                    std::span<const double> monetary_value,
                                    const GammaGammaOptions& options) {
  if (frequency.size() != monetary_value.size()) {
    return Status::InvalidArgument("Gamma-Gamma: frequency and monetary_value have different lengths");
  }
  for (size_t i = 0; i < frequency.size(); ++i) {
    const double x = frequency[i], m = monetary_value[i];
    const std::string row = "Gamma-Gamma: row " + std::to_string(i + 1) + ": ";
    if (!std::isfinite(x) || x < 0 || x != std::floor(x)) {
      return Status::InvalidArgument(row + "frequency must be a non-negative whole number");
    }
    if (x > 0 && !(std::isfinite(m) && m > 0)) {
      return Status::InvalidArgument(row + "monetary_value must be a positive number for a repeat buyer");
    }
  }
  if (!(options.penalizer >= 0)) return Status::InvalidArgument("Gamma-Gamma: penalizer must be >= 0");
  const Buyers buyers = CollectBuyers(frequency, monetary_value);
  if (buyers.x.empty()) {
    return Status::InvalidArgument("Gamma-Gamma: no repeat buyers (frequency > 0) to fit on");
  }
  clv_optimize::MinimizeOptions minimize;
  minimize.max_evaluations = options.max_evaluations;
  CI_ASSIGN_OR_RETURN(auto result, clv_optimize::Minimize(MakeObjective(buyers, options.penalizer),
                                                          StartingPoint(buyers), minimize));
  GammaGammaFit fit;
  fit.params = FromLog(result.x);
  fit.log_likelihood = LogLikelihood(fit.params, buyers).value;
  fit.iterations = result.evaluations;
  fit.converged = result.converged;
  fit.customers = buyers.x.size();
  fit.stop_reason = result.stop_reason;
  return fit;
}

Result<GammaGammaFit> FitGammaGamma(const ClvSummary& summary, const GammaGammaOptions& options) {
  if (!summary.has_monetary_value()) {
    return Status::InvalidArgument("Gamma-Gamma: the summary has no monetary values");
  }
  CI_RETURN_IF_ERROR(ValidateClvSummary(summary).WithContext("Gamma-Gamma"));
  return FitGammaGamma(summary.frequency, summary.monetary_value, options);
}

double GammaGammaLogLikelihood(const GammaGammaParams& params, double x, double m) {
  const double f[] = {x};
  const double v[] = {m};
  return LogLikelihood(params, CollectBuyers(f, v)).value;
}

double GammaGammaExpectedAverageValue(const GammaGammaParams& params, double x, double m) {
  const double population_mean = params.p * params.v / (params.q - 1.0);
  if (x <= 0) return population_mean;
  const double weight = params.p * x / (params.p * x + params.q - 1.0);
  return (1.0 - weight) * population_mean + weight * m;
}

double CustomerLifetimeValue(const BgNbdParams& bgnbd, const GammaGammaParams& gamma_gamma,
                             double x, double t_x, double T, double m, const ClvHorizon& horizon) {
  const double value = GammaGammaExpectedAverageValue(gamma_gamma, x, m);
  const double step = horizon.periods_per_month;
  double clv = 0.0, previous = 0.0;
  for (int month = 1; month <= static_cast<int>(horizon.months); ++month) {
    const double cumulative = BgNbdExpectedPurchases(bgnbd, month * step, x, t_x, T);
    clv += value * (cumulative - previous) / std::pow(1.0 + horizon.monthly_discount_rate, month);
    previous = cumulative;
  }
  return clv;
}

}  // namespace custintel::models
