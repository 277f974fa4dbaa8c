// BG/BB (Fader, Hardie & Shang 2010, "Customer-base analysis in a discrete-time noncontractual
// setting", Marketing Science 29(6)): for discrete transaction opportunities (a yearly
// donation, an annual event). While alive a customer transacts at each opportunity with
// probability p ~ Beta(α, β); at the start of each opportunity they become inactive with
// probability θ ~ Beta(γ, δ). Data: x transactions in n opportunities, the last at opportunity
// t_x (0 when x = 0) — in Histories: x, t_x, T = n.
//
//   L = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
//       + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ)      (FHS eq. 5)
// summed in log space; the gradient (digammas) is analytic.
//
// Thread safety: pure functions.
#pragma once

#include "core/status.h"
#include "models/clv/customer_base.h"

namespace custintel::models::clv {

struct BgBbParams {
  double alpha = 0, beta = 0, gamma = 0, delta = 0;
};

// log L of one customer; grad (4, may be null) receives ∂/∂(α, β, γ, δ).
double BgBbLogLikelihood(const BgBbParams& p, double x, double t_x, double n, double* grad = nullptr);
// P(alive at opportunity n + m | x, t_x, n) (FHS eq. 11; m = 1: at the next opportunity).
double BgBbProbabilityAlive(const BgBbParams& p, double x, double t_x, double n, double m = 1);
// E[transactions in opportunities n+1 .. n+n_star | x, t_x, n] (FHS eq. 13).
double BgBbExpectedPurchases(const BgBbParams& p, double n_star, double x, double t_x, double n);

Result<ModelFit> FitBgBb(const Histories& data, const FitOptions& options = {});

}  // namespace custintel::models::clv
