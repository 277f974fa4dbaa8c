#include "models/churn/churn_model_xgb.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "models/churn/churn_model_metrics.h"

namespace custintel::models {
namespace {

// y = 1 when x0 + noise > 0.5·x1; x2 is noise; some x0 missing.
void Synthetic(size_t n, uint32_t seed, DenseMatrix* x, std::vector<float>* y) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> z;
  *x = DenseMatrix(n, 3);
  y->resize(n);
  for (size_t r = 0; r < n; ++r) {
    float a = z(rng), b = z(rng), c = z(rng);
    x->at(r, 0) = r % 50 == 0 ? NAN : a;
    x->at(r, 1) = b;
    x->at(r, 2) = c;
    (*y)[r] = a + 0.5f * z(rng) > 0.5f * b ? 1.f : 0.f;
  }
}

BoosterParams FastParams() {
  BoosterParams p;
  p.max_rounds = 60;
  p.nthread = 1;
  return p;
}

TEST(ChurnXgb, LearnsASignalAndStopsEarly) {
  DenseMatrix x, vx;
  std::vector<float> y, vy;
  Synthetic(3000, 1, &x, &y);
  Synthetic(1000, 2, &vx, &vy);
  BoosterParams p = FastParams();
  p.max_rounds = 300;
  p.early_stopping_rounds = 10;
  auto b = Booster::Train(x, y, p, &vx, &vy);
  ASSERT_TRUE(b.ok()) << b.status().message();
  auto prob = b->PredictProbability(vx);
  ASSERT_TRUE(prob.ok());
  std::vector<int> labels(vy.begin(), vy.end());
  EXPECT_GT(RocAuc({prob->begin(), prob->end()}, labels), 0.85);
  EXPECT_LT(*b->Rounds(), 300);
}

TEST(ChurnXgb, ContributionsSumToTheMargin) {
  DenseMatrix x;
  std::vector<float> y;
  Synthetic(1000, 3, &x, &y);
  auto b = Booster::Train(x, y, FastParams());
  ASSERT_TRUE(b.ok()) << b.status().message();
  auto prob = b->PredictProbability(x);
  auto shap = b->Contributions(x);
  ASSERT_TRUE(prob.ok() && shap.ok());
  ASSERT_EQ(shap->size(), x.rows * 4);
  for (size_t r = 0; r < x.rows; r += 97) {
    double margin = 0;
    for (size_t c = 0; c < 4; ++c) margin += (*shap)[r * 4 + c];
    EXPECT_NEAR(1 / (1 + std::exp(-margin)), (*prob)[r], 1e-4);
  }
  // The noise column matters least on average.
  double mean_abs[3] = {0, 0, 0};
  for (size_t r = 0; r < x.rows; ++r) {
    for (size_t c = 0; c < 3; ++c) mean_abs[c] += std::fabs((*shap)[r * 4 + c]);
  }
  EXPECT_GT(mean_abs[0], mean_abs[2]);
  EXPECT_GT(mean_abs[1], mean_abs[2]);
}

// Our walk over the trees gives XGBoost's own approximate contributions, to the float: deep
// trees with missing values (default directions), an early-stopped (sliced) model, and a model
// read back from its saved bytes.
TEST(ChurnXgb, PathAttributionsAreXgboostsApproximateContributions) {
  DenseMatrix x, vx;
  std::vector<float> y, vy;
  Synthetic(4000, 5, &x, &y);
  Synthetic(1000, 6, &vx, &vy);
  for (size_t r = 0; r < x.rows; r += 7) x.at(r, 1) = NAN;  // missing in a second column too
  BoosterParams p = FastParams();
  p.max_depth = 6;
  p.max_rounds = 200;
  p.early_stopping_rounds = 5;
  auto trained = Booster::Train(x, y, p, &vx, &vy);
  ASSERT_TRUE(trained.ok()) << trained.status().message();
  auto bytes = trained->Save();
  ASSERT_TRUE(bytes.ok());
  auto loaded = Booster::Load(*bytes, 1);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  for (const Booster* b : {&*trained, &*loaded}) {
    auto paths = PathAttributions::Of(*b);
    ASSERT_TRUE(paths.ok()) << paths.status().message();
    EXPECT_EQ(static_cast<int>(paths->trees()), *b->Rounds());
    auto approx = b->Contributions(x, true);
    ASSERT_TRUE(approx.ok()) << approx.status().message();
    size_t differ = 0;
    double worst = 0;
    for (size_t r = 0; r < x.rows; ++r) {
      float ours[3] = {0, 0, 0};
      paths->Attribute(&x.values[r * 3], ours);
      for (size_t c = 0; c < 3; ++c) {
        const double d = std::fabs(ours[c] - (*approx)[r * 4 + c]);
        worst = std::max(worst, d);
        differ += d > 0;
      }
    }
    EXPECT_LT(worst, 1e-6) << differ << " of " << x.rows * 3 << " values differ";
    EXPECT_LT(differ, x.rows * 3 / 100) << "worst " << worst;
  }
}

TEST(ChurnXgb, SaveLoadAndSeedAreDeterministic) {
  DenseMatrix x;
  std::vector<float> y;
  Synthetic(800, 4, &x, &y);
  auto a = Booster::Train(x, y, FastParams());
  auto b = Booster::Train(x, y, FastParams());
  ASSERT_TRUE(a.ok() && b.ok());
  auto bytes = a->Save();
  ASSERT_TRUE(bytes.ok());
  auto loaded = Booster::Load(*bytes, 1);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  auto pa = a->PredictProbability(x), pb = b->PredictProbability(x), pl = loaded->PredictProbability(x);
  ASSERT_TRUE(pa.ok() && pb.ok() && pl.ok());
  EXPECT_EQ(*pa, *pb);
  EXPECT_EQ(*pa, *pl);
}

TEST(ChurnXgb, ErrorsAreStatuses) {
  DenseMatrix x(10, 2);
  EXPECT_FALSE(Booster::Train(x, std::vector<float>(3, 0.f), FastParams()).ok());
  auto bad = Booster::Load("not a model");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("xgboost"), std::string::npos);
  EXPECT_FALSE(Booster::Train(DenseMatrix(), {}, FastParams()).ok());
}

}  // namespace
}  // namespace custintel::models
