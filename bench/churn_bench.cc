// Learned churn at scale: synthesises a customer feature matrix (default 1,000,000 customers,
// 16 numeric features + a 4-level categorical, one-hot; churn drawn from a known logistic
// model with interactions), then times each step of the learned churn model — training with
// early stopping on a validation set, isotonic calibration, scoring, SHAP contributions and
// the per-customer top-3 drivers JSON — and prints peak RSS.
// Usage: churn_bench [customers] [threads] [train_threads]   (threads 0 = all cores; training's
// threads default to BoosterParams::train_nthread, 1)
//
// The database side (reading features, writing scores) is measured by the pipeline itself
// (`custintel run` step churn_model); this isolates the model.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <optional>
#include <random>

#include <nlohmann/json.hpp>

#include "bench_util.h"
#include "models/churn/churn_model_data.h"
#include "models/churn/churn_model_metrics.h"
#include "models/churn/churn_model_xgb.h"

namespace {

using namespace custintel::models;

constexpr size_t kNumeric = 16;
constexpr size_t kLevels = 4;

using custintel::bench::PeakRssMiB;
using custintel::bench::Seconds;

FeatureSpec Spec() {
  FeatureSpec spec;
  for (size_t c = 0; c < kNumeric; ++c) spec.numeric.push_back("f" + std::to_string(c));
  spec.categorical.push_back({"plan", {"basic", "plus", "pro", "team"}});
  return spec;
}

// Rows shaped like customer features: recency-like skewed counts, money, a few missing.
void Synthesise(size_t n, uint64_t seed, FeatureMatrix* m, std::vector<int>* labels) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> z;
  std::exponential_distribution<float> ex(1.0f / 60.0f);
  std::uniform_int_distribution<int> level(0, kLevels - 1);
  std::uniform_real_distribution<double> u;
  m->x = DenseMatrix(n, kNumeric + kLevels);
  m->ids.resize(n);
  m->category_values.assign(1, std::vector<std::string>(n));
  labels->resize(n);
  const char* names[] = {"basic", "plus", "pro", "team"};
  for (size_t r = 0; r < n; ++r) {
    float recency = ex(rng), frequency = std::floor(std::fabs(z(rng)) * 4), tickets = std::floor(std::fabs(z(rng)));
    m->x.at(r, 0) = recency;
    m->x.at(r, 1) = frequency;
    m->x.at(r, 2) = tickets;
    for (size_t c = 3; c < kNumeric; ++c) m->x.at(r, c) = r % 37 == c ? NAN : z(rng);
    int l = level(rng);
    for (size_t k = 0; k < kLevels; ++k) m->x.at(r, kNumeric + k) = k == static_cast<size_t>(l) ? 1.f : 0.f;
    m->category_values[0][r] = names[l];
    m->ids[r] = "C" + std::to_string(r);
    double margin = -1.0 + recency / 45.0 - 0.35 * frequency + 0.4 * tickets * (l == 0) + 0.5 * m->x.at(r, 3) -
                    0.3 * (std::isnan(m->x.at(r, 4)) ? 0 : m->x.at(r, 4)) + 0.4 * (l == 2 ? -1 : 0);
    (*labels)[r] = u(rng) < 1.0 / (1.0 + std::exp(-margin)) ? 1 : 0;
  }
}

template <class T>
T Must(custintel::Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, r.status().message().c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  BoosterParams params;
  params.nthread = argc > 2 ? std::atoi(argv[2]) : 0;
  if (argc > 3) params.train_nthread = std::atoi(argv[3]);
  FeatureSpec spec = Spec();
  FeatureMatrix train, valid, score;
  std::vector<int> y_train, y_valid, y_score;
  double t_synth = Seconds([&] {
    Synthesise(n, 1, &train, &y_train);
    Synthesise(n / 5, 2, &valid, &y_valid);
    Synthesise(n, 3, &score, &y_score);
  });
  std::printf("churn bench: %zu training customers, %zu validation, %zu scored, %zu features, nthread %d, training %d\n",
              n, n / 5, n, spec.width(), params.nthread, params.train_nthread);
  std::printf("  %-34s %8.2f s\n", "synthesise", t_synth);

  std::vector<float> ft(y_train.begin(), y_train.end()), fv(y_valid.begin(), y_valid.end());
  std::optional<Booster> booster;
  const std::clock_t cpu_before = std::clock();  // every thread's CPU time
  double t_train = Seconds([&] { booster.emplace(Must(Booster::Train(train.x, ft, params, &valid.x, &fv), "train")); });
  const double cpu_train = static_cast<double>(std::clock() - cpu_before) / CLOCKS_PER_SEC;
  int rounds = Must(booster->Rounds(), "rounds");
  std::printf("  %-34s %8.2f s  %8.2f s CPU  (%d trees kept, early stopping)\n", "train", t_train, cpu_train, rounds);
  std::fflush(stdout);

  IsotonicCalibrator cal;
  double t_cal = Seconds([&] {
    std::vector<float> raw = Must(booster->PredictProbability(valid.x), "predict valid");
    cal = FitIsotonic({raw.begin(), raw.end()}, y_valid);
  });
  std::printf("  %-34s %8.2f s  (%zu blocks)\n", "calibrate (predict + isotonic)", t_cal, cal.x.size());

  std::vector<double> p;
  double t_pred = Seconds([&] {
    std::vector<float> raw = Must(booster->PredictProbability(score.x), "predict");
    p.resize(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) p[i] = cal.Apply(raw[i]);
  });
  std::printf("  %-34s %8.2f s\n", "score (calibrated)", t_pred);

  // SHAP in chunks, as the pipeline does, so memory stays bounded.
  size_t driver_bytes = 0;
  double t_shap = 0, t_approx = 0, t_json = 0;
  size_t same_top1 = 0, shared_top3 = 0, top3 = 0;
  const size_t chunk = 65536, width = spec.width() + 1;
  for (size_t begin = 0; begin < n; begin += chunk) {
    std::vector<size_t> rows;
    for (size_t r = begin; r < std::min(n, begin + chunk); ++r) rows.push_back(r);
    DenseMatrix x = score.x.SelectRows(rows);
    std::vector<float> shap, approx;
    // The pipeline uses approximate attributions above exact_drivers_max_rows scored customers;
    // time both and count how often they name the same drivers.
    t_approx += Seconds([&] { approx = Must(booster->Contributions(x, true), "approximate contributions"); });
    t_shap += Seconds([&] { shap = Must(booster->Contributions(x), "contributions"); });
    for (size_t i = 0; i < rows.size(); ++i) {
      auto names = [&](const std::vector<float>& c) {
        std::vector<std::string> out;
        for (const auto& d : nlohmann::json::parse(TopDriversJson(spec, score, rows[i], &c[i * width]))) {
          out.push_back(d["feature"]);
        }
        return out;
      };
      std::vector<std::string> a = names(shap), b = names(approx);
      same_top1 += !a.empty() && !b.empty() && a[0] == b[0];
      for (const std::string& f : a) shared_top3 += std::find(b.begin(), b.end(), f) != b.end();
      top3 += a.size();
    }
    t_json += Seconds([&] {
      for (size_t i = 0; i < rows.size(); ++i) driver_bytes += TopDriversJson(spec, score, rows[i], &shap[i * width]).size();
    });
  }
  std::printf("  %-34s %8.2f s\n", "SHAP contributions (pred_contribs)", t_shap);
  std::printf("  %-34s %8.2f s  (same top driver as exact %.1f%%, top-3 drivers shared %.1f%%)\n",
              "approximate contributions", t_approx, 100.0 * same_top1 / n, 100.0 * shared_top3 / std::max<size_t>(top3, 1));
  std::printf("  %-34s %8.2f s  (%.0f bytes per customer)\n", "top-3 drivers JSON", t_json,
              static_cast<double>(driver_bytes) / n);
  std::printf("  held-out: roc_auc %.4f  pr_auc %.4f  brier %.4f\n", RocAuc(p, y_score), AveragePrecision(p, y_score),
              BrierScore(p, y_score));
  std::printf("  peak RSS %.0f MiB\n", PeakRssMiB());
  return 0;
}
