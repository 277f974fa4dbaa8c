#include "retrieval/passages.h"

#include <algorithm>

#include "ai/lexical_embed.h"
#include "retrieval/fusion.h"

namespace custintel::retrieval {

PassageRanker::PassageRanker(std::vector<Passage> passages) : passages_(std::move(passages)) {
  vectors_.reserve(passages_.size());
  for (size_t i = 0; i < passages_.size(); ++i) {
    std::string all = passages_[i].text + " " + passages_[i].keywords;
    bm25_.Add(static_cast<uint32_t>(i), all);
    vectors_.push_back(ai::LexicalEmbed(all));
  }
}

std::vector<RankedPassage> PassageRanker::Rank(std::string_view query, size_t k, bool lexical_only) const {
  if (passages_.empty() || k == 0) return {};
  std::vector<Scored> lexical = bm25_.Search(query, passages_.size(), nullptr);
  std::vector<float> q = ai::LexicalEmbed(query);
  std::vector<Scored> vector;
  for (size_t i = 0; i < vectors_.size(); ++i) {
    double c = ai::Cosine(q, vectors_[i]);
    if (c > 0) vector.push_back({static_cast<uint32_t>(i), c});
  }
  std::stable_sort(vector.begin(), vector.end(), [](const Scored& a, const Scored& b) { return a.score > b.score; });
  std::vector<std::vector<Scored>> rankings = {std::move(lexical), std::move(vector)};
  std::vector<RankedPassage> out;
  for (const Fused& f : FuseReciprocalRank(rankings, passages_.size())) {
    if (lexical_only && f.ranks[0] == 0) continue;
    out.push_back({&passages_[f.slot], f.score, f.ranks[0], f.ranks[1]});
    if (out.size() == k) break;
  }
  return out;
}

}  // namespace custintel::retrieval
