#include "models/clv/model_choice.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace custintel::models::clv {

Result<ModelChoice> ChooseModel(const ClvSummary& cal, const ClvSummary& full, const ModelChoiceOptions& options) {
  if (cal.size() != full.size()) {
    return Status::InvalidArgument(fmt::format("model choice: {} calibration rows but {} full-period rows",
                                               cal.size(), full.size()));
  }
  if (cal.size() == 0) return Status::InvalidArgument("model choice: no customers");
  if (options.candidates.empty()) return Status::InvalidArgument("model choice: no candidate models");
  ModelChoice out;
  out.customers = cal.size();
  out.holdout_length = full.T[0] - cal.T[0];
  for (size_t i = 0; i < cal.size(); ++i) {
    const double gap = full.T[i] - cal.T[i];
    if (std::abs(gap - out.holdout_length) > 1e-6 || full.frequency[i] < cal.frequency[i] ||
        (!cal.customer_id.empty() && !full.customer_id.empty() && cal.customer_id[i] != full.customer_id[i])) {
      return Status::InvalidArgument(fmt::format("model choice: row {} of the calibration and full summaries is "
                                                 "not the same customer observed longer", i + 1));
    }
  }
  if (!(out.holdout_length > 0)) return Status::InvalidArgument("model choice: the holdout is empty");
  const Histories cal_h = FromSummary(cal);
  for (ModelKind kind : options.candidates) {
    CandidateScore c;
    c.kind = kind;
    Result<ModelFit> fit = FitModel(kind, cal_h, options.fit);
    if (!fit.ok()) {
      c.error = fit.status().message();
      out.candidates.push_back(std::move(c));
      continue;
    }
    c.fit = *fit;
    c.fitted = true;
    for (size_t i = 0; i < cal.size(); ++i) {
      const double litt_cal = cal.has_litt() ? cal.litt[i] : 0.0, litt_full = full.has_litt() ? full.litt[i] : 0.0;
      c.holdout_log_likelihood += LogLikelihood(c.fit, full.frequency[i], full.recency[i], full.T[i], litt_full) -
                                  LogLikelihood(c.fit, cal.frequency[i], cal.recency[i], cal.T[i], litt_cal);
      const double predicted =
          ExpectedPurchases(c.fit, out.holdout_length, cal.frequency[i], cal.recency[i], cal.T[i], litt_cal);
      const double actual = full.frequency[i] - cal.frequency[i];
      c.predicted_total += predicted;
      c.actual_total += actual;
      c.holdout_mae += std::abs(predicted - actual);
    }
    c.holdout_mae /= static_cast<double>(cal.size());
    if (!std::isfinite(c.holdout_log_likelihood) || !std::isfinite(c.predicted_total)) {
      c.fitted = false;
      c.error = "its predictions are not finite with the fitted parameters (" + ParamsText(c.fit) + ")";
    }
    out.candidates.push_back(std::move(c));
  }
  const CandidateScore* best = nullptr;
  for (const CandidateScore& c : out.candidates) {
    if (c.fitted && (best == nullptr || c.holdout_log_likelihood > best->holdout_log_likelihood)) best = &c;
  }
  // The runner-up is the best *different* model: CNBD-k with k = 1 is (M)BG/NBD itself.
  auto effective = [](const CandidateScore& c) {
    if (c.fit.k == 1 && c.kind == ModelKind::kBgCnbdK) return ModelKind::kBgNbd;
    if (c.fit.k == 1 && c.kind == ModelKind::kMbgCnbdK) return ModelKind::kMbgNbd;
    return c.kind;
  };
  const CandidateScore* second = nullptr;
  for (const CandidateScore& c : out.candidates) {
    if (!c.fitted || best == nullptr || effective(c) == effective(*best)) continue;
    if (second == nullptr || c.holdout_log_likelihood > second->holdout_log_likelihood) second = &c;
  }
  if (best == nullptr) {
    std::string errors;
    for (const CandidateScore& c : out.candidates) errors += (errors.empty() ? "" : "; ") + ModelTitle(c.kind) + ": " + c.error;
    return Status::InvalidArgument("model choice: no candidate could be fitted (" + errors + ")");
  }
  out.chosen = best->kind;
  out.why = fmt::format("{}{} has the highest held-out log-likelihood ({:.1f}", ModelTitle(best->kind),
                        best->fit.k > 1 ? fmt::format(" (k={})", best->fit.k) : "", best->holdout_log_likelihood);
  if (second != nullptr) {
    out.why += fmt::format(", {:.1f} above {}", best->holdout_log_likelihood - second->holdout_log_likelihood,
                           ModelTitle(effective(*second)));
  }
  out.why += fmt::format(") on {} customers over a {:.4g}-period holdout; holdout MAE {:.4f}, {:.0f} purchases "
                         "forecast vs {:.0f} actual", out.customers, out.holdout_length, best->holdout_mae,
                         best->predicted_total, best->actual_total);
  return out;
}

std::string ModelChoiceToJson(const ModelChoice& choice) {
  nlohmann::json candidates = nlohmann::json::array();
  for (const CandidateScore& c : choice.candidates) {
    nlohmann::json j = {{"model", ModelName(c.kind)}, {"title", ModelTitle(c.kind)}, {"fitted", c.fitted}};
    if (c.fitted) {
      nlohmann::json params = nlohmann::json::object();
      const std::vector<std::string> names = ParamNames(c.kind);
      for (size_t i = 0; i < names.size(); ++i) params[names[i]] = c.fit.params[i];
      j["params"] = params;
      j["k"] = c.fit.k;
      j["log_likelihood"] = c.fit.log_likelihood;
      j["converged"] = c.fit.converged;
      j["holdout_log_likelihood"] = c.holdout_log_likelihood;
      j["holdout_mae"] = c.holdout_mae;
      j["predicted"] = c.predicted_total;
      j["actual"] = c.actual_total;
    } else {
      j["error"] = c.error;
    }
    candidates.push_back(j);
  }
  return nlohmann::json{{"chosen", ModelName(choice.chosen)}, {"why", choice.why}, {"customers", choice.customers},
                        {"holdout_length", choice.holdout_length}, {"candidates", candidates}}
      .dump();
}

}  // namespace custintel::models::clv
