// Cache: every AI answer ever computed, in the DuckDB table meta.ai_cache (migration
// 0004_ai.sql), keyed by the sha256 of everything that determines it (CacheKey below).
// Same key, same answer, forever: a re-run over unchanged data makes zero backend calls.
// Only successes are stored; failures and fallbacks never are.
//
//   Cache cache(db);
//   auto hits = cache.Lookup(keys);                 // key -> entry, for the keys present
//   (void)cache.Store(records);                     // new answers; existing keys kept
//
// A cache that cannot reach its table (read-only database, table missing) answers every
// lookup with a miss and drops stores, after one warning: the AI still works, just uncached.
//
// Thread safety: all methods may be called from any thread; each call opens its own short
// connection (the caller's connection is busy running the query that called the AI), and
// writes are serialised.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ai/backend.h"
#include "store/database.h"

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
  // Holds the database weakly: the cache never keeps a closed database alive.
  explicit Cache(std::weak_ptr<store::Database> db, ModelIdentity identity);

  std::unordered_map<std::string, CacheEntry> Lookup(const std::vector<std::string>& keys);
  // Inserts records whose key is new; counts a hit on keys that Lookup found (see MarkHits).
  Status Store(const std::vector<CacheRecord>& records);
  // Adds 1 to `hits` of each key (best effort).
  void MarkHits(const std::vector<std::string>& keys);

 private:
  Result<store::Connection> Connect();
  void Disable(const Status& why);

  std::weak_ptr<store::Database> db_;
  const ModelIdentity identity_;
  std::mutex write_mu_;
  std::mutex state_mu_;
  bool disabled_ = false;
};

}  // namespace custintel::ai
