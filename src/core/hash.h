// Content hashing: sha256 as lowercase hex. Used for cache keys, row hashes and input hashes.
#pragma once

#include <string>
#include <string_view>

namespace custintel {

std::string Sha256Hex(std::string_view data);

// Incremental sha256 over many pieces; each piece is length-prefixed so ("ab","c") and
// ("a","bc") hash differently.
class Sha256Builder {
 public:
  Sha256Builder();
  Sha256Builder& Add(std::string_view piece);
  std::string FinishHex();

 private:
  alignas(64) unsigned char state_[128];
};

}  // namespace custintel
