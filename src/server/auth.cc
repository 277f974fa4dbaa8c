#include "server/auth.h"

#include "server/keys.h"

namespace custintel::server {

std::string PresentedKey(const HttpRequest& request) {
  std::string auth = request.Header("authorization");
  if (auth.size() > 7 && (auth.compare(0, 7, "Bearer ") == 0 || auth.compare(0, 7, "bearer ") == 0)) {
    return auth.substr(7);
  }
  return request.Header("x-api-key");
}

Result<KeyInfo> KeyCache::Authenticate(const HttpRequest& request) {
  std::string presented = PresentedKey(request);
  if (presented.empty()) {
    return Status::PermissionDenied("an API key is required (Authorization: Bearer <key>)");
  }
  auto parts = ParseKey(presented);
  if (!parts.ok()) return Status::PermissionDenied("the API key is not valid");
  std::optional<KeyInfo> key;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = cache_.find(parts->key_id); it != cache_.end()) key = it->second;
  }
  if (!key) {
    CI_ASSIGN_OR_RETURN(key, control_->FindKey(parts->key_id));
    if (key) {
      std::lock_guard<std::mutex> lock(mu_);
      cache_[key->key_id] = *key;
    }
  }
  if (!key || !HashesEqual(key->key_hash, HashKey(*parts))) return Status::PermissionDenied("the API key is not valid");
  if (key->revoked) return Status::PermissionDenied("the API key was revoked");
  return *key;
}

void KeyCache::Invalidate(const std::string& key_id) {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.erase(key_id);
}

}  // namespace custintel::server
