// Special functions for the lifetime-value models (BG/NBD, Gamma-Gamma), in log space where
// the models need it: log-gamma, log-beta, digamma, and the Gauss hypergeometric 2F1 on the
// real interval [0, 1) that the BG/NBD predictions use.
//
// Why our own: the standard library has no digamma, no log-beta and no 2F1, and std::lgamma
// writes the global `signgam` (a data race when likelihoods are evaluated in parallel).
//
// Thread safety: pure functions; safe from any thread.
#pragma once

namespace custintel::models::clv_special {

// log Γ(x) for x > 0, without touching global state.
double LogGamma(double x);

// log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b), for a, b > 0.
double LogBeta(double a, double b);

// ψ(x) = d/dx log Γ(x), for x > 0 (recurrence up to x ≥ 10, then the asymptotic series;
// absolute error below 1e-13).
double Digamma(double x);

// Gauss hypergeometric 2F1(a, b; c; z) by its power series, for 0 ≤ z < 1 and c > 0 (any real
// a, b). The series converges geometrically with ratio z; it is summed until a term changes
// the sum by less than 1e-15 relative, or `max_terms` terms. Returns NaN when the series does
// not settle within `max_terms` (z extremely close to 1 with slowly decaying terms) — callers
// should prefer the transformed forms below, which keep the parameters small.
double Hyp2f1(double a, double b, double c, double z, int max_terms = 1000000);

// (1 − z)^e · 2F1(a, b; c; z) computed as (1 − z)^(e + c − a − b) · 2F1(c − a, c − b; c; z)
// (Euler's transformation), choosing whichever form has the smaller parameters. The BG/NBD
// expectation needs exactly this product with e = a; the transformed parameters are O(1) and
// the prefactor exponent is small, so nothing overflows even for customers with hundreds of
// purchases. REQUIRES: 0 ≤ z < 1, c > 0.
double PowerTimesHyp2f1(double e, double a, double b, double c, double z);

}  // namespace custintel::models::clv_special
