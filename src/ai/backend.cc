#include "ai/backend.h"

#include <fmt/format.h>

#include "core/utf8.h"

namespace custintel::ai {

std::string Sampling::KeyText() const {
  return fmt::format("max_tokens={};temperature={:.6f};top_p={:.6f};top_k={};seed={}", max_tokens, temperature,
                     top_p, top_k, seed);
}

std::string ToValidUtf8(std::string_view text) { return custintel::ToValidUtf8(text); }

MixedAnswers Backend::RunOne(const MixedRequest& r) {
  MixedAnswers a;
  switch (r.kind) {
    case MixedRequest::Kind::kGenerate:
      a.completions = Generate(r.prompts, r.sampling);
      break;
    case MixedRequest::Kind::kChoose:
      a.scored = Choose(r.prompts, r.choices);
      break;
    case MixedRequest::Kind::kJson:
      a.completions = GenerateJson(r.prompts, r.json_schema, r.sampling);
      break;
  }
  return a;
}

std::vector<MixedAnswers> Backend::RunMixed(std::span<const MixedRequest> requests) {
  std::vector<MixedAnswers> out;
  out.reserve(requests.size());
  for (const MixedRequest& r : requests) out.push_back(RunOne(r));
  return out;
}

}  // namespace custintel::ai
