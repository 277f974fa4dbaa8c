// Content hashing: sha256 as lowercase hex (cache keys, row hashes, input hashes), and FNV-1a
// for cheap hashes that must be the same on every platform and build (std::hash is not).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace custintel {

std::string Sha256Hex(std::string_view data);

// Incremental sha256 over many pieces; each piece is length-prefixed so ("ab","c") and
// ("a","bc") hash differently.
class Sha256Builder {
 public:
  Sha256Builder();
  Sha256Builder& Add(std::string_view piece);
  std::string FinishHex();

 private:
  alignas(64) unsigned char state_[128];
};

// 64-bit FNV-1a of `s`; `seed` is mixed into the offset basis (0: the standard FNV-1a), so one
// text gets independent hashes per seed. Stable forever: splits and embeddings depend on it.
constexpr uint64_t Fnv1a64(std::string_view s, uint64_t seed = 0) {
  uint64_t h = 0xCBF29CE484222325ull ^ seed;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

// The offset basis custintel's first FNV-1a hashes used: FNV's with its last digit dropped
// (1469598103934665603). The lexical embeddings and the churn model's fold and half splits were
// made with it, so they pass this seed: Fnv1a64(s, kFnv1aFirstBasisSeed) is that hash exactly,
// and stored embeddings, cached answers and trained models do not move.
inline constexpr uint64_t kFnv1aFirstBasisSeed = 1469598103934665603ull ^ 0xCBF29CE484222325ull;

}  // namespace custintel
