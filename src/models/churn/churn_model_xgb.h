// The one door to XGBoost (C API): a gradient-boosted binary classifier over a dense float
// matrix, with early stopping, probability and SHAP-contribution (pred_contribs) predictions,
// and (de)serialisation. Nothing else in custintel includes xgboost/c_api.h.
//
//   DenseMatrix x(rows, cols);  x.at(r, c) = value;      // NaN = missing
//   CI_ASSIGN_OR_RETURN(Booster model, Booster::Train(x, y, params, &valid_x, &valid_y));
//   CI_ASSIGN_OR_RETURN(std::vector<float> p, model.PredictProbability(x));
//
// Determinism: the same data, params and seed give the same model (hist trees).
// Thread safety: a Booster belongs to one thread at a time; XGBoost threads inside (nthread).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace custintel::models {

// Row-major float matrix; NaN marks a missing value.
struct DenseMatrix {
  DenseMatrix() = default;
  DenseMatrix(size_t rows, size_t cols) : rows(rows), cols(cols), values(rows * cols, NAN) {}
  float& at(size_t r, size_t c) { return values[r * cols + c]; }
  float at(size_t r, size_t c) const { return values[r * cols + c]; }
  // The rows listed in `which`, in that order.
  DenseMatrix SelectRows(const std::vector<size_t>& which) const;

  size_t rows = 0;
  size_t cols = 0;
  std::vector<float> values;
};

struct BoosterParams {
  int max_rounds = 400;           // upper bound on trees; early stopping usually ends sooner
  int early_stopping_rounds = 25; // stop when validation log-loss has not improved this long
  int max_depth = 4;              // shallow trees: tabular churn signals are mostly monotone
  double eta = 0.08;              // learning rate
  double subsample = 0.8;         // row sampling per tree (seeded)
  double colsample_bytree = 0.8;  // column sampling per tree (seeded)
  double min_child_weight = 5;    // no leaves fitted to a handful of customers
  double lambda = 1.0;            // L2 on leaf weights
  int seed = 42;
  int nthread = 0;                // predictions: 0 = all cores
  // Training's threads. One by default: a depth-4 tree on a few hundred thousand rows is many
  // small OpenMP regions, and libgomp's threads spin at every barrier; on 2 cores shared with
  // other work (perf of `run` at 200k customers, load 5) two threads spent 68% of their CPU
  // spinning in libgomp, and one thread trains the same trees with a quarter of the CPU and less
  // wall time (bench/churn_bench 200000 0 N, load 8: N=2 71–76 s / 35–37 s CPU, N=1 21–25 s /
  // 7.5–8.6 s CPU, 177 trees either way). Raise it on an otherwise idle many-core machine.
  int train_nthread = 1;
};

class Booster {
 public:
  Booster(Booster&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
  Booster& operator=(Booster&& other) noexcept;
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  ~Booster();

  // Fits binary:logistic on (x, labels ∈ {0,1}). With a validation set, keeps the trees up to
  // the round of least validation log-loss (early stopping); without one, max_rounds trees.
  static Result<Booster> Train(const DenseMatrix& x, const std::vector<float>& labels,
                               const BoosterParams& params, const DenseMatrix* valid_x = nullptr,
                               const std::vector<float>* valid_labels = nullptr);
  // A model saved by Save(); nthread as in BoosterParams.
  static Result<Booster> Load(const std::string& bytes, int nthread = 0);

  // P(label = 1) per row.
  Result<std::vector<float>> PredictProbability(const DenseMatrix& x) const;
  // SHAP values in log-odds, rows × (cols + 1), the last column the bias; each row sums to the
  // margin of PredictProbability. `approximate`: Saabas-style per-path attributions (XGBoost's
  // approx_contribs; PathAttributions below computes the same numbers without XGBoost).
  Result<std::vector<float>> Contributions(const DenseMatrix& x, bool approximate = false) const;
  // The model as UBJSON bytes (XGBoost's portable format); `json`: as JSON text instead.
  Result<std::string> Save(bool json = false) const;
  Result<int> Rounds() const;

 private:
  explicit Booster(void* handle) : handle_(handle) {}
  Result<std::vector<float>> Predict(const DenseMatrix& x, int type, size_t width) const;
  void* handle_ = nullptr;  // BoosterHandle
};

// Per-path (Saabas) attributions of a booster's trees computed in our own code: for each row
// and feature, the sum over trees of how much each split on the feature moved the expected
// value along the row's path (node expectations weighted by cover). The same numbers as
// Contributions(x, true) — XGBoost's approx_contribs, float arithmetic in the same order — but
// the trees are read once and rows run on the caller's threads, without XGBoost's per-call
// matrix and buffers (at 1M customers it was most of the scoring time).
//
//   CI_ASSIGN_OR_RETURN(PathAttributions paths, PathAttributions::Of(booster));
//   std::vector<float> out(x.cols, 0.0f);
//   paths.Attribute(&x.values[r * x.cols], out.data());   // out[c] += attribution of column c
//
// Thread safety: immutable after Of(); Attribute may run on many threads at once.
class PathAttributions {
 public:
  // Refuses models it cannot follow (not gbtree, categorical splits, paths over 64 splits).
  static Result<PathAttributions> Of(const Booster& booster);
  // Adds the row's attribution of every column (the row has the model's columns; NaN = missing)
  // to out[0..cols). The bias (the root expectations and base score) is not included.
  void Attribute(const float* row, float* out) const;
  size_t trees() const { return roots_.size(); }

 private:
  struct Node {
    int32_t left = -1, right = -1;  // -1: a leaf
    uint32_t feature = 0;
    float threshold = 0;            // go left when value < threshold
    float mean = 0;                 // the leaf value, or the cover-weighted mean of the leaves below
    bool default_left = false;      // where a missing value goes
  };
  static constexpr int kMaxPathSplits = 64;
  std::vector<Node> nodes_;     // every tree's nodes, tree after tree
  std::vector<int32_t> roots_;  // index of each tree's root in nodes_
};

}  // namespace custintel::models
