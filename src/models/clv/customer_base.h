// The customer-base ("buy till you die") models as one family: which models there are, the data
// they take, a fitted model as a value, and one door to fit, score and compare any of them.
// Pure math: numbers in, numbers out (no database).
//
//   BG/NBD      Fader, Hardie & Lee (2005)           models/clv_bgnbd.h
//   MBG/NBD     Batislam, Denizel & Filiztekin (2007) mbg_nbd.h (MBG/CNBD-k with k = 1)
//   Pareto/NBD  Schmittlein, Morrison & Colombo (1987) pareto_nbd.h
//   BG/CNBD-k   Platzer & Reutterer (2016)           cnbd_k.h
//   MBG/CNBD-k  Platzer & Reutterer (2016)           cnbd_k.h
//   BG/BB       Fader, Hardie & Shang (2010)         bg_bb.h (discrete opportunities)
//
// Continuous-time data per customer: x repeat purchases, the last at t_x, observed for T since
// the first purchase, and litt = Σ log(inter-purchase interval) (only the Erlang-k models use
// it). BG/BB's data: x transactions in T = n discrete opportunities, the last at opportunity
// t_x (0 when x = 0).
//
//   CI_ASSIGN_OR_RETURN(ModelFit fit, FitModel(ModelKind::kParetoNbd, FromSummary(summary)));
//   double p = ProbabilityAlive(fit, x, t_x, T);
//
// Thread safety: values and pure functions; fits may use several threads internally.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "models/clv/clv_summary.h"

namespace custintel::models::clv {

enum class ModelKind { kBgNbd, kMbgNbd, kParetoNbd, kBgCnbdK, kMbgCnbdK, kBgBb };

// The models for purchases in continuous time, in the order model choice lists them.
inline constexpr ModelKind kContinuousModels[] = {ModelKind::kBgNbd, ModelKind::kMbgNbd, ModelKind::kParetoNbd,
                                                  ModelKind::kBgCnbdK, ModelKind::kMbgCnbdK};

std::string ModelName(ModelKind kind);   // "bgnbd", "mbgnbd", "paretonbd", "bgcnbdk", "mbgcnbdk", "bgbb"
std::string ModelTitle(ModelKind kind);  // "BG/NBD", "MBG/NBD", "Pareto/NBD", "BG/CNBD-k", ...
// Accepts a ModelName or ModelTitle in any case ("pareto/nbd", "BG/BB"); the error lists the names.
Result<ModelKind> ParseModelName(std::string_view name);
std::vector<std::string> ParamNames(ModelKind kind);  // e.g. {"r", "alpha", "s", "beta"}

// Customer histories, columnar, all of one length; litt and weight may be empty (litt 0, weight
// 1 each). Views: the owner must outlive them.
struct Histories {
  std::span<const double> x, t_x, T, litt, weight;
  size_t size() const { return x.size(); }
};
Histories FromSummary(const ClvSummary& summary);  // frequency, recency, T, litt

struct ModelFit {
  ModelKind kind = ModelKind::kBgNbd;
  std::vector<double> params;   // in ParamNames(kind) order
  int k = 1;                    // Erlang order of (M)BG/CNBD-k; 1 for the others
  double log_likelihood = 0.0;  // total over customers (weights applied), constants included
  int iterations = 0;           // likelihood evaluations
  bool converged = false;       // the gradient vanished at the returned point
  std::string stop_reason;
  double customers = 0;         // total weight
};

struct FitOptions {
  int max_evaluations = 3000;
  int threads = 0;  // 0 = hardware concurrency; small inputs use one
  int max_k = 12;   // largest Erlang order tried by the CNBD-k models
};

// Fits by maximum likelihood (L-BFGS over log-parameters with analytic gradients). Errors name
// the model and, for bad data, the row. The CNBD-k models need litt for k > 1: without it they
// fail with a message saying so.
Result<ModelFit> FitModel(ModelKind kind, const Histories& data, const FitOptions& options = {});

// One customer's log-likelihood under the fit (litt only matters to the CNBD-k models).
double LogLikelihood(const ModelFit& fit, double x, double t_x, double T, double litt = 0.0);
// Σ weight · LogLikelihood over the histories.
double TotalLogLikelihood(const ModelFit& fit, const Histories& data);
// P(alive) at T (BG/BB: at the next opportunity, n + 1).
double ProbabilityAlive(const ModelFit& fit, double x, double t_x, double T, double litt = 0.0);
// Expected purchases in (T, T + t] (BG/BB: in the next t opportunities).
double ExpectedPurchases(const ModelFit& fit, double t, double x, double t_x, double T, double litt = 0.0);

// Standard errors of the parameters (ParamNames order) from the observed information: the
// numeric Hessian of TotalLogLikelihood in log-parameters at the fit (k held fixed), inverted.
// Fails when it is not negative definite (a fit at a boundary, unidentified parameters).
Result<std::vector<double>> StandardErrors(const ModelFit& fit, const Histories& data);

// "r=0.5534 alpha=10.58 s=0.6061 beta=11.67" (and "k=2" for CNBD-k).
std::string ParamsText(const ModelFit& fit);

// Discounted expected value over `months` whole months: Σ_m value · (E[X(m)] − E[X(m−1)]) / (1 +
// rate)^m with E from ExpectedPurchases and `periods_per_month` summary periods a month —
// lifetimes' customer_lifetime_value for any model.
double LifetimeValue(const ModelFit& fit, double x, double t_x, double T, double litt, double value, double months,
                     double monthly_discount_rate, double periods_per_month);

}  // namespace custintel::models::clv
