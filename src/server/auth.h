// Authentication: the presented API key (Authorization: Bearer, or X-API-Key) → its KeyInfo.
// Keys are read from the control database once and cached; revocation through the server
// updates the cache at once. The stored hash is compared in constant time.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "server/control.h"
#include "server/http.h"

namespace custintel::server {

class KeyCache {
 public:
  explicit KeyCache(ControlDb* control) : control_(control) {}
  // The key of the request; PermissionDenied-free: every failure is Unauthenticated, mapped to
  // 401 by the caller, and says only what the client can fix.
  Result<KeyInfo> Authenticate(const HttpRequest& request);
  // Drops a key from the cache (after revoke); the next use reads the control database.
  void Invalidate(const std::string& key_id);

 private:
  ControlDb* control_;
  std::mutex mu_;
  std::map<std::string, KeyInfo> cache_;
};

// The key text of a request, or "".
std::string PresentedKey(const HttpRequest& request);

}  // namespace custintel::server
