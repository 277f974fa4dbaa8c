// Bm25Index: Okapi BM25 over postings lists, for the retrieval index (retrieval/index.h).
//
//   Bm25Index bm25;
//   bm25.Add(0, "Shipping delay apology. Refund the shipping fee.");
//   bm25.Add(1, "Warranty policy");
//   std::vector<Scored> top = bm25.Search("late shipping", 10, nullptr);  // {{0, 0.87}}
//
// Score of document d for query q (each distinct query term t counted once):
//   sum_t idf(t) * tf(t,d) * (k1 + 1) / (tf(t,d) + k1 * (1 - b + b * |d| / avgdl))
//   idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))        k1 = 1.2, b = 0.75
// where N is the number of live documents, df(t) how many of them hold t, |d| the number of
// terms of d and avgdl the mean length of the live documents of d's group. This idf (Lucene's)
// is never negative, so a term in most documents still counts a little instead of pushing
// documents down. Groups (the caller's: retrieval uses one per source) normalise length
// within a kind of document, as BM25F does per field: a 60-word playbook is long among
// reviews but ordinary among playbooks. With one group this is plain Okapi BM25.
// Terms are the text engine's tokens (text/tokenizer.h): case-folded words and numbers.
//
// Documents are numbered by the caller (slots, dense from 0). Remove() drops a document from
// the statistics at once and from the postings lazily (skipped while scoring, dropped by
// Encode), so a refresh that changes few documents touches few postings.
//
// Thread safety: Search is const and may run on many threads; Add/Remove/Decode need
// exclusive access.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace custintel::retrieval {

struct Scored {
  uint32_t slot = 0;
  double score = 0;
};

// Decides whether a document may be returned; evaluated only for documents that match.
using SlotFilter = std::function<bool(uint32_t slot)>;

// The terms BM25 indexes in `text`, in order (repeats kept).
std::vector<std::string> Bm25Terms(std::string_view text);

class Bm25Index {
 public:
  static constexpr double kK1 = 1.2;
  static constexpr double kB = 0.75;

  static constexpr int kMaxGroups = 8;

  // REQUIRES: `slot` is not live; 0 <= group < kMaxGroups.
  void Add(uint32_t slot, std::string_view text, int group = 0);
  void Remove(uint32_t slot);  // no-op for a slot that is not live

  // The k best live documents with a positive score that pass `filter` (null = all), best
  // first; ties by slot.
  std::vector<Scored> Search(std::string_view query, size_t k, const SlotFilter* filter) const;

  int64_t live_documents() const { return live_; }
  size_t terms() const { return dict_.size(); }
  double average_length(int group = 0) const {
    return group_live_[group] ? static_cast<double>(group_length_[group]) / group_live_[group] : 0;
  }

  // Serialised form (live postings only) and back; a garbled input is a Corruption.
  std::string Encode() const;
  static Result<Bm25Index> Decode(std::string_view bytes);

 private:
  struct Posting {
    uint32_t slot;
    uint32_t tf;
  };
  struct Term {
    std::vector<Posting> postings;  // may hold removed slots until the next Encode
    uint32_t df = 0;                // live documents holding the term
  };
  bool IsLive(uint32_t slot) const { return slot < length_.size() && length_[slot] != kDead; }
  double Idf(uint32_t df) const;

  static constexpr uint32_t kDead = UINT32_MAX;
  std::unordered_map<std::string, uint32_t> dict_;  // term -> index into terms_
  std::vector<Term> terms_;
  std::vector<uint32_t> length_;                        // per slot: term count, kDead if not live
  std::vector<uint8_t> group_;                          // per slot: length-normalisation group
  std::vector<std::vector<uint32_t>> doc_terms_;        // per slot: distinct term ids (for Remove)
  int64_t live_ = 0;
  std::array<int64_t, kMaxGroups> group_live_{};
  std::array<uint64_t, kMaxGroups> group_length_{};
};

}  // namespace custintel::retrieval
