// The learned churn model: XGBoost on customer features, calibrated by isotonic regression,
// explained per customer by SHAP contributions. Replaces churn_risk in gold.customer_scores
// (churn_risk_heuristic stays beside it) and keeps its models in meta.churn_models.
//
// Behavioural churn (default): label = no purchase (non-cancelled/refunded/returned order) in
// the horizon H days after a cutoff, among customers acquired by the cutoff; features are
// gold.customer_features rebuilt as of the cutoff plus the BG/NBD P(alive) fitted as of the
// cutoff (clv_p_alive). Time split:
//   train      features at as_of − 2H, labels from (as_of − 2H, as_of − H]
//   validation features at as_of − H,  labels from (as_of − H, as_of]; split by customer hash
//              into a calibration half (early stopping + isotonic fit) and an evaluation half
//              (the reported metrics)
// Above max_train_rows (max_valid_rows) customers, features at a cutoff are built only for that
// many, chosen by hash of the customer id before anything is computed.
//   scoring    features at as_of, with the model trained at as_of − 2H
// Subscription churn (options.label): a known 0/1 label per customer, from a column of
// silver.customers or a key of its attributes; features = gold.customer_features at as_of plus
// the customer's attributes (numeric as numbers, text one-hot); 5-fold cross-validation by
// customer hash for the metrics, then one model on all labelled customers scores everyone.
//
// Reuse: a model is keyed by a hash of the silver inputs (row counts, row hashes, latest
// timestamps), the feature columns, as_of and the options; the same key loads the stored model
// instead of training again.
//
// Incremental runs (features/scope.h): with a customer scope nothing is trained. The scope's
// customers are scored with the stored model the last full run scored with for the same options
// (label, horizon; churn_model_store.h FindChurnModelInUse), their clv_p_alive read from
// gold.customer_clv (which the scoped clv step has just rescored), and only their churn_risk and
// risk_factors are set; every other row stays as it is. The scoring code is the full run's, so a
// customer gets the same score and drivers either way (drivers: exact TreeSHAP while the shop
// has at most exact_drivers_max_rows customers, whatever the scope).
//
// Thread safety: functions use the given connection only; one caller per connection.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "features/scope.h"
#include "models/churn/churn_model_metrics.h"
#include "models/churn/churn_model_xgb.h"
#include "store/database.h"

namespace custintel::models {

struct ChurnModelOptions {
  // Behavioural label window in days after a cutoff.
  int horizon_days = 90;
  // Name of the known churned flag (subscription data); empty = behavioural churn.
  std::string label;
  // Cross-validation folds for labelled data.
  int folds = 5;
  // Fewer customers of either class in training (or a validation half) than this: no model,
  // the heuristic stays churn_risk.
  int min_class_rows = 20;
  // Drivers kept per customer in risk_factors.
  int top_drivers = 3;
  // Training rows above this are sampled down (by customer hash, deterministic): the model
  // gains little beyond a few hundred thousand customers and training time grows linearly.
  int64_t max_train_rows = 200000;
  // Validation rows (halved into calibration and evaluation) above this are sampled down the
  // same way.
  int64_t max_valid_rows = 400000;
  // Exact (TreeSHAP) drivers in shops of up to this many customers; above it approximate
  // (Saabas) attributions, ~30× faster (200k customers: 42.6 s exact, 1.5 s approximate) and
  // naming the same top driver for ~95% of customers (churn_bench).
  int64_t exact_drivers_max_rows = 50000;
  // gold.customer_clv holds P(alive) as of as_of, written in the same transaction (the
  // pipeline runs its CLV step first): behavioural scoring reads clv_p_alive from it when
  // gold.clv_model says it is as of as_of, instead of fitting BG/NBD once more.
  bool clv_scored_first = false;
  // The customer status definition the evaluation reports its by-status figures with (the
  // run's [churn] settings).
  ChurnConfig statuses;
  BoosterParams booster;
};

struct ChurnEvaluation {
  std::string mode;          // "time_split" or "cross_validation"
  std::string label;         // options.label, or "no_order_in_<H>d"
  std::string train_cutoff;  // time split only
  std::string valid_cutoff;  // time split only
  int64_t train_rows = 0;
  int64_t eval_rows = 0;
  double churn_rate = 0;     // share of churners among the evaluated rows
  double roc_auc = 0, pr_auc = 0, brier = 0;
  double heuristic_roc_auc = 0, heuristic_pr_auc = 0, heuristic_brier = 0;
  // Baselines on the same evaluated rows (time split: the held-out half at the validation
  // cutoff), each ranked by its own score:
  //   recency           days since the last order (tenure for customers with none yet); ROC/PR
  //                     on the days, Brier on them mapped to a probability by isotonic
  //                     regression fitted on the calibration half (NaN in cross-validation);
  //   one_minus_p_alive 1 − P(alive) of the customer-base model the run chose (p_alive_model),
  //                     1 for customers it has no P(alive) for;
  //   heuristic         the reference heuristic (as above).
  struct Baseline {
    std::string name;
    double roc_auc = NAN, pr_auc = NAN, brier = NAN;
  };
  std::vector<Baseline> baselines;
  std::string p_alive_model;  // ModelName of the model behind one_minus_p_alive
  // Customer statuses at the validation cutoff (models/customer_status.h, the reference
  // heuristic standing in for churn_risk where the shop has no rhythm) on the evaluated rows,
  // and how many of each bought again in the horizon. Time split only. The statuses are right
  // when returned_rate orders active > at_risk > lapsed; the at-risk group's lapse rate is
  // 1 − its returned_rate.
  struct StatusGroup {
    std::string status;
    int64_t customers = 0;
    double share = NAN;          // of the evaluated rows
    double returned_rate = NAN;  // bought again within the horizon
  };
  std::vector<StatusGroup> statuses;
  int rounds = 0;            // trees kept (the final model's)
  std::vector<ReliabilityBin> reliability;
  std::vector<std::string> features;  // matrix column names

  // {"roc_auc", "pr_auc", "brier", "heuristic": {...}, "baselines": {"recency": {...},
  //  "one_minus_p_alive": {..., "model"}, "heuristic": {...}}, "statuses": {"active": {"customers",
  //  "share", "returned_rate"}, ...}, "at_risk_lapse_rate", "reliability": [...], ...}; NaN → null.
  std::string ToJson() const;
};

struct ChurnScoreReport {
  bool learned = false;  // false: too little data (or, scoped, no stored model); churn_risk stays the heuristic
  bool reused = false;   // a stored model was used (this data's, or, scoped, the last full run's)
  int64_t model_id = 0;
  int64_t scored = 0;
  std::string message;   // one line for the log: what happened and why
  ChurnEvaluation evaluation;
};

// Trains (or reuses) and scores: sets churn_risk and risk_factors of gold.customer_scores.
// REQUIRES: gold.customer_features and gold.customer_scores hold the rows as of `as_of`
// (canonical form); they are rebuilt for the cutoffs and restored, so run it inside the
// pipeline's transaction. Too little data is not an error: report.learned == false.
// With a customer scope (see above): scores the scope's rows with the last full run's model and
// never trains; no stored model is not an error either (learned == false, the heuristic stays).
// A scoped call also REQUIRES gold.customer_clv for behavioural churn (the clv step ran first).
Result<ChurnScoreReport> ScoreLearnedChurn(store::Connection& conn, const std::string& as_of,
                                           const ChurnModelOptions& options = {},
                                           const features::Scope& scope = features::Scope::All());

// The pipeline step: ScoreLearnedChurn with default options and clv_scored_first (the pipeline
// runs the CLV step before it); its one-line outcome goes to
// *note and the log (a warning when too little data left the heuristic in place).
Status RunChurnModelStep(store::Connection& conn, const std::string& as_of, std::string* note,
                         const features::Scope& scope = features::Scope::All(), const ChurnConfig& churn = {});

// Trains afresh and reports held-out metrics, changing nothing (all work in a transaction that
// is rolled back). `as_of` canonical. FailedPrecondition-like InvalidArgument when there is too
// little data or the label is unknown.
Result<ChurnEvaluation> EvaluateChurn(store::Connection& conn, const std::string& as_of,
                                      const ChurnModelOptions& options = {});

}  // namespace custintel::models
