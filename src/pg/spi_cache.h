// SpiCache: the AI layer's cache (ai/cache.h) over a table of the extension's schema, through
// SPI in the calling transaction. Shared by every session of the database: an answer is visible
// to other sessions once the transaction that computed it commits.
//
//   auto cache = std::make_shared<SpiCache>("\"public\".custintel_ai_cache");
//
// - Lookup: one SELECT ... WHERE key = ANY($1).
// - Store: INSERT ... ON CONFLICT (key) DO NOTHING (the first answer stays; a concurrent
//   transaction storing the same key waits for the other to end, then keeps its answer).
//   Skipped in a read-only transaction (a standby, SET TRANSACTION READ ONLY).
// - MarkHits: hits + 1 on the rows no other transaction holds (FOR UPDATE SKIP LOCKED): counting
//   never makes a reader wait.
// Errors of the table (dropped, no privilege) are PostgreSQL errors (PgError) raised at the
// function boundary: the call fails rather than answering uncached silently.
//
// Thread safety: main thread of the backend only (SPI).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "ai/budget.h"
#include "ai/cache.h"

namespace custintel::pg {

class SpiCache final : public ai::Cache {
 public:
  explicit SpiCache(std::string qualified_table) : table_(std::move(qualified_table)) {}
  std::unordered_map<std::string, ai::CacheEntry> Lookup(const std::vector<std::string>& keys) override;
  Status Store(const std::vector<ai::CacheRecord>& records) override;
  void MarkHits(const std::vector<std::string>& keys) override;

 private:
  std::string table_;
};

// The calling roles' daily model usage (ai/budget.h UsageStore) in `<schema>.custintel_usage`,
// upserted in the caller's transaction (sessions of one role wait on each other's row until
// commit, only while a cap is set). Not written in a read-only transaction.
class SpiUsageStore final : public ai::UsageStore {
 public:
  explicit SpiUsageStore(std::string qualified_table) : table_(std::move(qualified_table)) {}
  Usage Load(const std::string& scope) override;
  void Add(const std::string& scope, int64_t calls, int64_t tokens) override;

 private:
  std::string table_;
};

}  // namespace custintel::pg
