#include "models/clv/clv_fit.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "models/clv/clv_summary_csv.h"

namespace custintel::models {

Result<ClvModelFit> FitClvModels(const ClvSummary& summary, const ClvFitOptions& options) {
  CI_RETURN_IF_ERROR(ValidateClvSummary(summary));
  ClvModelFit fit;
  CI_ASSIGN_OR_RETURN(fit.bgnbd, FitBgNbd(summary, options.bgnbd));
  const bool any_repeat = std::any_of(summary.frequency.begin(), summary.frequency.end(),
                                      [](double x) { return x > 0; });
  if (summary.has_monetary_value() && any_repeat) {
    CI_ASSIGN_OR_RETURN(fit.gamma_gamma, FitGammaGamma(summary, options.gamma_gamma));
  }
  return fit;
}

Result<ClvModelFit> FitClvModelsFromCsv(const std::string& path, const ClvFitOptions& options) {
  CI_ASSIGN_OR_RETURN(ClvSummary summary, ReadClvSummaryCsv(path));
  Result<ClvModelFit> fit = FitClvModels(summary, options);
  if (!fit.ok()) return fit.status().WithContext(path);
  return fit;
}

std::string ClvModelFitToJson(const ClvModelFit& fit) {
  const BgNbdFit& b = fit.bgnbd;
  nlohmann::json out;
  out["bgnbd"] = {{"r", b.params.r}, {"alpha", b.params.alpha}, {"a", b.params.a},
                  {"b", b.params.b}, {"log_likelihood", b.log_likelihood},
                  {"customers", b.customers}, {"iterations", b.iterations},
                  {"converged", b.converged}};
  if (fit.gamma_gamma) {
    const GammaGammaFit& g = *fit.gamma_gamma;
    out["gamma_gamma"] = {{"p", g.params.p}, {"q", g.params.q}, {"v", g.params.v},
                          {"log_likelihood", g.log_likelihood}, {"customers", g.customers},
                          {"iterations", g.iterations}, {"converged", g.converged}};
  }
  return out.dump();
}

}  // namespace custintel::models
