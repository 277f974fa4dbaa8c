// Where learned churn models live: meta.churn_models (created on first use), one row per
// trained model with what it needs to be reused and audited — the data hash it was trained
// for, its features, cutoffs, calibration, metrics and the XGBoost model (UBJSON, base64) —
// and whether the last full run scored with it (in_use: TRUE for that one, FALSE for the other
// models of the same options, NULL for models stored before the column existed).
//
// Thread safety: functions use the given connection only.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "store/database.h"

namespace custintel::models {

struct StoredChurnModel {
  int64_t model_id = 0;
  std::string data_hash;
  std::string mode;          // "time_split" | "cross_validation"
  std::string label;         // the label column, "" for behavioural churn
  std::string as_of, train_cutoff, valid_cutoff;  // cutoffs "" in cross-validation mode
  int horizon_days = 0;
  std::string features_json;     // FeatureSpec::ToJson
  std::string calibration_json;  // IsotonicCalibrator::ToJson
  std::string metrics_json;      // ChurnEvaluation::ToJson
  std::string model;             // raw XGBoost bytes (stored base64)
};

// sha256 over the silver inputs' fingerprint (per table: rows, xor of row hashes, latest
// timestamp), the columns of gold.customer_features and `key_extra` (as_of, options).
Result<std::string> ChurnDataHash(store::Connection& conn, const std::string& key_extra);

// The newest stored model for `data_hash`, if any.
Result<std::optional<StoredChurnModel>> FindChurnModel(store::Connection& conn, const std::string& data_hash);

// The model the last full run scored with for these options (label "" = behavioural churn,
// horizon), for an incremental run that scores without training: the one marked in use by
// MarkChurnModelInUse, else — rows stored before models were marked — the newest with these
// options. None when the last full run had none (too little data) or nothing is stored.
Result<std::optional<StoredChurnModel>> FindChurnModelInUse(store::Connection& conn, const std::string& label,
                                                            int horizon_days);

// Records that a full run scored with `model_id` for these options (0: with none, the heuristic
// stayed), so that an incremental run scores with the same one.
Status MarkChurnModelInUse(store::Connection& conn, int64_t model_id, const std::string& label, int horizon_days);

// Stores `model` (its model_id is assigned) and keeps only the newest kKeptChurnModels rows.
Result<int64_t> SaveChurnModel(store::Connection& conn, const StoredChurnModel& model);
inline constexpr int kKeptChurnModels = 5;

std::string Base64Encode(const std::string& bytes);
// Empty optional for text that is not base64.
std::optional<std::string> Base64Decode(const std::string& text);

}  // namespace custintel::models
