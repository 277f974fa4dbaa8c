// The retrieval index's in-memory state and its directory on disk (see index.h for the
// layout's guarantees).
//
//   <db>.retrieval/MANIFEST.json     format, generation, embedding model, dimensions, and the
//                                    name, size and sha256 of each file below
//   <db>.retrieval/docs-<G>.bin      document table by slot: id, source, masked text,
//                                    customer, product, content hash
//   <db>.retrieval/bm25-<G>.bin      BM25 postings (retrieval/bm25.h)
//   <db>.retrieval/vectors-<G>.hnsw  hnswlib graph, labels = slots (absent before any embedding)
//
// Invariants:
//   1. Every file is written to a temporary name and renamed; MANIFEST.json is renamed last,
//      so it always names complete files of one generation.
//   2. A file is read only after its size and sha256 match the manifest; a mismatch, an
//      unknown format or a garbled file is a Corruption (the caller rebuilds), never a crash.
//   3. Files of older generations and temporary leftovers are deleted after the manifest of a
//      newer generation is in place.
//
// Thread safety: one writer per directory at a time within a process; readers of a
// directory being replaced see the old generation or the new one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "retrieval/bm25.h"
#include "retrieval/corpus.h"
#include "retrieval/vector_index.h"

namespace custintel::retrieval {

// Bump on any change to the files' layout; an index of another format is rebuilt.
inline constexpr int kIndexFormat = 1;

struct IndexState {
  std::vector<Document> docs;   // by slot; a removed slot has an empty id
  Bm25Index bm25;
  std::optional<VectorIndex> vectors;
  std::string model;            // identity of the embedding model behind `vectors`; "" = none
  uint64_t generation = 0;      // of the files last written or read
};

// NotFound when `dir` holds no manifest; Corruption (with what is wrong) for a damaged,
// partial or other-format index.
Result<IndexState> LoadIndexDir(const std::string& dir);
// Writes `state` as generation state.generation + 1 (creating `dir` if needed) and sets
// state.generation on success.
Status SaveIndexDir(const std::string& dir, IndexState& state);

}  // namespace custintel::retrieval
