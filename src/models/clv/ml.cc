#include "models/clv/ml.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <thread>

#include "models/clv/clv_optimize.h"

namespace custintel::models::clv::internal {
namespace {

constexpr size_t kMinGroupsPerThread = 20000;
constexpr int kMaxThreads = 64;

std::string RowProblem(const Histories& d, size_t i, bool discrete) {
  const double x = d.x[i], t_x = d.t_x[i], T = d.T[i];
  auto num = [](double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  };
  if (!std::isfinite(x) || !std::isfinite(t_x) || !std::isfinite(T)) return "a value is not a finite number";
  if (x < 0 || x != std::floor(x)) return "frequency " + num(x) + " is not a non-negative whole number";
  if (t_x < 0) return "recency " + num(t_x) + " is negative";
  if (T <= 0) return std::string(discrete ? "opportunities " : "T ") + num(T) + " must be positive";
  if (t_x > T) return "recency " + num(t_x) + " is larger than " + (discrete ? "the opportunities " : "T ") + num(T);
  if (discrete) {
    if (T != std::floor(T) || t_x != std::floor(t_x)) return "recency and opportunities must be whole numbers";
    if (x > t_x) return "frequency " + num(x) + " is larger than recency " + num(t_x);
    if (x == 0 && t_x != 0) return "recency must be 0 without transactions";
  }
  if (!d.litt.empty() && !std::isfinite(d.litt[i])) return "litt is not a finite number";
  if (!d.weight.empty() && !(d.weight[i] > 0 && std::isfinite(d.weight[i]))) return "weight must be positive";
  return "";
}

int ThreadCount(int wanted) {
  const int n = wanted > 0 ? wanted : static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(n, 1, kMaxThreads);
}

}  // namespace

double LogSumExp(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  const double hi = std::max(a, b);
  return hi + std::log1p(std::exp(std::min(a, b) - hi));
}

Result<Groups> GroupHistories(const Histories& d, bool discrete, const std::string& model) {
  const size_t n = d.size();
  if (d.t_x.size() != n || d.T.size() != n || (!d.litt.empty() && d.litt.size() != n) ||
      (!d.weight.empty() && d.weight.size() != n)) {
    return Status::InvalidArgument(model + ": the data's columns have different lengths");
  }
  if (n == 0) return Status::InvalidArgument(model + ": no customers to fit");
  for (size_t i = 0; i < n; ++i) {
    const std::string problem = RowProblem(d, i, discrete);
    if (!problem.empty()) return Status::InvalidArgument(model + ": row " + std::to_string(i + 1) + ": " + problem);
  }
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  auto key = [&](uint32_t i) { return std::array<double, 3>{d.x[i], d.t_x[i], d.T[i]}; };
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
  Groups g;
  g.has_litt = !d.litt.empty();
  for (uint32_t i : order) {
    const double w = d.weight.empty() ? 1.0 : d.weight[i];
    g.total_weight += w;
    g.weighted_x += w * d.x[i];
    if (g.has_litt) g.weighted_litt += w * d.litt[i];
    if (!g.x.empty() && g.x.back() == d.x[i] && g.t_x.back() == d.t_x[i] && g.T.back() == d.T[i]) {
      g.weight.back() += w;
      continue;
    }
    g.x.push_back(d.x[i]);
    g.t_x.push_back(d.t_x[i]);
    g.T.push_back(d.T[i]);
    g.weight.push_back(w);
  }
  return g;
}

double SumLogLikelihood(const Groups& g, const CustomerLogLikelihood& loglik, const std::vector<double>& params,
                        std::vector<double>* grad, int threads) {
  const size_t np = params.size();
  struct Partial {
    double value = 0.0;
    std::vector<double> grad;
  };
  std::vector<Partial> partials(kMaxThreads);
  const int chunks = clv_optimize::ParallelChunks(
      g.x.size(), ThreadCount(threads), kMinGroupsPerThread, [&](size_t begin, size_t end, int chunk) {
        Partial& out = partials[chunk];
        out.grad.assign(np, 0.0);
        std::vector<double> local(np, 0.0);
        for (size_t k = begin; k < end; ++k) {
          const double v = loglik(params.data(), g.x[k], g.t_x[k], g.T[k], grad ? local.data() : nullptr);
          out.value += g.weight[k] * v;
          if (grad) {
            for (size_t j = 0; j < np; ++j) out.grad[j] += g.weight[k] * local[j];
          }
        }
      });
  double total = 0.0;
  if (grad) grad->assign(np, 0.0);
  for (int c = 0; c < chunks; ++c) {
    total += partials[c].value;
    if (grad) {
      for (size_t j = 0; j < np; ++j) (*grad)[j] += partials[c].grad[j];
    }
  }
  return total;
}

ModelFit ToModelFit(ModelKind kind, const MlResult& r, const Groups& groups) {
  ModelFit fit;
  fit.kind = kind;
  fit.params = r.params;
  fit.log_likelihood = r.log_likelihood;
  fit.iterations = r.evaluations;
  fit.converged = r.converged;
  fit.stop_reason = r.stop_reason;
  fit.customers = groups.total_weight;
  return fit;
}

Result<MlResult> MaximizeLikelihood(const Groups& g, const CustomerLogLikelihood& loglik, std::vector<double> start,
                                    const FitOptions& options, const std::string& model) {
  const size_t np = start.size();
  for (double& v : start) v = std::log(v);
  auto natural = [](const std::vector<double>& theta) {
    std::vector<double> p(theta.size());
    for (size_t j = 0; j < theta.size(); ++j) p[j] = std::exp(theta[j]);
    return p;
  };
  clv_optimize::Objective objective = [&](const std::vector<double>& theta, std::vector<double>& gradient) {
    const std::vector<double> p = natural(theta);
    std::vector<double> grad;
    const double ll = SumLogLikelihood(g, loglik, p, &grad, options.threads);
    for (size_t j = 0; j < np; ++j) gradient[j] = -grad[j] * p[j] / g.total_weight;
    for (double v : gradient) {
      if (!std::isfinite(v)) return std::numeric_limits<double>::infinity();
    }
    return -ll / g.total_weight;
  };
  clv_optimize::MinimizeOptions minimize;
  minimize.max_evaluations = options.max_evaluations;
  Result<clv_optimize::MinimizeResult> r = clv_optimize::Minimize(objective, start, minimize);
  if (!r.ok()) return r.status().WithContext(model);
  MlResult out;
  out.params = natural(r->x);
  out.log_likelihood = SumLogLikelihood(g, loglik, out.params, nullptr, options.threads);
  out.evaluations = r->evaluations;
  out.converged = r->converged;
  out.stop_reason = r->stop_reason;
  if (!std::isfinite(out.log_likelihood)) {
    return Status::InvalidArgument(model + ": the likelihood is not finite at the optimum (" + r->stop_reason + ")");
  }
  return out;
}

double PurchaseRate(const Groups& g) {
  double purchases = 0.0, time = 0.0;
  for (size_t k = 0; k < g.x.size(); ++k) {
    purchases += g.weight[k] * g.x[k];
    time += g.weight[k] * g.T[k];
  }
  return std::max(purchases, 1.0) / std::max(time, 1e-9);
}

}  // namespace custintel::models::clv::internal
