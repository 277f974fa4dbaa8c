// Rng: the project's own small, fast, portable random source and samplers.
//
// std:: distributions give different streams on different standard libraries, so the
// synthetic shop would not be byte-identical across machines. Everything here is written out:
// xoshiro256** seeded through splitmix64, Marsaglia–Tsang for Gamma (with the U^(1/k) boost
// for shape < 1), Beta from two Gammas, Poisson by inversion (small means) or a rounded normal.
//
//   Rng rng = Rng::ForStream(seed, block_index);
//   double lambda = rng.Gamma(0.75, 7.5);  // shape r, rate alpha
//
// Thread safety: an Rng is a value; give each thread (each block) its own.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

namespace custintel {

// splitmix64 step: the recommended way to expand one 64-bit seed into xoshiro state.
inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t sm = seed;
    for (uint64_t& s : s_) s = SplitMix64(&sm);
  }

  // An independent stream for (seed, stream): blocks, the catalog and the notes each get one.
  static Rng ForStream(uint64_t seed, uint64_t stream) {
    uint64_t sm = seed ^ (stream * 0xD1B54A32D192ED03ULL + 0x8CB92BA72F3D8DD7ULL);
    return Rng(SplitMix64(&sm) ^ stream);
  }

  // xoshiro256** next().
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1), 53 bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [0, n). REQUIRES: n > 0. (Multiply-shift; bias negligible for small n.)
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform integer in [lo, hi] inclusive.
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  bool Bernoulli(double p) { return Uniform() < p; }

  // Standard normal, Marsaglia polar method (the spare value is kept for the next call).
  double Normal();
  double Normal(double mean, double sd) { return mean + sd * Normal(); }
  // Exponential with the given rate (mean 1/rate). REQUIRES: rate > 0.
  double Exponential(double rate) { return -std::log1p(-Uniform()) / rate; }
  // Gamma with shape k and RATE beta (mean k/beta): Marsaglia & Tsang (2000).
  double Gamma(double shape, double rate);
  // Beta(a, b) as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b).
  double Beta(double a, double b);
  // Poisson with the given mean.
  int64_t Poisson(double mean);
  // Geometric number of failures before the first success, success probability p.
  int64_t Geometric(double p) {
    return static_cast<int64_t>(std::floor(std::log1p(-Uniform()) / std::log1p(-p)));
  }
  // Index drawn with probability proportional to weights. REQUIRES: a positive total.
  size_t Pick(std::span<const double> weights);

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4];
  double spare_normal_ = 0;
  bool has_spare_ = false;
};

}  // namespace custintel
