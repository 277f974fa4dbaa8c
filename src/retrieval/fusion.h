// Reciprocal rank fusion (Cormack, Clarke & Büttcher 2009): combines rankings by rank alone,
// so scores on different scales (BM25, cosine) need no calibration.
//
//   std::vector<Scored> bm25 = ..., vec = ...;             // each best first
//   std::vector<Fused> top = FuseReciprocalRank({bm25, vec}, 10);
//   // top[0].score == sum over lists holding it of 1 / (60 + rank); top[0].ranks == {1, 3}
//
// Ranks are 1-based positions in each input list; 0 means the item is not in that list.
// Ties in fused score go to the item with the better best rank, then the lower slot, so the
// order is deterministic.
//
// Thread safety: pure function.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "retrieval/bm25.h"

namespace custintel::retrieval {

inline constexpr double kRrfK = 60;

struct Fused {
  uint32_t slot = 0;
  double score = 0;          // sum of 1 / (rrf_k + rank) over the lists holding the item
  std::vector<int> ranks;    // per input list: 1-based rank, 0 = absent
  std::vector<double> scores;  // per input list: the item's score there, 0 = absent
};

// The k best items of the fused rankings, best first.
std::vector<Fused> FuseReciprocalRank(std::span<const std::vector<Scored>> rankings, size_t k,
                                      double rrf_k = kRrfK);

}  // namespace custintel::retrieval
