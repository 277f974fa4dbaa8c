// ResponseCache: finished answers of read routes, so a dashboard full of viewers asking for the
// same segments does not plan and run the same queries again and again.
//
//   ResponseCache cache(64 << 20);
//   std::string k = ResponseCache::Key(tenant, scope, request);
//   if (auto hit = cache.Find(k, tenant.generation())) return hit->response;
//   ... cache.Store(k, tenant.generation(), {response, rows, tables, summary});
//
// An entry is valid only for the tenant data generation it was computed at: every refresh and
// every successful write bumps the tenant's generation (Tenant::BumpGeneration), so a reader
// never gets an answer older than the data it could read now. The key holds the tenant, the
// key's row scope and the full path and query, so an account key never sees another scope's
// entry (nor one role another's). Only 200 answers are kept; entries are evicted least recently used past max_bytes.
//
// Thread safety: all methods may be called from any thread at once.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "server/http.h"

namespace custintel::server {

struct CachedResponse {
  HttpResponse response;
  int64_t rows = 0;               // for the audit row of a hit
  std::string tables;             // tables touched, comma-separated
  std::string response_summary;
  std::string prompt_summary;
};

class ResponseCache {
 public:
  explicit ResponseCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // role: the key's role, so an answer that ever depends on it is never shared across roles.
  static std::string Key(const std::string& tenant, std::string_view role, const std::optional<std::string>& scope,
                         const HttpRequest& r);

  std::optional<CachedResponse> Find(const std::string& key, uint64_t generation);
  void Store(const std::string& key, uint64_t generation, CachedResponse value);

  int64_t hits() const;
  int64_t misses() const;

 private:
  struct Entry {
    std::string key;
    uint64_t generation = 0;
    std::shared_ptr<const CachedResponse> value;  // shared: a hit copies it outside the lock
    size_t bytes = 0;
  };
  void EvictLocked();

  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
  int64_t hits_ = 0, misses_ = 0;
};

}  // namespace custintel::server
