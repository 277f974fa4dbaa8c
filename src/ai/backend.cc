#include "ai/backend.h"

#include <fmt/format.h>

namespace custintel::ai {

std::string Sampling::KeyText() const {
  return fmt::format("max_tokens={};temperature={:.6f};top_p={:.6f};top_k={};seed={}", max_tokens, temperature,
                     top_p, top_k, seed);
}

}  // namespace custintel::ai
