// Index::Impl: the state behind retrieval::Index, shared by index.cc (open, refresh) and
// index_search.cc (search). Internal to the retrieval part.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ai/service.h"
#include "retrieval/index.h"
#include "retrieval/index_store.h"

namespace custintel::retrieval {

// Sources by number, in the order of SourceNames(): 0 note, 1 review, 2 ticket.
inline constexpr int kSourceCount = 3;
int SourceNumber(std::string_view source);  // -1 for an unknown name
std::string_view SourceName(int number);

// A passage's label in the vector index: its document's slot in the low 32 bits, the passage
// number (corpus.h Passages) above.
inline uint64_t PassageLabel(uint32_t slot, uint32_t passage) { return uint64_t{passage} << 32 | slot; }
inline uint32_t SlotOfLabel(uint64_t label) { return static_cast<uint32_t>(label); }

struct Index::Impl {
  std::string dir;  // "" = in memory
  std::shared_ptr<ai::AiService> ai;
  IndexState state;
  RefreshReport last;

  // Lookups derived from state.docs by RebuildLookups() after every change.
  std::unordered_map<std::string, uint32_t> by_id;
  std::unordered_map<std::string, std::vector<uint32_t>> by_customer;  // reviews and tickets
  std::array<std::vector<uint32_t>, kSourceCount> by_source;
  std::vector<int8_t> source_of;  // per slot: source number, -1 for a removed slot

  void RebuildLookups();
  std::string EmbeddingModel() const;  // "<backend>/<model>@<sha256>" of the AI layer
};

}  // namespace custintel::retrieval
