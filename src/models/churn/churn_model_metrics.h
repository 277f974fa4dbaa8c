// Scoring metrics and probability calibration for the learned churn model: ROC-AUC, PR-AUC
// (average precision), Brier score, a reliability table, and isotonic regression (pool
// adjacent violators). Pure functions over (score, label) vectors, so each is tested alone.
//
//   double auc = RocAuc(scores, labels);           // NaN when only one class is present
//   IsotonicCalibrator cal = FitIsotonic(raw, labels);
//   double p = cal.Apply(0.37);
//
// Labels are 0 or 1. Thread safety: values and pure functions; share freely.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace custintel::models {

// Area under the ROC curve by ranks (Mann–Whitney U), tied scores sharing their average rank.
// NaN when labels hold one class only. REQUIRES: scores.size() == labels.size().
double RocAuc(const std::vector<double>& scores, const std::vector<int>& labels);

// Average precision as scikit-learn defines it: Σ_n (R_n − R_{n−1}) · P_n over the distinct
// score thresholds, highest first (tied scores enter together). NaN without positives.
double AveragePrecision(const std::vector<double>& scores, const std::vector<int>& labels);

// Mean squared difference between probability and outcome. NaN for no rows.
double BrierScore(const std::vector<double>& probabilities, const std::vector<int>& labels);

struct ReliabilityBin {
  double lower = 0, upper = 0;  // [lower, upper); the last bin includes 1
  int64_t count = 0;
  double mean_predicted = 0;    // NaN when count == 0
  double observed_rate = 0;     // NaN when count == 0
};

// Equal-width bins over [0, 1] (10 by default): how often what was predicted happened.
std::vector<ReliabilityBin> ReliabilityTable(const std::vector<double>& probabilities,
                                             const std::vector<int>& labels, int bins = 10);

// A non-decreasing map from raw model score to probability: the block means of isotonic
// regression, linearly interpolated between block centres (so rank order is kept inside the
// range) and flat beyond the first and last block.
struct IsotonicCalibrator {
  std::vector<double> x;  // block centres (mean raw score), strictly increasing
  std::vector<double> y;  // block means of the labels, non-decreasing

  bool empty() const { return x.empty(); }
  double Apply(double raw) const;
  // "{"x":[...],"y":[...]}" and back; FromJson returns false for malformed text.
  std::string ToJson() const;
  static bool FromJson(const std::string& json, IsotonicCalibrator* out);
};

// Least-squares non-decreasing fit of labels on scores (pool adjacent violators); equal scores
// share one block. An empty input gives an empty calibrator, which Apply treats as identity.
IsotonicCalibrator FitIsotonic(const std::vector<double>& scores, const std::vector<int>& labels);

}  // namespace custintel::models
