// MBG/NBD (Batislam, Denizel & Filiztekin 2007): BG/NBD where a customer can also drop out right
// after the first purchase, so a one-time buyer is not certainly alive (BG/NBD gives every
// one-time buyer P(alive) = 1). It is MBG/CNBD-k with k = 1 (cnbd_k.h), whose code it shares:
//   L = B(a, b+x+1)/B(a, b) · Γ(r+x) α^r / Γ(r) · [ (α+T)^−(r+x) + a/(b+x) · (α+t_x)^−(r+x) ].
//
// Thread safety: pure functions.
#pragma once

#include "models/clv/cnbd_k.h"

namespace custintel::models::clv {

inline constexpr CnbdVariant kMbgNbd{1, true};

inline double MbgNbdLogLikelihood(const CnbdParams& p, double x, double t_x, double T, double* grad = nullptr) {
  return CnbdLogLikelihood(p, kMbgNbd, x, t_x, T, 0.0, grad);
}
inline double MbgNbdProbabilityAlive(const CnbdParams& p, double x, double t_x, double T) {
  return CnbdProbabilityAlive(p, kMbgNbd, x, t_x, T);
}
inline double MbgNbdExpectedPurchases(const CnbdParams& p, double t, double x, double t_x, double T) {
  return CnbdExpectedPurchases(p, kMbgNbd, t, x, t_x, T);
}
inline Result<ModelFit> FitMbgNbd(const Histories& data, const FitOptions& options = {}) {
  return FitCnbdFixedK(data, kMbgNbd, options);
}

}  // namespace custintel::models::clv
