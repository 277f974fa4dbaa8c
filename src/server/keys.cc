#include "server/keys.h"

#include <sodium.h>

#include <cctype>

namespace custintel::server {
namespace {

constexpr size_t kIdBytes = 8;
constexpr size_t kSecretBytes = 32;

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  hex.pop_back();
  return hex;
}

bool IsLowerHex(std::string_view s, size_t len) {
  if (s.size() != len) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

}  // namespace

std::string RandomId(std::string_view prefix, size_t bytes) {
  static const bool initialised = sodium_init() >= 0;  // thread-safe, once; randombytes works regardless
  (void)initialised;
  return std::string(prefix) + RandomHex(bytes);
}

Result<NewKeySecret> GenerateKey() {
  if (sodium_init() < 0) return Status::Internal("libsodium failed to initialise");
  KeyParts parts{RandomId("", kIdBytes), RandomHex(kSecretBytes)};
  return NewKeySecret{parts.key_id, "ci_" + parts.key_id + "_" + parts.secret, HashKey(parts)};
}

Result<KeyParts> ParseKey(std::string_view key) {
  const size_t id_len = kIdBytes * 2, secret_len = kSecretBytes * 2;
  if (key.size() != 3 + id_len + 1 + secret_len || key.substr(0, 3) != "ci_" || key[3 + id_len] != '_') {
    return Status::InvalidArgument("the API key is malformed (expected ci_<id>_<secret>)");
  }
  std::string_view id = key.substr(3, id_len), secret = key.substr(4 + id_len);
  if (!IsLowerHex(id, id_len) || !IsLowerHex(secret, secret_len)) {
    return Status::InvalidArgument("the API key is malformed (expected lowercase hex)");
  }
  return KeyParts{std::string(id), std::string(secret)};
}

std::string HashKey(const KeyParts& parts) {
  unsigned char out[32];
  std::string input = parts.key_id + ":" + parts.secret;
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(input.data()), input.size(), nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return hex;
}

bool HashesEqual(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace custintel::server
