// The learned churn model's internals shared by its three files: training (churn_train.cc),
// snapshots at past cutoffs (churn_snapshot.cc) and scoring (churn_model.cc, which also holds
// the public API of churn_model.h). Not for use outside models/churn/.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/stopwatch.h"
#include "features/scope.h"
#include "models/churn/churn_model.h"
#include "models/churn/churn_model_data.h"
#include "store/database.h"

namespace custintel::models::churn_internal {

inline constexpr char kModelVersion[] = "churn-xgb-1";
inline constexpr size_t kScoreChunkRows = 65536;

struct Dataset {
  FeatureMatrix m;
  std::vector<int> labels;       // -1 unknown
  std::vector<double> heuristic;  // churn_risk_heuristic at the same time
  std::vector<double> recency;    // days since the last order, else tenure; NaN when neither (baselines)
  std::vector<double> dead;       // 1 − clv_p_alive, 1 without one (baselines)
  std::vector<std::string> status;  // ci_status: the customer status at the snapshot's cutoff ("" without)
};

struct TrainedModel {
  Booster booster;
  FeatureSpec spec;
  IsotonicCalibrator calibrator;
  ChurnEvaluation evaluation;
};

// Either a model or the reason there is too little data for one.
struct TrainOutcome {
  std::optional<TrainedModel> model;
  std::string too_little;
};

// "12.34 s (5.67 s CPU)": the lap of `sw` for a phase's log line.
std::string LapText(Stopwatch& sw);

Result<std::vector<double>> PredictCalibrated(const Booster& b, const IsotonicCalibrator& cal, const DenseMatrix& x);

Result<std::string> ShiftDays(store::Connection& conn, const std::string& t, int days);

// The customers a cutoff's snapshot is built for: everyone the features hold at `cutoff`, or,
// above `keep` of them, the `keep` with the smallest hash of their id (the same customers for
// the same data; features are per customer, so a sample's rows equal the full build's).
// Building features for a sample instead of sampling a full build afterwards is most of the
// training time saved at 1M customers.
Result<features::Scope> SampleAtCutoff(store::Connection& conn, const std::string& cutoff, int64_t keep,
                                       const std::string& table);

// Features and the heuristic as of `cutoff` for the customers of `scope`, with the label of the
// following `horizon` days, into the temp table `name`. The features view and the heuristic's
// macro are the ones the run writes gold from (one definition each), evaluated at the cutoff
// straight into the snapshot: gold is not touched (it was rebuilt at the cutoff and put back,
// which cost more than the features themselves at 1M customers). Only the view's columns a model
// can use are kept (no JSON, no timestamps). ci_status (the customer status at the cutoff) is
// computed when `with_status`, else NULL.
Status SnapshotAtCutoff(store::Connection& conn, const std::string& cutoff, int horizon, const std::string& name,
                        const features::Scope& scope, const ChurnConfig& statuses, bool with_status);

Result<std::string> LabelledQuery(store::Connection& conn, const std::string& label);

Result<TrainOutcome> Train(store::Connection& conn, const std::string& as_of, const ChurnModelOptions& o);

// clv_p_alive of the scope's customers (TEMP table ci_churn_alive) from gold.customer_clv, which
// the scoped clv step has rescored with the last full run's parameters: what SnapshotAliveness
// gives them in a full run. NULL (missing) where CLV is not fitted, as there.
Status ReadAlivenessOfScope(store::Connection& conn, const features::Scope& scope);

// clv_p_alive as of as_of for a full scoring (TEMP table ci_churn_alive): gold.customer_clv's
// when the caller says the CLV step wrote it first and gold.clv_model is as of as_of (the same
// data, options and code: the values SnapshotAliveness would compute), else fitted here.
Status AlivenessAtAsOf(store::Connection& conn, const std::string& as_of, const ChurnModelOptions& o);

}  // namespace custintel::models::churn_internal
