// Rng: seeding, streams and the samplers' moments.
#include <gtest/gtest.h>

#include <cmath>

#include "core/random.h"

namespace custintel {
namespace {

struct Moments {
  double mean = 0, var = 0;
};

template <class Draw>
Moments Sample(int n, Draw draw) {
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double x = draw();
    sum += x;
    sum2 += x * x;
  }
  Moments m;
  m.mean = sum / n;
  m.var = sum2 / n - m.mean * m.mean;
  return m;
}

TEST(Rng, SameSeedSameStreamDifferentStreamsDiffer) {
  Rng a = Rng::ForStream(7, 3), b = Rng::ForStream(7, 3), c = Rng::ForStream(7, 4);
  const uint64_t first = a.Next();
  EXPECT_EQ(first, b.Next());
  EXPECT_NE(first, c.Next());
}

TEST(Rng, GammaMatchesShapeAndRateBelowAndAboveOne) {
  Rng rng(1);
  for (double shape : {0.4, 0.75, 2.5, 9.0}) {
    const double rate = 3.0;
    const Moments m = Sample(200000, [&] { return rng.Gamma(shape, rate); });
    EXPECT_NEAR(m.mean, shape / rate, 0.02 * shape / rate) << "shape " << shape;
    EXPECT_NEAR(m.var, shape / (rate * rate), 0.06 * shape / (rate * rate)) << "shape " << shape;
  }
}

TEST(Rng, BetaAndPoissonMatchTheirMeans) {
  Rng rng(2);
  const Moments beta = Sample(200000, [&] { return rng.Beta(0.8, 2.4); });
  EXPECT_NEAR(beta.mean, 0.25, 0.005);
  for (double mean : {0.3, 4.0, 60.0}) {
    const Moments p = Sample(100000, [&] { return static_cast<double>(rng.Poisson(mean)); });
    EXPECT_NEAR(p.mean, mean, 0.03 * mean + 0.01) << "mean " << mean;
    EXPECT_NEAR(p.var, mean, 0.08 * mean + 0.02) << "mean " << mean;
  }
}

}  // namespace
}  // namespace custintel
