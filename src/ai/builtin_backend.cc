#include "ai/builtin_backend.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "ai/builtin_choose.h"
#include "ai/builtin_generate.h"
#include "ai/builtin_json.h"
#include "ai/json_schema.h"
#include "ai/lexical_embed.h"
#include "core/hash.h"
#include "core/version.h"

namespace custintel::ai {

BuiltinBackend::BuiltinBackend() {
  identity_.backend = "builtin";
  identity_.model = "text-engine";
  // Changing the analyzers or the embedding changes answers: bump the version with them.
  identity_.model_sha256 = Sha256Hex("custintel-text-engine-v2-lexical-512");
  identity_.engine_version = std::string(kEngineVersion);
}

std::unique_ptr<Backend> MakeBuiltinBackend() { return std::make_unique<BuiltinBackend>(); }

Batch<Completion> BuiltinBackend::Generate(std::span<const std::string> prompts, const Sampling& sampling) {
  // About 0.75 words per token; the summary engine's own cap (25 words) when the budget is wide.
  const int max_words = std::min(25, sampling.max_tokens * 3 / 4);
  Batch<Completion> out;
  for (const auto& prompt : prompts) {
    std::optional<GenerateTask> task = RecognizeGenerateTask(prompt);
    if (!task) out.push_back(NeedsAModel());
    else out.push_back(Completion{AnswerGenerateTask(*task, max_words), 0, 0});
  }
  return out;
}

Batch<Scored> BuiltinBackend::Choose(std::span<const std::string> prompts, std::span<const std::string> choices) {
  Batch<Scored> out;
  for (const auto& prompt : prompts) {
    if (choices.empty()) {
      out.push_back(Status::InvalidArgument("choose needs at least one choice"));
      continue;
    }
    out.push_back(BuiltinChoose(prompt, choices));
  }
  return out;
}

Batch<Completion> BuiltinBackend::GenerateJson(std::span<const std::string> prompts, const std::string& json_schema,
                                               const Sampling&) {
  Batch<Completion> out;
  auto schema = ParseSchemaArgument(json_schema);
  for (const auto& prompt : prompts) {
    if (!schema.ok()) {
      out.push_back(schema.status());
      continue;
    }
    Result<nlohmann::json> filled = FillFromText(*schema, prompt);
    if (!filled.ok()) out.push_back(filled.status());
    else out.push_back(Completion{filled->dump(), 0, 0});
  }
  return out;
}

Batch<Embedding> BuiltinBackend::Embed(std::span<const std::string> texts) {
  Batch<Embedding> out;
  for (const auto& t : texts) out.push_back(Embedding{LexicalEmbed(t), 0});
  return out;
}

Result<std::vector<double>> BuiltinBackend::Rerank(const std::string& query, std::span<const std::string> docs) {
  const std::vector<float> q = LexicalEmbed(query);
  std::vector<double> scores;
  for (const auto& d : docs) scores.push_back(Cosine(q, LexicalEmbed(d)));
  return scores;
}

}  // namespace custintel::ai
