// Model choice by held-out fit: each candidate customer-base model is fitted on a calibration
// period and judged on what the same customers did after it (a time split inside the data).
//
// The criterion is the held-out predictive log-likelihood Σ_i [log L(full_i) − log L(cal_i)]
// with the calibration parameters: every model's likelihood is the density of a customer's
// purchase times, so the difference is the log-probability the model gave to the holdout's
// purchases (how many, and when) given the customer's calibration history — a proper scoring
// rule, so the true model wins in expectation. Beside it each candidate reports the holdout's
// per-customer MAE and total forecast against the actual, the figures a reader checks.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "models/clv/clv_summary.h"
#include "models/clv/customer_base.h"

namespace custintel::models::clv {

struct CandidateScore {
  ModelKind kind = ModelKind::kBgNbd;
  bool fitted = false;
  std::string error;               // why not, when not fitted
  ModelFit fit;                    // on the calibration period
  double holdout_log_likelihood = 0.0;
  double holdout_mae = 0.0;        // mean |predicted − actual| holdout purchases per customer
  double predicted_total = 0.0, actual_total = 0.0;
};

struct ModelChoice {
  ModelKind chosen = ModelKind::kBgNbd;
  std::string why;                 // one line: the criterion, the winner and the runner-up
  std::vector<CandidateScore> candidates;
  size_t customers = 0;
  double holdout_length = 0.0;     // summary units (BG/BB: opportunities)
};

struct ModelChoiceOptions {
  std::vector<ModelKind> candidates{std::begin(kContinuousModels), std::end(kContinuousModels)};
  FitOptions fit;
};

// `calibration` and `full` hold the same customers row by row: the same first purchases,
// observed to the calibration end and to the full end (full.T − calibration.T is the holdout,
// the same for every row). Fails when no candidate could be fitted, or the rows do not line up.
Result<ModelChoice> ChooseModel(const ClvSummary& calibration, const ClvSummary& full,
                                const ModelChoiceOptions& options = {});

// {"chosen", "why", "customers", "holdout_length", "candidates": [{"model", "title", "fitted",
// "params", "k", "log_likelihood", "holdout_log_likelihood", "holdout_mae", "predicted", "actual",
// "error"}]}.
std::string ModelChoiceToJson(const ModelChoice& choice);

}  // namespace custintel::models::clv
