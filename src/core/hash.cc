#include "core/hash.h"

#include <sodium.h>

#include <cstdint>
#include <cstring>

namespace custintel {
namespace {

static_assert(sizeof(crypto_hash_sha256_state) <= 128);

std::string ToHex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    hex[2 * i] = kDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return hex;
}

crypto_hash_sha256_state* State(unsigned char* raw) {
  return reinterpret_cast<crypto_hash_sha256_state*>(raw);
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return ToHex(out, sizeof out);
}

Sha256Builder::Sha256Builder() { crypto_hash_sha256_init(State(state_)); }

Sha256Builder& Sha256Builder::Add(std::string_view piece) {
  uint64_t len = piece.size();
  unsigned char prefix[8];
  std::memcpy(prefix, &len, sizeof prefix);
  crypto_hash_sha256_update(State(state_), prefix, sizeof prefix);
  crypto_hash_sha256_update(State(state_), reinterpret_cast<const unsigned char*>(piece.data()),
                            piece.size());
  return *this;
}

std::string Sha256Builder::FinishHex() {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(State(state_), out);
  return ToHex(out, sizeof out);
}

}  // namespace custintel
