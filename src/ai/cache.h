// Cache: every AI answer ever computed, keyed by the sha256 of everything that determines it
// (CacheKey below). Same key, same answer, forever: a re-run over unchanged data makes zero
// backend calls. Only successes are stored; failures and fallbacks never are.
//
// This is the interface the AI layer talks to; each host provides the table behind it: the
// DuckDB pipeline's meta.ai_cache (store/ai/ai_cache.h), the PostgreSQL extension its own.
//
//   auto hits = cache.Lookup(keys);                 // key -> entry, for the keys present
//   (void)cache.Store(records);                     // new answers; existing keys kept
//
// Contract for implementations: a cache that cannot reach its table answers every lookup with
// a miss and drops stores (the AI still works, just uncached); all methods may be called from
// any thread.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "ai/backend.h"
#include "core/status.h"

namespace custintel::ai {

struct CacheEntry {
  std::string output;  // text, JSON, or a JSON array (embeddings)
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

struct CacheRecord {
  std::string key;
  std::string op;           // generate | choose | json | embed | sentiment | summary | themes | agg
  std::string template_key; // e.g. "sentiment@1"
  CacheEntry entry;
};

// sha256 over (op, backend, model, model sha256, template id+version, every sampling
// parameter incl. seed and max tokens, the grammar/schema/choices, the input).
std::string CacheKey(std::string_view op, const ModelIdentity& identity, std::string_view template_key,
                     const Sampling& sampling, std::string_view constraint, std::string_view input);

class Cache {
 public:
  virtual ~Cache() = default;
  // The entries of the keys present.
  virtual std::unordered_map<std::string, CacheEntry> Lookup(const std::vector<std::string>& keys) = 0;
  // Inserts records whose key is new; existing keys keep their answer.
  virtual Status Store(const std::vector<CacheRecord>& records) = 0;
  // Counts one hit on each key (best effort).
  virtual void MarkHits(const std::vector<std::string>& keys) = 0;
};

}  // namespace custintel::ai
