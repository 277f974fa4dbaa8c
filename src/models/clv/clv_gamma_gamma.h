// Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value";
// Colombo & Jiang 1999), fitted by maximum likelihood on repeat buyers, and customer lifetime
// value combining it with BG/NBD the way lifetimes' GammaGammaFitter.customer_lifetime_value does.
//
// Model: a customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, v) across customers;
// the likelihood of a customer's mean repeat value m over x repeat purchases is evaluated in log
// space over log-parameters with its analytic gradient and maximised with L-BFGS. Customers
// without repeat purchases (frequency 0) carry no spend information and are left out, as in
// lifetimes. Assumes spend is independent of purchase frequency (check the correlation).
//
//   CI_ASSIGN_OR_RETURN(GammaGammaFit gg, FitGammaGamma(summary));
//   double value = GammaGammaExpectedAverageValue(gg.params, x, m);
//   double clv = CustomerLifetimeValue(bgnbd.params, gg.params, x, t_x, T, m, {});
//
// Thread safety: all functions are pure.
#pragma once

#include <span>
#include <string>

#include "core/status.h"
#include "models/clv/clv_bgnbd.h"
#include "models/clv/clv_summary.h"

namespace custintel::models {

struct GammaGammaParams {
  double p = 0.0;
  double q = 0.0;
  double v = 0.0;
};

struct GammaGammaFit {
  GammaGammaParams params;
  double log_likelihood = 0.0;  // total over the repeat buyers, without the penalizer
  int iterations = 0;           // likelihood evaluations used by the optimiser
  bool converged = false;
  size_t customers = 0;         // repeat buyers used
  std::string stop_reason;
};

struct GammaGammaOptions {
  double penalizer = 0.0;  // L2 on (p, q, v), as lifetimes' penalizer_coef
  int max_evaluations = 2000;
};

// Fits on the summary's repeat buyers. Fails when the summary has no monetary values, is
// invalid (ValidateClvSummary), or has no repeat buyer.
Result<GammaGammaFit> FitGammaGamma(const ClvSummary& summary, const GammaGammaOptions& options = {});
// Same, from columns; rows with frequency 0 are skipped.
Result<GammaGammaFit> FitGammaGamma(std::span<const double> frequency,
                                    std::span<const double> monetary_value,
                                    const GammaGammaOptions& options = {});

// One repeat buyer's log-likelihood (x > 0, m > 0).
double GammaGammaLogLikelihood(const GammaGammaParams& params, double x, double m);

// E[Z | x, m]: the expected average transaction value of a customer with x repeat purchases of
// mean value m — a weighted mean of the population mean p·v/(q−1) and m (lifetimes'
// conditional_expected_average_profit). For x = 0 it is the population mean. REQUIRES: q > 1.
double GammaGammaExpectedAverageValue(const GammaGammaParams& params, double x, double m);

struct ClvHorizon {
  double months = 12;                    // horizon, in whole monthly steps
  double monthly_discount_rate = 0.01;   // 0.01 per month ≈ 12.7% a year
  // Summary periods per month: 30 for days, 4.345 for weeks (PeriodsPerMonth).
  double periods_per_month = 30;
};

// Discounted CLV: Σ_{i=1..months} E[purchases in month i] · E[Z | x, m] / (1 + d)^i, where
// month i spans summary time ((i−1)·ppm, i·ppm] after T (lifetimes' customer_lifetime_value).
double CustomerLifetimeValue(const BgNbdParams& bgnbd, const GammaGammaParams& gamma_gamma,
                             double x, double t_x, double T, double m, const ClvHorizon& horizon);

}  // namespace custintel::models
