// BG/NBD ("beta-geometric / negative binomial distribution") purchase model of Fader, Hardie &
// Lee (2005), "Counting your customers the easy way", fitted by maximum likelihood.
//
// Model: while alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each
// repeat purchase they drop out with probability p ~ Beta(a, b). Data per customer: x repeat
// purchases, the last at t_x, observed for T since the first purchase (see clv_summary.h).
//
// Fit: the log-likelihood (FHL eq. 6) is evaluated in log space (log-gamma, log-beta,
// log-sum-exp) over log-parameters, with its analytic gradient, and maximised with L-BFGS
// (clv_optimize.h). Customers with identical (x, t_x, T) are grouped with weights, terms that
// depend on x alone are computed once per distinct x, and large inputs are split over threads,
// so a million customers fit in seconds. An optional L2 penalizer on the parameters behaves as
// in lifetimes' BetaGeoFitter (objective = −mean log-likelihood + penalizer · Σ param²).
//
//   CI_ASSIGN_OR_RETURN(BgNbdFit fit, FitBgNbd(summary));
//   double next_year = BgNbdExpectedPurchases(fit.params, 52, x, t_x, T);
//
// Thread safety: all functions are pure; FitBgNbd may use several threads internally.
#pragma once

#include <span>
#include <string>

#include "core/status.h"
#include "models/clv/clv_summary.h"

namespace custintel::models {

struct BgNbdParams {
  double r = 0.0;
  double alpha = 0.0;
  double a = 0.0;
  double b = 0.0;
};

struct BgNbdFit {
  BgNbdParams params;
  double log_likelihood = 0.0;  // total over customers, without the penalizer
  int iterations = 0;           // likelihood evaluations used by the optimiser
  bool converged = false;       // the gradient vanished at the returned point
  size_t customers = 0;
  size_t groups = 0;            // distinct (x, t_x, T) triples actually evaluated
  std::string stop_reason;
};

struct BgNbdOptions {
  // L2 penalty on (r, α, a, b); 0 = plain maximum likelihood. lifetimes suggests 0.001–0.1
  // when few customers make the parameters implausibly large.
  double penalizer = 0.0;
  int max_evaluations = 2000;
  // Threads for the likelihood; 0 = hardware concurrency. Small inputs always use one.
  int threads = 0;
};

// Fits on every row of a validated summary (ValidateClvSummary is applied first).
Result<BgNbdFit> FitBgNbd(const ClvSummary& summary, const BgNbdOptions& options = {});
// Same, from columns (frequency, recency, T), all of one length.
Result<BgNbdFit> FitBgNbd(std::span<const double> frequency, std::span<const double> recency,
                          std::span<const double> T, const BgNbdOptions& options = {});

// One customer's log-likelihood (FHL eq. 6).
double BgNbdLogLikelihood(const BgNbdParams& params, double x, double t_x, double T);

// E[purchases in (T, T + t] | x, t_x, T] (FHL eq. 10): the expected number of purchases in
// the next t periods for a customer with this history. Uses 2F1 through Euler's
// transformation so large x and long horizons stay finite. REQUIRES: a ≠ 1.
double BgNbdExpectedPurchases(const BgNbdParams& params, double t, double x, double t_x, double T);

// E[X(t)] for a new customer, just acquired (FHL eq. 9). REQUIRES: a ≠ 1, a + b > 1.
double BgNbdExpectedPurchasesNew(const BgNbdParams& params, double t);

// P(alive | x, t_x, T) (FHL eq. 11, in lifetimes' log form); 1 for customers with no repeat.
double BgNbdProbabilityAlive(const BgNbdParams& params, double x, double t_x, double T);

}  // namespace custintel::models
