#include "models/clv/clv_fit.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "models/clv/clv_summary_csv.h"

namespace custintel::models {

clv::ModelFit AsModelFit(const BgNbdFit& b) {
  clv::ModelFit m;
  m.kind = clv::ModelKind::kBgNbd;
  m.params = {b.params.r, b.params.alpha, b.params.a, b.params.b};
  m.log_likelihood = b.log_likelihood;
  m.iterations = b.iterations;
  m.converged = b.converged;
  m.stop_reason = b.stop_reason;
  m.customers = static_cast<double>(b.customers);
  return m;
}

Result<ClvModelFit> FitClvModels(const ClvSummary& summary, const ClvFitOptions& options) {
  CI_RETURN_IF_ERROR(ValidateClvSummary(summary));
  ClvModelFit fit;
  CI_ASSIGN_OR_RETURN(fit.bgnbd, FitBgNbd(summary, options.bgnbd));
  fit.model = AsModelFit(fit.bgnbd);
  if (options.model && *options.model != clv::ModelKind::kBgNbd) {
    clv::FitOptions o;
    o.threads = options.bgnbd.threads;
    CI_ASSIGN_OR_RETURN(fit.model, clv::FitModel(*options.model, clv::FromSummary(summary), o));
  }
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
  const clv::ModelFit& m = fit.model;
  nlohmann::json params = nlohmann::json::object();
  const std::vector<std::string> names = clv::ParamNames(m.kind);
  for (size_t i = 0; i < names.size() && i < m.params.size(); ++i) params[names[i]] = m.params[i];
  out["model"] = {{"name", clv::ModelName(m.kind)}, {"title", clv::ModelTitle(m.kind)}, {"params", params},
                  {"k", m.k}, {"log_likelihood", m.log_likelihood}, {"customers", m.customers},
                  {"iterations", m.iterations}, {"converged", m.converged}};
  if (fit.choice) out["model_choice"] = nlohmann::json::parse(clv::ModelChoiceToJson(*fit.choice));
  if (fit.gamma_gamma) {
    const GammaGammaFit& g = *fit.gamma_gamma;
    out["gamma_gamma"] = {{"p", g.params.p}, {"q", g.params.q}, {"v", g.params.v},
                          {"log_likelihood", g.log_likelihood}, {"customers", g.customers},
                          {"iterations", g.iterations}, {"converged", g.converged}};
  }
  return out.dump();
}

}  // namespace custintel::models
