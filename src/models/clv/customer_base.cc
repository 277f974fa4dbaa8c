#include "models/clv/customer_base.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "models/clv/bg_bb.h"
#include "models/clv/clv_bgnbd.h"
#include "models/clv/cnbd_k.h"
#include "models/clv/pareto_nbd.h"

namespace custintel::models::clv {
namespace {

constexpr ModelKind kAll[] = {ModelKind::kBgNbd,   ModelKind::kMbgNbd,   ModelKind::kParetoNbd,
                              ModelKind::kBgCnbdK, ModelKind::kMbgCnbdK, ModelKind::kBgBb};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

CnbdVariant VariantOf(const ModelFit& f) {
  const bool mbg = f.kind == ModelKind::kMbgNbd || f.kind == ModelKind::kMbgCnbdK;
  return {f.k, mbg};
}
CnbdParams Cnbd(const ModelFit& f) { return {f.params[0], f.params[1], f.params[2], f.params[3]}; }
ParetoNbdParams Pareto(const ModelFit& f) { return {f.params[0], f.params[1], f.params[2], f.params[3]}; }
BgBbParams BgBb(const ModelFit& f) { return {f.params[0], f.params[1], f.params[2], f.params[3]}; }

}  // namespace

std::string ModelName(ModelKind kind) {
  switch (kind) {
    case ModelKind::kBgNbd: return "bgnbd";
    case ModelKind::kMbgNbd: return "mbgnbd";
    case ModelKind::kParetoNbd: return "paretonbd";
    case ModelKind::kBgCnbdK: return "bgcnbdk";
    case ModelKind::kMbgCnbdK: return "mbgcnbdk";
    case ModelKind::kBgBb: return "bgbb";
  }
  return "unknown";
}

std::string ModelTitle(ModelKind kind) {
  switch (kind) {
    case ModelKind::kBgNbd: return "BG/NBD";
    case ModelKind::kMbgNbd: return "MBG/NBD";
    case ModelKind::kParetoNbd: return "Pareto/NBD";
    case ModelKind::kBgCnbdK: return "BG/CNBD-k";
    case ModelKind::kMbgCnbdK: return "MBG/CNBD-k";
    case ModelKind::kBgBb: return "BG/BB";
  }
  return "unknown";
}

Result<ModelKind> ParseModelName(std::string_view name) {
  const std::string want = Lower(name);
  std::string names;
  for (ModelKind k : kAll) {
    if (want == ModelName(k) || want == Lower(ModelTitle(k))) return k;
    names += (names.empty() ? "" : ", ") + ModelName(k);
  }
  return Status::InvalidArgument("unknown customer-base model '" + std::string(name) + "'; one of: " + names);
}

std::vector<std::string> ParamNames(ModelKind kind) {
  switch (kind) {
    case ModelKind::kParetoNbd: return {"r", "alpha", "s", "beta"};
    case ModelKind::kBgBb: return {"alpha", "beta", "gamma", "delta"};
    default: return {"r", "alpha", "a", "b"};
  }
}

Histories FromSummary(const ClvSummary& s) { return {s.frequency, s.recency, s.T, s.litt, {}}; }

Result<ModelFit> FitModel(ModelKind kind, const Histories& data, const FitOptions& options) {
  switch (kind) {
    case ModelKind::kBgNbd: {
      if (!data.weight.empty()) return FitCnbdFixedK(data, {1, false}, options);
      // The BG/NBD fitter of models/clv_bgnbd.h: the same likelihood, faster (per-x terms shared).
      BgNbdOptions o;
      o.max_evaluations = options.max_evaluations;
      o.threads = options.threads;
      CI_ASSIGN_OR_RETURN(BgNbdFit b, FitBgNbd(data.x, data.t_x, data.T, o));
      ModelFit fit;
      fit.kind = kind;
      fit.params = {b.params.r, b.params.alpha, b.params.a, b.params.b};
      fit.log_likelihood = b.log_likelihood;
      fit.iterations = b.iterations;
      fit.converged = b.converged;
      fit.stop_reason = b.stop_reason;
      fit.customers = static_cast<double>(b.customers);
      return fit;
    }
    case ModelKind::kMbgNbd: return FitCnbdFixedK(data, {1, true}, options);
    case ModelKind::kParetoNbd: return FitParetoNbd(data, options);
    case ModelKind::kBgCnbdK: return FitCnbdK(data, false, options);
    case ModelKind::kMbgCnbdK: return FitCnbdK(data, true, options);
    case ModelKind::kBgBb: return FitBgBb(data, options);
  }
  return Status::InvalidArgument("unknown model");
}

double LogLikelihood(const ModelFit& f, double x, double t_x, double T, double litt) {
  switch (f.kind) {
    case ModelKind::kParetoNbd: return ParetoNbdLogLikelihood(Pareto(f), x, t_x, T);
    case ModelKind::kBgBb: return BgBbLogLikelihood(BgBb(f), x, t_x, T);
    default: return CnbdLogLikelihood(Cnbd(f), VariantOf(f), x, t_x, T, litt);
  }
}

double TotalLogLikelihood(const ModelFit& f, const Histories& d) {
  double total = 0.0;
  for (size_t i = 0; i < d.size(); ++i) {
    const double w = d.weight.empty() ? 1.0 : d.weight[i];
    total += w * LogLikelihood(f, d.x[i], d.t_x[i], d.T[i], d.litt.empty() ? 0.0 : d.litt[i]);
  }
  return total;
}

double ProbabilityAlive(const ModelFit& f, double x, double t_x, double T, double /*litt*/) {
  switch (f.kind) {
    case ModelKind::kBgNbd:  // clv_bgnbd.h's bits, as before model choice
      return BgNbdProbabilityAlive({f.params[0], f.params[1], f.params[2], f.params[3]}, x, t_x, T);
    case ModelKind::kParetoNbd: return ParetoNbdProbabilityAlive(Pareto(f), x, t_x, T);
    case ModelKind::kBgBb: return BgBbProbabilityAlive(BgBb(f), x, t_x, T);
    default: return CnbdProbabilityAlive(Cnbd(f), VariantOf(f), x, t_x, T);
  }
}

double ExpectedPurchases(const ModelFit& f, double t, double x, double t_x, double T, double /*litt*/) {
  switch (f.kind) {
    case ModelKind::kParetoNbd: return ParetoNbdExpectedPurchases(Pareto(f), t, x, t_x, T);
    case ModelKind::kBgBb: return BgBbExpectedPurchases(BgBb(f), t, x, t_x, T);
    case ModelKind::kBgNbd:
      return BgNbdExpectedPurchases({f.params[0], f.params[1], f.params[2], f.params[3]}, t, x, t_x, T);
    default: return CnbdExpectedPurchases(Cnbd(f), VariantOf(f), t, x, t_x, T);
  }
}

Result<std::vector<double>> StandardErrors(const ModelFit& fit, const Histories& data) {
  const size_t n = fit.params.size();
  constexpr double h = 1e-4;
  auto at = [&](int i, double di, int j, double dj) {
    ModelFit f = fit;
    if (i >= 0) f.params[i] *= std::exp(di);
    if (j >= 0) f.params[j] *= std::exp(dj);
    return TotalLogLikelihood(f, data);
  };
  // Information matrix I = −H (log-parameters), then Gauss–Jordan inverse.
  std::vector<std::vector<double>> info(n, std::vector<double>(n, 0.0)), inv(n, std::vector<double>(n, 0.0));
  const double f0 = at(-1, 0, -1, 0);
  for (size_t i = 0; i < n; ++i) {
    info[i][i] = -(at(i, h, -1, 0) - 2 * f0 + at(i, -h, -1, 0)) / (h * h);
    for (size_t j = 0; j < i; ++j) {
      info[i][j] = info[j][i] = -(at(i, h, j, h) - at(i, h, j, -h) - at(i, -h, j, h) + at(i, -h, j, -h)) / (4 * h * h);
    }
    inv[i][i] = 1.0;
  }
  for (size_t c = 0; c < n; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < n; ++r) {
      if (std::abs(info[r][c]) > std::abs(info[pivot][c])) pivot = r;
    }
    if (!(std::abs(info[pivot][c]) > 0)) return Status::InvalidArgument("the information matrix is singular");
    std::swap(info[c], info[pivot]);
    std::swap(inv[c], inv[pivot]);
    const double d = info[c][c];
    for (size_t k = 0; k < n; ++k) info[c][k] /= d, inv[c][k] /= d;
    for (size_t r = 0; r < n; ++r) {
      if (r == c) continue;
      const double m = info[r][c];
      for (size_t k = 0; k < n; ++k) info[r][k] -= m * info[c][k], inv[r][k] -= m * inv[c][k];
    }
  }
  std::vector<double> se(n);
  for (size_t i = 0; i < n; ++i) {
    if (!(inv[i][i] > 0)) {
      return Status::InvalidArgument("the information matrix is not positive definite (parameter " +
                                     ParamNames(fit.kind)[i] + ")");
    }
    se[i] = fit.params[i] * std::sqrt(inv[i][i]);  // delta method from log-parameters
  }
  return se;
}

std::string ParamsText(const ModelFit& f) {
  const std::vector<std::string> names = ParamNames(f.kind);
  std::string out;
  for (size_t i = 0; i < names.size() && i < f.params.size(); ++i) {
    out += fmt::format("{}{}={:.4g}", out.empty() ? "" : " ", names[i], f.params[i]);
  }
  if (f.kind == ModelKind::kBgCnbdK || f.kind == ModelKind::kMbgCnbdK) out += fmt::format(" k={}", f.k);
  return out;
}

double LifetimeValue(const ModelFit& f, double x, double t_x, double T, double litt, double value, double months,
                     double monthly_discount_rate, double periods_per_month) {
  double total = 0.0, previous = 0.0;
  for (int m = 1; m <= static_cast<int>(months); ++m) {
    const double cumulative = ExpectedPurchases(f, m * periods_per_month, x, t_x, T, litt);
    total += value * (cumulative - previous) / std::pow(1.0 + monthly_discount_rate, m);
    previous = cumulative;
  }
  return total;
}

}  // namespace custintel::models::clv
