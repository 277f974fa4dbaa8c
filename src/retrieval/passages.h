// PassageRanker: hybrid ranking (BM25 + embedding cosine, fused by reciprocal rank) of a small
// set of passages held in memory, e.g. the notes and playbooks an insight may cite. No files,
// no model: the embeddings are the builtin lexical ones (ai/lexical_embed.h), so the same
// passages and query always give the same ranking, whatever AI backend is configured — what
// fact sheets need (an insight's input hash must not depend on who writes it).
//
//   PassageRanker notes({{"note:N021", "Late delivery compensation. Offer a voucher ..."}, ...});
//   std::vector<RankedPassage> top = notes.Rank("late delivery", 2);   // best first
//
// For the persisted index over every note, review and ticket, see retrieval/index.h.
//
// Thread safety: Rank is const and may run on many threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "retrieval/bm25.h"

namespace custintel::retrieval {

struct Passage {
  std::string id;        // the caller's: "note:N021"
  std::string text;
  std::string keywords;  // ranked with the text but not part of it (e.g. a note's tags)
};

struct RankedPassage {
  const Passage* passage = nullptr;
  double score = 0;      // RRF score over the two rankings
  int bm25_rank = 0;     // 1-based; 0 = shares no term with the query
  int vector_rank = 0;   // 1-based; 0 = cosine not positive
};

class PassageRanker {
 public:
  explicit PassageRanker(std::vector<Passage> passages);

  // The k best passages for `query`, best first. lexical_only: only passages sharing a term
  // with the query (bm25_rank > 0), so an unrelated passage is never offered as support.
  std::vector<RankedPassage> Rank(std::string_view query, size_t k, bool lexical_only = true) const;

  size_t size() const { return passages_.size(); }

 private:
  std::vector<Passage> passages_;
  Bm25Index bm25_;
  std::vector<std::vector<float>> vectors_;
};

}  // namespace custintel::retrieval
