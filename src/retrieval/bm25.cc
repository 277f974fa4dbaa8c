// Okapi BM25 over postings lists (see bm25.h for the formula).
#include "retrieval/bm25.h"

#include <algorithm>
#include <cmath>

#include "retrieval/codec.h"
#include "text/clean.h"
#include "text/tokenizer.h"

namespace custintel::retrieval {
namespace {

constexpr uint32_t kMagic = 0x32354d42;  // "BM52"

bool Better(const Scored& a, const Scored& b) {
  return a.score != b.score ? a.score > b.score : a.slot < b.slot;
}

// Keeps the k best of a stream: a heap whose top is the worst kept.
class TopK {
 public:
  explicit TopK(size_t k) : k_(k) {}
  void Offer(Scored s) {
    if (heap_.size() < k_) {
      heap_.push_back(s);
      std::push_heap(heap_.begin(), heap_.end(), Better);
    } else if (Better(s, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), Better);
      heap_.back() = s;
      std::push_heap(heap_.begin(), heap_.end(), Better);
    }
  }
  std::vector<Scored> Take() {
    std::sort(heap_.begin(), heap_.end(), Better);
    return std::move(heap_);
  }

 private:
  size_t k_;
  std::vector<Scored> heap_;
};

}  // namespace

std::vector<std::string> Bm25Terms(std::string_view text) {
  text::CleanedText clean = text::CleanText(text);
  text::TokenizedText tokens = text::Tokenize(clean.text);
  std::vector<std::string> terms;
  terms.reserve(tokens.tokens.size());
  for (auto& t : tokens.tokens) {
    if (t.kind == text::TokenKind::kWord || t.kind == text::TokenKind::kNumber) terms.push_back(std::move(t.norm));
  }
  return terms;
}

void Bm25Index::Add(uint32_t slot, std::string_view text, int group) {
  if (slot >= length_.size()) {
    length_.resize(slot + 1, kDead);
    group_.resize(slot + 1, 0);
    doc_terms_.resize(slot + 1);
  }
  std::vector<std::string> words = Bm25Terms(text);
  std::unordered_map<uint32_t, uint32_t> tf;
  for (auto& w : words) {
    auto [it, inserted] = dict_.try_emplace(std::move(w), static_cast<uint32_t>(terms_.size()));
    if (inserted) terms_.emplace_back();
    ++tf[it->second];
  }
  auto& ids = doc_terms_[slot];
  ids.clear();
  for (auto [term, count] : tf) {
    terms_[term].postings.push_back({slot, count});
    ++terms_[term].df;
    ids.push_back(term);
  }
  length_[slot] = static_cast<uint32_t>(words.size());
  group_[slot] = static_cast<uint8_t>(group);
  group_length_[group] += words.size();
  ++group_live_[group];
  ++live_;
}

void Bm25Index::Remove(uint32_t slot) {
  if (!IsLive(slot)) return;
  for (uint32_t term : doc_terms_[slot]) --terms_[term].df;
  doc_terms_[slot].clear();
  doc_terms_[slot].shrink_to_fit();
  group_length_[group_[slot]] -= length_[slot];
  --group_live_[group_[slot]];
  length_[slot] = kDead;
  --live_;
}

double Bm25Index::Idf(uint32_t df) const {
  const double n = static_cast<double>(live_);
  return std::log(1.0 + (n - df + 0.5) / (df + 0.5));
}

std::vector<Scored> Bm25Index::Search(std::string_view query, size_t k, const SlotFilter* filter) const {
  if (k == 0 || live_ == 0) return {};
  std::vector<std::string> words = Bm25Terms(query);
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  thread_local std::vector<double> acc;
  thread_local std::vector<uint32_t> touched;
  if (acc.size() < length_.size()) acc.assign(length_.size(), 0);
  touched.clear();
  std::array<double, kMaxGroups> avgdl{};
  for (int g = 0; g < kMaxGroups; ++g) avgdl[g] = average_length(g);
  for (const auto& w : words) {
    auto it = dict_.find(w);
    if (it == dict_.end() || terms_[it->second].df == 0) continue;
    const Term& term = terms_[it->second];
    const double idf = Idf(term.df);
    for (const Posting& p : term.postings) {
      if (!IsLive(p.slot)) continue;
      const double norm = kK1 * (1 - kB + kB * length_[p.slot] / avgdl[group_[p.slot]]);
      if (acc[p.slot] == 0) touched.push_back(p.slot);
      acc[p.slot] += idf * p.tf * (kK1 + 1) / (p.tf + norm);
    }
  }
  TopK top(k);
  for (uint32_t slot : touched) {
    const double s = acc[slot];
    acc[slot] = 0;
    if (s > 0 && (filter == nullptr || (*filter)(slot))) top.Offer({slot, s});
  }
  return top.Take();
}

std::string Bm25Index::Encode() const {
  ByteWriter w;
  w.U32(kMagic);
  w.U32(static_cast<uint32_t>(length_.size()));
  for (size_t slot = 0; slot < length_.size(); ++slot) {
    w.U32(length_[slot]);
    w.U32(group_[slot]);
  }
  w.U32(static_cast<uint32_t>(dict_.size()));
  for (const auto& [word, id] : dict_) {
    w.Str(word);
    uint32_t live = 0;
    for (const Posting& p : terms_[id].postings) live += IsLive(p.slot);
    w.U32(live);
    for (const Posting& p : terms_[id].postings) {
      if (!IsLive(p.slot)) continue;
      w.U32(p.slot);
      w.U32(p.tf);
    }
  }
  return w.bytes();
}

Result<Bm25Index> Bm25Index::Decode(std::string_view bytes) {
  ByteReader r(bytes);
  if (r.U32() != kMagic) return Status::Corruption("not a BM25 postings file");
  Bm25Index index;
  const uint32_t slots = r.Count(8);
  index.length_.resize(slots);
  index.group_.resize(slots);
  index.doc_terms_.resize(slots);
  for (uint32_t slot = 0; slot < slots; ++slot) {
    const uint32_t len = r.U32(), group = r.U32();
    if (group >= kMaxGroups) return Status::Corruption("BM25 postings: a document has group " + std::to_string(group));
    index.length_[slot] = len;
    index.group_[slot] = static_cast<uint8_t>(group);
    if (len == kDead) continue;
    index.group_length_[group] += len;
    ++index.group_live_[group];
    ++index.live_;
  }
  const uint32_t terms = r.Count(8);
  index.terms_.resize(terms);
  for (uint32_t id = 0; id < terms && r.ok(); ++id) {
    if (!index.dict_.emplace(r.Str(), id).second) return Status::Corruption("BM25 postings: a term appears twice");
    Term& term = index.terms_[id];
    term.postings.resize(r.Count(8));
    for (Posting& p : term.postings) {
      p.slot = r.U32();
      p.tf = r.U32();
      if (!index.IsLive(p.slot) || p.tf == 0) return Status::Corruption("BM25 postings: a posting names no live document");
      index.doc_terms_[p.slot].push_back(id);
    }
    term.df = static_cast<uint32_t>(term.postings.size());
  }
  if (!r.ok() || !r.at_end()) return Status::Corruption("BM25 postings are truncated or garbled");
  return index;
}

}  // namespace custintel::retrieval
