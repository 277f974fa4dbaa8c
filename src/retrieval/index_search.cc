// Index::Search: BM25 and vector rankings under the caller's filters, fused by RRF (see
// index.h). Filters are applied while each ranking is built, so a restrictive filter still
// yields k hits when k documents pass it.
#include <algorithm>
#include <unordered_set>

#include "core/strings.h"
#include "retrieval/fusion.h"
#include "retrieval/index_impl.h"

namespace custintel::retrieval {
namespace {

// Up to this many passing documents, a filtered vector search is exact (a dot product each)
// rather than a widened graph search: about a millisecond at 512 dimensions.
constexpr size_t kExactVectorLimit = 8192;

struct Query {
  std::string_view text;
  const SearchOptions& options;
  std::array<bool, kSourceCount> allow{};
  bool filtered = false;  // some source excluded or a customer restriction
  size_t depth = 0;       // candidates per ranking
};

Result<Query> MakeQuery(std::string_view text, const SearchOptions& options) {
  Query q{text, options};
  if (Trim(text).empty()) return Status::InvalidArgument("search: the query is empty");
  if (options.k == 0) return Status::InvalidArgument("search: k must be at least 1");
  q.allow.fill(options.sources.empty());
  for (const auto& s : options.sources) {
    const int n = SourceNumber(s);
    if (n < 0) return Status::InvalidArgument("search: unknown source '" + s + "' (use note, review or ticket)");
    q.allow[n] = true;
  }
  q.filtered = options.customer_ids != nullptr || std::count(q.allow.begin(), q.allow.end(), true) < kSourceCount;
  const size_t fused_depth = options.candidates ? options.candidates : std::max<size_t>(50, 4 * options.k);
  q.depth = options.method == Method::kHybrid ? std::max(fused_depth, options.k) : options.k;
  return q;
}

bool Passes(const Index::Impl& m, const Query& q, uint32_t slot) {
  if (slot >= m.source_of.size() || m.source_of[slot] < 0 || !q.allow[m.source_of[slot]]) return false;
  if (q.options.customer_ids == nullptr || m.source_of[slot] == 0) return true;
  return q.options.customer_ids->count(m.state.docs[slot].customer_id) > 0;
}

// The slots passing the filter when they are few enough for an exact vector search; else
// nullopt. Counts before it collects, so a broad filter costs no copying.
std::optional<std::vector<uint32_t>> FewPassingSlots(const Index::Impl& m, const Query& q) {
  if (!q.filtered) return std::nullopt;
  const auto* customers = q.options.customer_ids;
  size_t count = 0;
  for (int s = 0; s < kSourceCount; ++s) {
    if (q.allow[s] && (s == 0 || customers == nullptr)) count += m.by_source[s].size();
  }
  if (customers != nullptr) {
    for (const auto& c : *customers) {
      auto it = m.by_customer.find(c);
      if (it != m.by_customer.end()) count += it->second.size();
    }
  }
  if (count > kExactVectorLimit) return std::nullopt;
  std::vector<uint32_t> slots;
  for (int s = 0; s < kSourceCount; ++s) {
    if (q.allow[s] && (s == 0 || customers == nullptr)) slots.insert(slots.end(), m.by_source[s].begin(), m.by_source[s].end());
  }
  if (customers != nullptr) {
    for (const auto& c : *customers) {
      auto it = m.by_customer.find(c);
      if (it == m.by_customer.end()) continue;
      for (uint32_t slot : it->second) {
        if (q.allow[m.source_of[slot]]) slots.push_back(slot);
      }
    }
  }
  return slots;
}

// Best passage first, one entry per document, at most `depth`.
std::vector<Scored> BestPerDocument(const std::vector<Neighbor>& passages, size_t depth) {
  std::vector<Scored> out;
  std::unordered_set<uint32_t> seen;
  for (const Neighbor& n : passages) {
    if (out.size() == depth) break;
    if (n.score > 0 && seen.insert(SlotOfLabel(n.label)).second) out.push_back({SlotOfLabel(n.label), n.score});
  }
  return out;
}

std::vector<Neighbor> NearestPassages(const Index::Impl& m, const Query& q, const std::vector<float>& vec,
                                      const SlotFilter* filter, const std::optional<std::vector<uint32_t>>& few) {
  // Documents have several passages: ask for more than depth so that depth documents remain.
  const size_t want = q.depth * 3;
  if (few) {
    std::vector<uint64_t> labels;
    for (uint32_t slot : *few) {
      for (uint32_t p = 0; p < m.state.docs[slot].passages; ++p) labels.push_back(PassageLabel(slot, p));
    }
    return m.state.vectors->SearchAmong(vec, labels, want);
  }
  if (filter == nullptr) return m.state.vectors->Search(vec, want, nullptr);
  LabelFilter by_label = [filter](uint64_t label) { return (*filter)(SlotOfLabel(label)); };
  return m.state.vectors->Search(vec, want, &by_label);
}

Result<std::vector<Scored>> VectorRanking(const Index::Impl& m, const Query& q, const SlotFilter* filter,
                                          const std::optional<std::vector<uint32_t>>& few) {
  if (!m.state.vectors) return std::vector<Scored>{};
  const std::string text(q.text);
  auto batch = m.ai->Embed(std::span<const std::string>(&text, 1));
  if (!batch.front().ok()) return batch.front().status().WithContext("search: cannot embed the query");
  std::vector<float> vec = std::move(*batch.front());
  if (static_cast<int>(vec.size()) != m.state.vectors->dimensions() || !Normalize(vec)) return std::vector<Scored>{};
  // A non-positive cosine is no match, however near the document happens to be.
  return BestPerDocument(NearestPassages(m, q, vec, filter, few), q.depth);
}

Hit MakeHit(const Index::Impl& m, uint32_t slot) {
  const Document& d = m.state.docs[slot];
  return Hit{d.id, d.source, d.text, d.customer_id, d.product_id};
}

}  // namespace

Result<std::vector<Hit>> Index::Search(std::string_view query, const SearchOptions& options) const {
  const Impl& m = *impl_;
  CI_ASSIGN_OR_RETURN(Query q, MakeQuery(query, options));
  // A selective filter becomes a bitmap of the passing slots: one load per candidate instead
  // of a hash lookup of its customer id.
  const std::optional<std::vector<uint32_t>> few = FewPassingSlots(m, q);
  std::vector<bool> passing;
  if (few) {
    passing.assign(m.state.docs.size(), false);
    for (uint32_t slot : *few) passing[slot] = true;
  }
  SlotFilter filter = few ? SlotFilter([&](uint32_t slot) { return slot < passing.size() && passing[slot]; })
                          : SlotFilter([&](uint32_t slot) { return Passes(m, q, slot); });
  const SlotFilter* f = q.filtered ? &filter : nullptr;
  std::vector<Scored> lists[2];
  if (options.method != Method::kVector) lists[0] = m.state.bm25.Search(query, q.depth, f);
  if (options.method != Method::kBm25) {
    CI_ASSIGN_OR_RETURN(lists[1], VectorRanking(m, q, f, few));
  }
  std::vector<Fused> fused = FuseReciprocalRank(lists, options.k);
  std::vector<Hit> hits;
  for (const Fused& item : fused) {
    Hit h = MakeHit(m, item.slot);
    h.bm25_rank = item.ranks[0];
    h.vector_rank = item.ranks[1];
    h.bm25_score = item.scores[0];
    h.vector_score = item.scores[1];
    h.score = options.method == Method::kHybrid ? item.score
              : options.method == Method::kBm25 ? h.bm25_score
                                                : h.vector_score;
    hits.push_back(std::move(h));
  }
  return hits;
}

}  // namespace custintel::retrieval
