// Calibration / holdout check of the lifetime-value purchase model (`custintel evaluate clv`),
// as in Fader, Hardie & Lee (2005) §4: fit BG/NBD on the transactions up to a cutoff, predict
// each customer's purchases in the holdout (cutoff, end], and compare with what they did.
// Actual holdout purchases count distinct purchase days, the summary's own convention.
// Every customer-base model (models/clv/) is judged on the same split beside it: its holdout
// MAE, total forecast and held-out log-likelihood, over the customers with T > 0 at the cutoff,
// and the one model choice would pick.
//
// Thread safety: uses the caller's connection.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "models/clv/clv_bgnbd.h"
#include "models/clv/model_choice.h"
#include "store/database.h"

namespace custintel::models {

struct ClvEvaluationOptions {
  double holdout_days = 182;     // the holdout is the last this many days before `end`
  bool include_cancelled = false;
};

struct ClvCalibrationRow {
  int frequency = 0;             // repeat purchases in calibration; the last row is "≥ this"
  size_t customers = 0;
  double predicted_mean = 0, actual_mean = 0;
};

struct ClvEvaluation {
  std::string cutoff, end;
  double holdout_weeks = 0;
  BgNbdFit fit;
  size_t customers = 0;
  double predicted_total = 0, actual_total = 0;
  double mae = 0, rmse = 0, correlation = 0;
  std::vector<ClvCalibrationRow> by_frequency;  // 0..6 and ≥ 7
  std::optional<clv::ModelChoice> models;       // every model on the same split (absent: see models_error)
  std::string models_error;
};

// `end`: canonical timestamp (the data's latest by default at the CLI).
Result<ClvEvaluation> EvaluateClv(store::Connection& conn, const std::string& end, const ClvEvaluationOptions& options = {});
std::string ClvEvaluationToJson(const ClvEvaluation& e);

}  // namespace custintel::models
