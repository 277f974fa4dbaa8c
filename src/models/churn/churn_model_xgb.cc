#include "models/churn/churn_model_xgb.h"

#include <xgboost/c_api.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <memory>

namespace custintel::models {
namespace {

// Turns a failed XGBoost call into a Status carrying XGBoost's own message.
Status Check(int rc, const char* what) {
  if (rc == 0) return Status::Ok();
  return Status::Internal(std::string("xgboost ") + what + ": " + XGBGetLastError());
}

struct MatrixDeleter {
  void operator()(void* h) const { XGDMatrixFree(h); }
};
using MatrixHandle = std::unique_ptr<void, MatrixDeleter>;

Result<MatrixHandle> MakeMatrix(const DenseMatrix& x, const std::vector<float>* labels, int nthread) {
  if (x.rows == 0 || x.cols == 0) return Status::InvalidArgument("xgboost: empty feature matrix");
  DMatrixHandle h = nullptr;
  CI_RETURN_IF_ERROR(Check(XGDMatrixCreateFromMat_omp(x.values.data(), x.rows, x.cols, NAN, &h, nthread),
                           "create matrix"));
  MatrixHandle m(h);
  if (labels) {
    CI_RETURN_IF_ERROR(Check(XGDMatrixSetFloatInfo(h, "label", labels->data(), labels->size()), "set labels"));
  }
  return m;
}

Status SetParams(BoosterHandle h, const BoosterParams& p) {
  const std::pair<const char*, std::string> params[] = {
      {"objective", "binary:logistic"}, {"eval_metric", "logloss"}, {"tree_method", "hist"},
      {"verbosity", "0"}, {"seed", std::to_string(p.seed)}, {"nthread", std::to_string(p.train_nthread)},
      {"max_depth", std::to_string(p.max_depth)}, {"eta", std::to_string(p.eta)},
      {"subsample", std::to_string(p.subsample)}, {"colsample_bytree", std::to_string(p.colsample_bytree)},
      {"min_child_weight", std::to_string(p.min_child_weight)}, {"lambda", std::to_string(p.lambda)}};
  for (const auto& [name, value] : params) {
    CI_RETURN_IF_ERROR(Check(XGBoosterSetParam(h, name, value.c_str()), name));
  }
  return Status::Ok();
}

// "[3]\tvalid-logloss:0.412" → 0.412
Result<double> ParseEvalLoss(const char* text) {
  std::string s(text);
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return Status::Internal("xgboost eval: unexpected output '" + s + "'");
  return std::strtod(s.c_str() + colon + 1, nullptr);
}

}  // namespace

DenseMatrix DenseMatrix::SelectRows(const std::vector<size_t>& which) const {
  DenseMatrix out(which.size(), cols);
  for (size_t i = 0; i < which.size(); ++i) {
    std::copy_n(values.begin() + which[i] * cols, cols, out.values.begin() + i * cols);
  }
  return out;
}

Booster& Booster::operator=(Booster&& other) noexcept {
  if (this != &other) {
    if (handle_) XGBoosterFree(handle_);
    handle_ = other.handle_;
    other.handle_ = nullptr;
  }
  return *this;
}

Booster::~Booster() {
  if (handle_) XGBoosterFree(handle_);
}

Result<Booster> Booster::Train(const DenseMatrix& x, const std::vector<float>& labels, const BoosterParams& params,
                               const DenseMatrix* valid_x, const std::vector<float>* valid_labels) {
  if (labels.size() != x.rows) return Status::InvalidArgument("xgboost: one label per row is required");
  CI_ASSIGN_OR_RETURN(MatrixHandle train, MakeMatrix(x, &labels, params.train_nthread));
  MatrixHandle valid;
  if (valid_x && valid_labels) {
    CI_ASSIGN_OR_RETURN(valid, MakeMatrix(*valid_x, valid_labels, params.train_nthread));
  }
  DMatrixHandle cache[] = {train.get(), valid.get()};
  BoosterHandle h = nullptr;
  CI_RETURN_IF_ERROR(Check(XGBoosterCreate(cache, valid ? 2 : 1, &h), "create booster"));
  Booster booster(h);
  CI_RETURN_IF_ERROR(SetParams(h, params));
  int best_round = params.max_rounds - 1;
  double best_loss = INFINITY;
  for (int round = 0; round < params.max_rounds; ++round) {
    CI_RETURN_IF_ERROR(Check(XGBoosterUpdateOneIter(h, round, train.get()), "train round"));
    if (!valid) continue;
    DMatrixHandle eval[] = {valid.get()};
    const char* names[] = {"valid"};
    const char* out = nullptr;
    CI_RETURN_IF_ERROR(Check(XGBoosterEvalOneIter(h, round, eval, names, 1, &out), "evaluate round"));
    CI_ASSIGN_OR_RETURN(double loss, ParseEvalLoss(out));
    if (loss < best_loss - 1e-7) {
      best_loss = loss;
      best_round = round;
    } else if (round - best_round >= params.early_stopping_rounds) {
      break;
    }
  }
  CI_ASSIGN_OR_RETURN(int rounds, booster.Rounds());
  const std::string predict_threads = std::to_string(params.nthread);
  if (best_round + 1 == rounds) {
    CI_RETURN_IF_ERROR(Check(XGBoosterSetParam(h, "nthread", predict_threads.c_str()), "nthread"));
    return booster;
  }
  BoosterHandle sliced = nullptr;
  CI_RETURN_IF_ERROR(Check(XGBoosterSlice(h, 0, best_round + 1, 1, &sliced), "keep the best rounds"));
  Booster kept(sliced);
  CI_RETURN_IF_ERROR(Check(XGBoosterSetParam(sliced, "nthread", predict_threads.c_str()), "nthread"));
  return kept;
}

Result<Booster> Booster::Load(const std::string& bytes, int nthread) {
  BoosterHandle h = nullptr;
  CI_RETURN_IF_ERROR(Check(XGBoosterCreate(nullptr, 0, &h), "create booster"));
  Booster booster(h);
  CI_RETURN_IF_ERROR(Check(XGBoosterLoadModelFromBuffer(h, bytes.data(), bytes.size()), "load model"));
  CI_RETURN_IF_ERROR(Check(XGBoosterSetParam(h, "nthread", std::to_string(nthread).c_str()), "nthread"));
  CI_RETURN_IF_ERROR(Check(XGBoosterSetParam(h, "verbosity", "0"), "verbosity"));
  return booster;
}

Result<std::vector<float>> Booster::Predict(const DenseMatrix& x, int type, size_t width) const {
  CI_ASSIGN_OR_RETURN(MatrixHandle m, MakeMatrix(x, nullptr, 0));
  std::string config = "{\"type\": " + std::to_string(type) +
                       ", \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
                       "\"strict_shape\": false}";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  CI_RETURN_IF_ERROR(Check(XGBoosterPredictFromDMatrix(handle_, m.get(), config.c_str(), &shape, &dim, &out),
                           "predict"));
  size_t n = 1;
  for (bst_ulong d = 0; d < dim; ++d) n *= shape[d];
  if (n != x.rows * width) return Status::Internal("xgboost predict: unexpected output size");
  return std::vector<float>(out, out + n);
}

Result<std::vector<float>> Booster::PredictProbability(const DenseMatrix& x) const { return Predict(x, 0, 1); }

Result<std::vector<float>> Booster::Contributions(const DenseMatrix& x, bool approximate) const {
  // Prediction types of XGBoosterPredictFromDMatrix: 2 = contributions, 3 = approximated ones.
  return Predict(x, approximate ? 3 : 2, x.cols + 1);
}

Result<std::string> Booster::Save(bool json) const {
  bst_ulong len = 0;
  const char* data = nullptr;
  CI_RETURN_IF_ERROR(Check(XGBoosterSaveModelToBuffer(handle_, json ? "{\"format\": \"json\"}" : "{\"format\": \"ubj\"}",
                                                      &len, &data),
                           "save model"));
  return std::string(data, len);
}

namespace {

// XGBoost's FillNodeMeanValue: a leaf's value, else the children's means weighted by their
// cover (sum of hessians), in float as XGBoost computes them.
float FillMeans(std::vector<float>& mean, const std::vector<int32_t>& left, const std::vector<int32_t>& right,
                const std::vector<float>& cover, const std::vector<float>& leaf, int32_t n) {
  if (left[n] < 0) return mean[n] = leaf[n];
  float result = FillMeans(mean, left, right, cover, leaf, left[n]) * cover[left[n]];
  result += FillMeans(mean, left, right, cover, leaf, right[n]) * cover[right[n]];
  result /= cover[n];
  return mean[n] = result;
}

// Splits on the longest root-to-leaf path.
int Depth(const std::vector<int32_t>& left, const std::vector<int32_t>& right, int32_t n) {
  if (left[n] < 0) return 0;
  return 1 + std::max(Depth(left, right, left[n]), Depth(left, right, right[n]));
}

template <class T>
Result<std::vector<T>> Numbers(const nlohmann::json& tree, const char* key, size_t n) {
  auto it = tree.find(key);
  if (it == tree.end() || !it->is_array() || it->size() != n) {
    return Status::Internal(std::string("xgboost model: tree without a complete '") + key + "' array");
  }
  std::vector<T> out;
  out.reserve(n);
  for (const auto& v : *it) out.push_back(v.is_boolean() ? static_cast<T>(v.get<bool>()) : v.get<T>());
  return out;
}

}  // namespace

Result<PathAttributions> PathAttributions::Of(const Booster& booster) {
  CI_ASSIGN_OR_RETURN(std::string text, booster.Save(true));
  nlohmann::json model = nlohmann::json::parse(text, nullptr, false);
  if (model.is_discarded()) return Status::Internal("xgboost model: its JSON form does not parse");
  const nlohmann::json* gb = &model["learner"]["gradient_booster"];
  if (gb->value("name", "") != "gbtree") {
    return Status::Unimplemented("path attributions need a gbtree model, not '" + gb->value("name", "") + "'");
  }
  const nlohmann::json& trees = (*gb)["model"]["trees"];
  PathAttributions out;
  for (const nlohmann::json& tree : trees) {
    const size_t n = tree["left_children"].size();
    CI_ASSIGN_OR_RETURN(auto left, Numbers<int32_t>(tree, "left_children", n));
    CI_ASSIGN_OR_RETURN(auto right, Numbers<int32_t>(tree, "right_children", n));
    CI_ASSIGN_OR_RETURN(auto feature, Numbers<uint32_t>(tree, "split_indices", n));
    CI_ASSIGN_OR_RETURN(auto cond, Numbers<float>(tree, "split_conditions", n));  // leaves: their value
    CI_ASSIGN_OR_RETURN(auto cover, Numbers<float>(tree, "sum_hessian", n));
    CI_ASSIGN_OR_RETURN(auto default_left, Numbers<int>(tree, "default_left", n));
    if (auto types = tree.find("split_type"); types != tree.end()) {
      for (const auto& t : *types) {
        if (t.get<int>() != 0) return Status::Unimplemented("path attributions: categorical splits are not supported");
      }
    }
    if (n == 0) return Status::Internal("xgboost model: an empty tree");
    if (Depth(left, right, 0) > kMaxPathSplits) {
      return Status::Unimplemented(fmt::format("path attributions: trees deeper than {} splits", kMaxPathSplits));
    }
    std::vector<float> mean(n, 0.0f);
    FillMeans(mean, left, right, cover, cond, 0);
    const int32_t base = static_cast<int32_t>(out.nodes_.size());
    out.roots_.push_back(base);
    for (size_t i = 0; i < n; ++i) {
      Node node;
      node.left = left[i] < 0 ? -1 : base + left[i];
      node.right = right[i] < 0 ? -1 : base + right[i];
      node.feature = feature[i];
      node.threshold = cond[i];
      node.mean = mean[i];
      node.default_left = default_left[i] != 0;
      out.nodes_.push_back(node);
    }
  }
  return out;
}

void PathAttributions::Attribute(const float* row, float* out) const {
  // Per tree as XGBoost's CalculateContributionsApprox: the moves along the path are summed per
  // feature within the tree first, then added to the row's totals.
  std::pair<uint32_t, float> moved[kMaxPathSplits];
  for (int32_t root : roots_) {
    const Node* node = &nodes_[root];
    float value = node->mean;
    size_t n = 0;
    while (node->left >= 0) {
      const float v = row[node->feature];
      const int32_t next = std::isnan(v) ? (node->default_left ? node->left : node->right)
                                         : (v < node->threshold ? node->left : node->right);
      const Node* child = &nodes_[next];
      const float delta = child->mean - value;
      size_t k = 0;
      while (k < n && moved[k].first != node->feature) ++k;
      if (k == n) moved[n++] = {node->feature, 0.0f};  // n < kMaxPathSplits: Of() checked the depth
      moved[k].second += delta;
      value = child->mean;
      node = child;
    }
    for (size_t k = 0; k < n; ++k) out[moved[k].first] += moved[k].second;
  }
}

Result<int> Booster::Rounds() const {
  int rounds = 0;
  CI_RETURN_IF_ERROR(Check(XGBoosterBoostedRounds(handle_, &rounds), "count rounds"));
  return rounds;
}

}  // namespace custintel::models
