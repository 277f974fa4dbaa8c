#include "models/churn_model_xgb.h"

#include <xgboost/c_api.h>

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
      {"verbosity", "0"}, {"seed", std::to_string(p.seed)}, {"nthread", std::to_string(p.nthread)},
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
  CI_ASSIGN_OR_RETURN(MatrixHandle train, MakeMatrix(x, &labels, params.nthread));
  MatrixHandle valid;
  if (valid_x && valid_labels) {
    CI_ASSIGN_OR_RETURN(valid, MakeMatrix(*valid_x, valid_labels, params.nthread));
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
  if (best_round + 1 == rounds) return booster;
  BoosterHandle sliced = nullptr;
  CI_RETURN_IF_ERROR(Check(XGBoosterSlice(h, 0, best_round + 1, 1, &sliced), "keep the best rounds"));
  return Booster(sliced);
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

Result<std::string> Booster::Save() const {
  bst_ulong len = 0;
  const char* data = nullptr;
  CI_RETURN_IF_ERROR(Check(XGBoosterSaveModelToBuffer(handle_, "{\"format\": \"ubj\"}", &len, &data), "save model"));
  return std::string(data, len);
}

Result<int> Booster::Rounds() const {
  int rounds = 0;
  CI_RETURN_IF_ERROR(Check(XGBoosterBoostedRounds(handle_, &rounds), "count rounds"));
  return rounds;
}

}  // namespace custintel::models
