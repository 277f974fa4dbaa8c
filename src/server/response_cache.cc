#include "server/response_cache.h"

namespace custintel::server {

std::string ResponseCache::Key(const std::string& tenant, std::string_view role,
                               const std::optional<std::string>& scope, const HttpRequest& r) {
  // Length-prefixed pieces: no value can forge another key's boundaries.
  std::string key;
  auto add = [&](std::string_view s) { (key += std::to_string(s.size()) + ':') += s; };
  add(tenant);
  add(role);
  add(scope ? "1" + *scope : "0");
  add(r.method);
  add(r.path);
  for (const auto& [name, value] : r.query) add(name), add(value);  // multimap: sorted by name
  return key;
}

std::optional<CachedResponse> ResponseCache::Find(const std::string& key, uint64_t generation) {
  std::shared_ptr<const CachedResponse> found;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end() || it->second->generation != generation) {
      ++misses_;
      return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, it->second);
    ++hits_;
    found = it->second->value;
  }
  return *found;
}

void ResponseCache::Store(const std::string& key, uint64_t generation, CachedResponse value) {
  size_t bytes = key.size() + value.response.body.size() + value.tables.size() + value.response_summary.size() + 256;
  if (bytes > max_bytes_ / 4) return;  // one huge answer must not flush everything else
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front({key, generation, std::make_shared<const CachedResponse>(std::move(value)), bytes});
  index_[key] = lru_.begin();
  bytes_ += bytes;
  EvictLocked();
}

void ResponseCache::EvictLocked() {
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

int64_t ResponseCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

int64_t ResponseCache::misses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return misses_;
}

}  // namespace custintel::server
