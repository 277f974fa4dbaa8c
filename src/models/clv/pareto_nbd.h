// Pareto/NBD (Schmittlein, Morrison & Colombo 1987): while alive a customer buys as a Poisson
// process with rate λ ~ Gamma(r, α); their lifetime is exponential with rate μ ~ Gamma(s, β),
// so they can drop out at any time, not only after a purchase (as in BG/NBD).
//
// Likelihood (Fader & Hardie's note "Deriving the Pareto/NBD model", eq. 22, in integral form):
//   L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^−(r+x) (β+T)^−s + s · J ],
//   J = ∫_{t_x}^{T} (α+τ)^−(r+x) (β+τ)^−(s+1) dτ,
// where J is summed as a positive series in the larger of α, β (the two hypergeometric branches
// of the closed form, without its subtraction), with term-by-term derivatives: the gradient is
// analytic. Where that series would converge slowly (|α−β|/(max(α,β)+t_x) > 0.5: one rate far
// above the other, as a fit drifting to s, β → ∞ does) J and its derivatives come from
// composite Gauss–Legendre quadrature in log-time instead. P(alive) is the first term's share of L; the conditional expectation is FHL's
// eq. (41) form, the limit for s = 1 included.
//
// Thread safety: pure functions.
#pragma once

#include "core/status.h"
#include "models/clv/customer_base.h"

namespace custintel::models::clv {

struct ParetoNbdParams {
  double r = 0, alpha = 0, s = 0, beta = 0;
};

// log L of one customer; grad (4, may be null) receives ∂/∂(r, α, s, β).
double ParetoNbdLogLikelihood(const ParetoNbdParams& p, double x, double t_x, double T, double* grad = nullptr);
double ParetoNbdProbabilityAlive(const ParetoNbdParams& p, double x, double t_x, double T);
// E[purchases in (T, T+t] | x, t_x, T]; with x = t_x = T = 0, E[X(t)] of a new customer.
double ParetoNbdExpectedPurchases(const ParetoNbdParams& p, double t, double x, double t_x, double T);

Result<ModelFit> FitParetoNbd(const Histories& data, const FitOptions& options = {});

// log ∫_{t1}^{t2} (A+τ)^−p (B+τ)^−q dτ and its derivatives in (p, q, A, B), for t2 > t1 ≥ 0,
// A, B > 0 and p + q > 1. Exposed for tests.
struct LogPowerIntegral {
  double value = 0, d_p = 0, d_q = 0, d_A = 0, d_B = 0;
};
LogPowerIntegral PowerIntegral(double p, double q, double A, double B, double t1, double t2);
// The same by quadrature (what PowerIntegral uses when the series would converge slowly).
LogPowerIntegral PowerIntegralQuadrature(double p, double q, double A, double B, double t1, double t2);

}  // namespace custintel::models::clv
