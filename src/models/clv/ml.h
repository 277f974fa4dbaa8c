// Maximum-likelihood machinery shared by the customer-base models of this folder: validation
// and grouping of histories, and L-BFGS over log-parameters (models/clv_optimize.h) of a
// per-customer log-likelihood with an analytic gradient. Internal to models/clv/.
//
// Thread safety: pure functions; the likelihood is summed over threads (fixed chunks, so the
// same inputs give the same bits).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "models/clv/customer_base.h"

namespace custintel::models::clv::internal {

// Customers with identical (x, t_x, T), with their total weight; litt summed separately (it
// enters the Erlang-k likelihood only through a constant).
struct Groups {
  std::vector<double> x, t_x, T, weight;
  double total_weight = 0.0;
  double weighted_x = 0.0;     // Σ weight · x
  double weighted_litt = 0.0;  // Σ weight · litt
  bool has_litt = false;
};

// Checks the rows (continuous: x whole ≥ 0, 0 ≤ t_x ≤ T, T > 0; discrete: also T and t_x whole,
// x ≤ t_x, t_x = 0 when x = 0), naming `model` and the row, and groups them.
Result<Groups> GroupHistories(const Histories& data, bool discrete, const std::string& model);

// log L of one customer and, when grad != nullptr, its gradient in the natural parameters
// (written, not added).
using CustomerLogLikelihood = std::function<double(const double* params, double x, double t_x, double T, double* grad)>;

struct MlResult {
  std::vector<double> params;
  double log_likelihood = 0.0;  // Σ weight · log L over groups (without any constant)
  int evaluations = 0;
  bool converged = false;
  std::string stop_reason;
};

// Maximises Σ weight · log L from `start` (natural parameters, all > 0) over log-parameters.
Result<MlResult> MaximizeLikelihood(const Groups& groups, const CustomerLogLikelihood& loglik,
                                    std::vector<double> start, const FitOptions& options, const std::string& model);

// The fit record of a model of `kind` from its maximisation over `groups`: parameters,
// log-likelihood, evaluations, convergence and customers, as every model records them.
ModelFit ToModelFit(ModelKind kind, const MlResult& r, const Groups& groups);

// Σ weight · log L and its gradient at `params` (natural parameters).
double SumLogLikelihood(const Groups& groups, const CustomerLogLikelihood& loglik, const std::vector<double>& params,
                        std::vector<double>* grad, int threads);

// log(e^a + e^b), exact for −inf arguments.
double LogSumExp(double a, double b);

// A start for rate parameters: (repeat purchases per unit of time) over the groups.
double PurchaseRate(const Groups& groups);

}  // namespace custintel::models::clv::internal
