#include "ai/backend.h"

#include <fmt/format.h>

#include "core/utf8.h"

namespace custintel::ai {

std::string Sampling::KeyText() const {
  return fmt::format("max_tokens={};temperature={:.6f};top_p={:.6f};top_k={};seed={}", max_tokens, temperature,
                     top_p, top_k, seed);
}

std::string ToValidUtf8(std::string_view text) { return custintel::ToValidUtf8(text); }

}  // namespace custintel::ai
