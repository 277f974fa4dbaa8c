// API key secrets: generation, hashing and comparison (libsodium).
//
// A key reads "ci_<key_id>_<secret>": key_id (16 hex chars) is public and names the key in
// lists and the audit log; secret (64 hex chars, 256 random bits) is shown once and stored
// only as BLAKE2b-256(key_id || secret). Comparison of hashes is constant-time.
//
// Thread safety: pure functions (libsodium's RNG is thread-safe once initialised).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace custintel::server {

struct KeyParts {
  std::string key_id;
  std::string secret;
};

struct NewKeySecret {
  std::string key_id;
  std::string key;   // the full "ci_<id>_<secret>" text, shown once
  std::string hash;  // what is stored
};

// REQUIRES: libsodium initialisable (it is on every supported platform).
Result<NewKeySecret> GenerateKey();
// prefix + 2*bytes lowercase hex characters from libsodium's CSPRNG: the one generator of
// random ids in the server (key ids, request ids, ids of reviews and tickets posted without one).
std::string RandomId(std::string_view prefix, size_t bytes = 8);
// Splits a presented key; InvalidArgument when it is not of the "ci_<id>_<secret>" shape.
Result<KeyParts> ParseKey(std::string_view key);
std::string HashKey(const KeyParts& parts);
// Constant-time equality of two hex hashes (lengths are not secret).
bool HashesEqual(const std::string& a, const std::string& b);

}  // namespace custintel::server
