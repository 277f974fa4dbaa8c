// Index: hybrid retrieval over the shop's notes, reviews and tickets (DESIGN.md §6, issue 7).
// This header is the retrieval part's public API; the other files of src/retrieval/ are its
// internals (BM25, the hnswlib vector index, fusion, the corpus reader, the on-disk store).
//
//   CI_ASSIGN_OR_RETURN(Index index, Index::Open(conn, IndexDirFor(db_path), ai));
//   std::cout << index.last_refresh().ToString();      // "retrieval: 12 added, 0 updated, ..."
//   CI_ASSIGN_OR_RETURN(auto hits, index.Search("late delivery refund", {.k = 5}));
//   for (const Hit& h : hits) std::cout << h.id << " " << h.score << "\n";   // "note:N004 0.0328"
//
// The corpus: silver.notes (title + body), silver.reviews (title + review_text) and
// silver.tickets (subject + description). Document ids are "<source>:<natural key>"
// ("note:N001", "review:R00042", "ticket:T00017"). Review and ticket text is PII-masked by the
// text engine (text::MaskPii, the masking behind ai::AiService::Mask, plus the customer's own
// full name) before it is indexed, embedded or returned; raw PII never reaches the index, its
// files or a Hit.
//
// Ranking: Okapi BM25 (k1 1.2, b 0.75; length normalised within each source) over the text
// engine's tokenizer, and an HNSW index (inner product on unit vectors) over
// ai::AiService::Embed of each document's passages (the whole text, its title, and sentence
// groups of long documents; a document scores as its best passage), fused by reciprocal rank
// fusion (k = 60). Filters (sources, customer ids) are applied while ranking, never after a
// top-k.
//
// Persistence: a directory beside the database (IndexDirFor), written atomically (every file
// to a temporary name then renamed; the manifest last), so a killed process leaves the
// previous index or the new one, never a mix. Refresh is incremental: only new or changed
// documents are masked and embedded; a changed embedding model rebuilds the vector index; a
// corrupt or version-mismatched directory is rebuilt with a warning.
//
// Thread safety: Search may be called from many threads at once; Refresh needs exclusive
// access (no Search running on the same Index).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/status.h"

namespace custintel::ai {
class AiService;
}
namespace custintel::store {
class Connection;
}

namespace custintel::retrieval {

// The three sources, as they appear in document ids and Hit::source.
inline constexpr std::string_view kSourceNote = "note";
inline constexpr std::string_view kSourceReview = "review";
inline constexpr std::string_view kSourceTicket = "ticket";

enum class Method {
  kHybrid,  // BM25 and vector rankings fused by RRF (the default)
  kBm25,    // lexical only
  kVector,  // embedding similarity only
};

struct SearchOptions {
  size_t k = 10;  // hits returned (fewer when fewer documents match)
  // Sources to search ("note", "review", "ticket"); empty = all. An unknown name is an error.
  std::vector<std::string> sources;
  // When set, reviews and tickets are restricted to these customers (notes, which belong to
  // no customer, are unaffected). Not owned; must outlive the Search call.
  const std::unordered_set<std::string>* customer_ids = nullptr;
  Method method = Method::kHybrid;
  // How deep each ranking goes before fusion; 0 = max(50, 4 * k). Deeper finds documents that
  // rank moderately in both lists, at a cost in speed.
  size_t candidates = 0;
};

struct Hit {
  std::string id;           // "review:R00042"
  std::string source;       // "note" | "review" | "ticket"
  std::string text;         // title and body joined by ". "; masked for reviews and tickets
  std::string customer_id;  // "" for notes
  std::string product_id;   // reviews only; "" otherwise
  // Hybrid: the RRF score, sum over rankings of 1 / (60 + rank). BM25 or vector only: that
  // method's own score. Higher is more relevant; hits come in descending score.
  double score = 0;
  int bm25_rank = 0;        // 1-based rank in the BM25 candidates; 0 = not among them
  int vector_rank = 0;      // 1-based rank in the vector candidates; 0 = not among them
  double bm25_score = 0;    // the BM25 score (0 when bm25_rank is 0)
  double vector_score = 0;  // cosine similarity of the embeddings (0 when vector_rank is 0)
};

struct RefreshReport {
  int64_t added = 0;      // documents new since the last refresh
  int64_t updated = 0;    // documents whose content changed
  int64_t removed = 0;    // documents no longer in the silver tables
  int64_t unchanged = 0;  // documents kept as they were (not re-embedded)
  int64_t embedded = 0;   // passages sent to AiService::Embed by this refresh (corpus.h)
  bool created = false;   // there was no usable index: it was built from scratch
  // Why the index (or its vector part) was rebuilt: "" (not rebuilt), "no index",
  // "model changed", or what was wrong with the files on disk ("corrupt: ...", "format 1 != 2").
  std::string rebuilt_reason;
  double seconds = 0;
  bool changed() const { return added + updated + removed > 0 || !rebuilt_reason.empty(); }
  // "retrieval: 3 added, 1 updated, 1 removed, 2040 unchanged (4 embedded)"
  std::string ToString() const;
};

struct IndexStats {
  int64_t documents = 0;  // live documents, all sources
  int64_t notes = 0, reviews = 0, tickets = 0;
  int64_t terms = 0;      // distinct BM25 terms
  int dimensions = 0;     // embedding size; 0 before anything was embedded
  std::string model;      // embedding model identity: "builtin/text-engine@<sha>"
};

class Index {
 public:
  // Loads the index persisted in `dir` and brings it up to date with the silver tables behind
  // `conn` (Refresh; see last_refresh()). `dir` == "" keeps the index in memory only (in-memory
  // databases, tests). A missing dir is created; a corrupt or version-mismatched one is
  // rebuilt with a warning (logged and in last_refresh().rebuilt_reason).
  // Fails when the silver tables cannot be read or the AI layer cannot embed.
  static Result<Index> Open(store::Connection& conn, std::string dir, std::shared_ptr<ai::AiService> ai);
  // Open(conn, "", ai).
  static Result<Index> InMemory(store::Connection& conn, std::shared_ptr<ai::AiService> ai);

  Index(Index&&) noexcept;
  Index& operator=(Index&&) noexcept;
  ~Index();

  // Re-reads the silver tables; masks, embeds and indexes only new or changed documents;
  // drops deleted ones; persists (when the index has a dir) only if something changed.
  Result<RefreshReport> Refresh(store::Connection& conn);
  const RefreshReport& last_refresh() const;

  // Top hits for a free-text query. An empty query, k == 0 or an unknown source is an
  // InvalidArgument. BM25 returns only documents sharing a term with the query; the vector
  // ranking returns the nearest documents with a positive cosine, so a hybrid hit may have
  // bm25_rank 0 (no shared term).
  Result<std::vector<Hit>> Search(std::string_view query, const SearchOptions& options = {}) const;

  IndexStats stats() const;
  const std::string& dir() const;

  struct Impl;  // internal: retrieval/index_impl.h

 private:
  explicit Index(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Where the index of the database at `db_path` lives: "<db_path>.retrieval". "" for an
// in-memory database (":memory:" or "").
std::string IndexDirFor(std::string_view db_path);

}  // namespace custintel::retrieval
