// AiCache: the AI layer's cache (ai/cache.h) in this database's meta.ai_cache table
// (migration 0004_ai.sql). Same key, same answer, forever.
//
//   auto cache = std::make_shared<AiCache>(db, backend->identity());
//   AiService service(backend, cache, budget);
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

#include "ai/cache.h"
#include "store/database.h"

namespace custintel::store {

class AiCache final : public ai::Cache {
 public:
  // Holds the database weakly: the cache never keeps a closed database alive.
  AiCache(std::weak_ptr<Database> db, ai::ModelIdentity identity);

  std::unordered_map<std::string, ai::CacheEntry> Lookup(const std::vector<std::string>& keys) override;
  Status Store(const std::vector<ai::CacheRecord>& records) override;
  void MarkHits(const std::vector<std::string>& keys) override;

 private:
  Result<Connection> Connect();
  void Disable(const Status& why);

  std::weak_ptr<Database> db_;
  const ai::ModelIdentity identity_;
  std::mutex write_mu_;
  std::mutex state_mu_;
  bool disabled_ = false;
};

}  // namespace custintel::store
