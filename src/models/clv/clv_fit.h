// One call that fits every lifetime-value model a summary supports: BG/NBD always, Gamma-Gamma
// when the summary carries monetary values and has repeat buyers, and the customer-base model
// the predictions use (models/clv/customer_base.h): BG/NBD unless options.model names another.
// This is what `custintel clv --summary FILE [--model NAME]` runs; ClvModelFitToJson gives its
// --json shape:
//   {"bgnbd": {"r", "alpha", "a", "b", "log_likelihood", ...},
//    "gamma_gamma": {"p", "q", "v", "log_likelihood", ...},     (only when fitted)
//    "model": {"name", "title", "params": {...}, "k", "log_likelihood", ...},
//    "model_choice": {...}}                                     (only when chosen by held-out fit)
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "models/clv/clv_bgnbd.h"
#include "models/clv/clv_gamma_gamma.h"
#include "models/clv/clv_summary.h"
#include "models/clv/customer_base.h"
#include "models/clv/model_choice.h"

namespace custintel::models {

struct ClvFitOptions {
  BgNbdOptions bgnbd;
  GammaGammaOptions gamma_gamma;
  // The customer-base model for predictions; unset: BG/NBD here, chosen by held-out fit in the
  // pipeline (clv_score.h).
  std::optional<clv::ModelKind> model;
};

struct ClvModelFit {
  BgNbdFit bgnbd;
  std::optional<GammaGammaFit> gamma_gamma;  // absent without monetary values or repeat buyers
  clv::ModelFit model;                       // what P(alive), expected purchases and CLV use
  std::optional<clv::ModelChoice> choice;    // how `model` was chosen, when by held-out fit
};

// BG/NBD's fit as a clv::ModelFit.
clv::ModelFit AsModelFit(const BgNbdFit& fit);

Result<ClvModelFit> FitClvModels(const ClvSummary& summary, const ClvFitOptions& options = {});

// Reads `path` (clv_summary_csv.h) and fits; errors name the file.
Result<ClvModelFit> FitClvModelsFromCsv(const std::string& path, const ClvFitOptions& options = {});

// The fit as a JSON object (see above), with customers, iterations and converged as well.
std::string ClvModelFitToJson(const ClvModelFit& fit);

}  // namespace custintel::models
