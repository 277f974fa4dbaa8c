// Reciprocal rank fusion (see fusion.h).
#include "retrieval/fusion.h"

#include <algorithm>
#include <unordered_map>

namespace custintel::retrieval {
namespace {

int BestRank(const Fused& f) {
  int best = 0;
  for (int r : f.ranks) {
    if (r > 0 && (best == 0 || r < best)) best = r;
  }
  return best;
}

bool FusedBetter(const Fused& a, const Fused& b) {
  if (a.score != b.score) return a.score > b.score;
  const int ra = BestRank(a), rb = BestRank(b);
  if (ra != rb) return ra < rb;
  return a.slot < b.slot;
}

}  // namespace

std::vector<Fused> FuseReciprocalRank(std::span<const std::vector<Scored>> rankings, size_t k, double rrf_k) {
  std::unordered_map<uint32_t, size_t> at;  // slot -> index in fused
  std::vector<Fused> fused;
  for (size_t list = 0; list < rankings.size(); ++list) {
    const auto& ranking = rankings[list];
    for (size_t pos = 0; pos < ranking.size(); ++pos) {
      const Scored& s = ranking[pos];
      auto [it, inserted] = at.try_emplace(s.slot, fused.size());
      if (inserted) {
        fused.push_back({s.slot, 0, std::vector<int>(rankings.size(), 0), std::vector<double>(rankings.size(), 0)});
      }
      Fused& f = fused[it->second];
      if (f.ranks[list] != 0) continue;  // a list naming an item twice counts its best rank
      const int rank = static_cast<int>(pos) + 1;
      f.ranks[list] = rank;
      f.scores[list] = s.score;
      f.score += 1.0 / (rrf_k + rank);
    }
  }
  const size_t n = std::min(k, fused.size());
  std::partial_sort(fused.begin(), fused.begin() + n, fused.end(), FusedBetter);
  fused.resize(n);
  return fused;
}

}  // namespace custintel::retrieval
