// VectorIndex: approximate nearest neighbours by inner product on unit vectors — the one door
// to hnswlib (HNSW graphs). Nothing else in custintel includes hnswlib.
//
//   CI_ASSIGN_OR_RETURN(VectorIndex v, VectorIndex::Create(512));
//   CI_RETURN_IF_ERROR(v.Add(7, embedding));              // any 64-bit label of the caller's
//   std::vector<Neighbor> top = v.Search(query_vec, 10, nullptr);   // score = cosine
//   v.Remove(7);                                          // hnswlib markDelete
//
// Vectors are normalised to unit length on the way in, so scores are cosines in [-1, 1].
// Filtered search: hnswlib 0.6 has no filter hook, so a filter with few passing labels is
// answered exactly over those labels' stored vectors (SearchAmong), and otherwise by asking
// the graph for more neighbours until k pass or the index is exhausted.
// What hnswlib throws (allocation failures, garbled files) is caught here and returned as a
// Status; files are checked by the caller's checksum before Load, since hnswlib trusts sizes
// it reads.
//
// Thread safety: Search/SearchAmong/Vector are const and may run on many threads; Add,
// Remove and Save need exclusive access.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace custintel::retrieval {

struct Neighbor {
  uint64_t label = 0;
  double score = 0;  // cosine similarity to the query
};

// Decides whether a label may be returned.
using LabelFilter = std::function<bool(uint64_t label)>;

class VectorIndex {
 public:
  // `capacity`: vectors expected (the graph grows past it by doubling, at a copy's cost).
  static Result<VectorIndex> Create(int dimensions, size_t capacity = 0);
  // Reads a file written by Save. REQUIRES: the file passed the caller's integrity check.
  static Result<VectorIndex> Load(const std::string& path, int dimensions);
  VectorIndex(VectorIndex&&) noexcept;
  VectorIndex& operator=(VectorIndex&&) noexcept;
  ~VectorIndex();

  // Adds (or replaces) the vector of `label`. InvalidArgument on a wrong size or a zero vector.
  Status Add(uint64_t label, std::span<const float> vector);
  // Adds many at once on `threads` threads (0 = hardware concurrency), normalising `vectors`
  // in place (no copy: a rebuild holds hundreds of MB of them). REQUIRES: distinct labels.
  Status AddMany(std::span<const uint64_t> labels, std::span<std::vector<float>> vectors, int threads = 0);
  void Remove(uint64_t label);  // no-op for an unknown or removed label

  // The k nearest live vectors passing `filter` (null = all), best first.
  std::vector<Neighbor> Search(std::span<const float> query, size_t k, const LabelFilter* filter) const;
  // Exact: the k best of `labels` (unknown or removed ones skipped), best first.
  std::vector<Neighbor> SearchAmong(std::span<const float> query, std::span<const uint64_t> labels, size_t k) const;
  // The stored (unit) vector of a live label; empty when there is none.
  std::vector<float> Vector(uint64_t label) const;

  Status Save(const std::string& path) const;
  int dimensions() const { return dims_; }
  size_t live() const;

 private:
  struct Impl;
  explicit VectorIndex(std::unique_ptr<Impl> impl, int dims);
  Status Reserve(size_t extra);
  std::unique_ptr<Impl> impl_;
  int dims_ = 0;
};

// `v` scaled to unit length; false when it is all zeros (or has a non-finite value).
bool Normalize(std::vector<float>& v);

}  // namespace custintel::retrieval
