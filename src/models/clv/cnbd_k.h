// (M)BG/CNBD-k (Platzer & Reutterer 2016, "Ticking away the moments", Marketing Science
// 35(5)): BG/NBD with regular purchasing. Inter-purchase times are Erlang-k with rate λ ~
// Gamma(r, α) (mean k/λ: k = 1 is the Poisson process of BG/NBD, larger k more regular); after
// each repeat purchase the customer drops out with probability p ~ Beta(a, b). The M-variant
// (dropout_at_zero) lets the customer drop out right after the first purchase too, so a one-time
// buyer can be dead (MBG/NBD is MBG/CNBD-1, Batislam et al. 2007).
//
// Likelihood (BTYDplus's form), with litt = Σ log(inter-purchase interval) and d = 1 for the
// M-variant, 0 otherwise:
//   L = exp((k−1)·litt − x·log((k−1)!)) · B(a, b+x+d)/B(a, b) · Γ(r+kx) α^r / Γ(r) ·
//       [ (α+T)^−(r+kx) Σ_{j<k} Γ(r+kx+j)/Γ(r+kx) (T−t_x)^j / (j! (α+T)^j)
//         + 1{x > 0 or d} · a/(b+x−1+d) · (α+t_x)^−(r+kx) ].
// The gradient in (r, α, a, b) is analytic. k is chosen as BTYDplus does: fit k = 1, 2, ... and
// stop when the likelihood (constant included) stops rising, up to FitOptions::max_k.
//
// Predictions: P(alive) is the first bracket term's share. The conditional expectation of
// purchases in (T, T+t] treats an alive customer's future as Poisson with rate λ/k, λ drawn
// from its posterior (a mixture over j of Gamma(r+kx+j, α+T)), with BG/NBD's dropout — exact
// for k = 1, an approximation for k > 1 (it ignores the phase of the interval in progress).
//
// Thread safety: pure functions.
#pragma once

#include "core/status.h"
#include "models/clv/customer_base.h"

namespace custintel::models::clv {

struct CnbdParams {
  double r = 0, alpha = 0, a = 0, b = 0;
};

struct CnbdVariant {
  int k = 1;
  bool dropout_at_zero = false;  // MBG
};

// log L of one customer; grad (4, may be null) receives ∂/∂(r, α, a, b).
double CnbdLogLikelihood(const CnbdParams& p, CnbdVariant v, double x, double t_x, double T, double litt,
                         double* grad = nullptr);
double CnbdProbabilityAlive(const CnbdParams& p, CnbdVariant v, double x, double t_x, double T);
// REQUIRES: a ≠ 1 and a + b + x − 1 + d > 0 (as BG/NBD's closed form).
double CnbdExpectedPurchases(const CnbdParams& p, CnbdVariant v, double t, double x, double t_x, double T);

// Fits (r, α, a, b) for a given variant (k fixed).
Result<ModelFit> FitCnbdFixedK(const Histories& data, CnbdVariant variant, const FitOptions& options = {});
// Fits k = 1, 2, ... as above and returns the best; BG/CNBD-k or MBG/CNBD-k by dropout_at_zero.
// Without litt only k = 1 is identifiable: an error saying so.
Result<ModelFit> FitCnbdK(const Histories& data, bool dropout_at_zero, const FitOptions& options = {});

}  // namespace custintel::models::clv
