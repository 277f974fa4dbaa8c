// One call that fits every lifetime-value model a summary supports: BG/NBD always, Gamma-Gamma
// when the summary carries monetary values and has repeat buyers. This is what
// `custintel clv --summary FILE` runs; ClvModelFitToJson gives its --json shape:
//   {"bgnbd": {"r", "alpha", "a", "b", "log_likelihood", ...},
//    "gamma_gamma": {"p", "q", "v", "log_likelihood", ...}}   (gamma_gamma only when fitted)
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "models/clv/clv_bgnbd.h"
#include "models/clv/clv_gamma_gamma.h"
#include "models/clv/clv_summary.h"

namespace custintel::models {

struct ClvFitOptions {
  BgNbdOptions bgnbd;
  GammaGammaOptions gamma_gamma;
};

struct ClvModelFit {
  BgNbdFit bgnbd;
  std::optional<GammaGammaFit> gamma_gamma;  // absent without monetary values or repeat buyers
};

Result<ClvModelFit> FitClvModels(const ClvSummary& summary, const ClvFitOptions& options = {});

// Reads `path` (clv_summary_csv.h) and fits; errors name the file.
Result<ClvModelFit> FitClvModelsFromCsv(const std::string& path, const ClvFitOptions& options = {});

// The fit as a JSON object (see above), with customers, iterations and converged as well.
std::string ClvModelFitToJson(const ClvModelFit& fit);

}  // namespace custintel::models
