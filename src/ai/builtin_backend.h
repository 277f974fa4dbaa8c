// The builtin backend: no model, no network. Answers from the text engine (src/text) and
// lexical embeddings; the deterministic test double of the AI layer (STYLE.md).
//
// - Generate: refuses with a "needs a model" error (it writes no free-form text).
// - Choose: lexical rule, see ChooseLexically below.
// - GenerateJson: fills the schema from the text's analysis: ticket triage fields (urgency,
//   sentiment, root_cause, suggested_resolution, follow_up_needed, tags), score, label,
//   summary, themes, keyphrases; other properties get neutral values. Always schema-valid.
// - Embed / Rerank: hashed lexical embeddings (ai/lexical_embed.h) and their cosine.
//
// Thread safety: stateless after construction; call from any thread.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ai/backend.h"

namespace custintel::ai {

class BuiltinBackend final : public Backend {
 public:
  BuiltinBackend();
  const ModelIdentity& identity() const override { return identity_; }
  Batch<Completion> Generate(std::span<const std::string> prompts, const Sampling& sampling) override;
  Batch<Scored> Choose(std::span<const std::string> prompts, std::span<const std::string> choices) override;
  Batch<Completion> GenerateJson(std::span<const std::string> prompts, const std::string& json_schema,
                                 const Sampling& sampling) override;
  Batch<Embedding> Embed(std::span<const std::string> texts) override;
  Result<std::vector<double>> Rerank(const std::string& query, std::span<const std::string> docs) override;
  bool native_text_tasks() const override { return true; }

 private:
  ModelIdentity identity_;
};

std::unique_ptr<Backend> MakeBuiltinBackend();

// The builtin choice rule. Each choice scores
//   cosine(lexical embedding of prompt, of choice) + 0.5 * valence(choice) * sentiment(prompt)
// where valence(choice) is the sentiment of the choice's own words (so "positive" suits a
// happy text). Probabilities are a softmax of the scores at temperature 0.1; ties go to the
// earlier choice. REQUIRES: !choices.empty().
Scored ChooseLexically(std::string_view prompt, std::span<const std::string> choices);

// Everything the text engine knows about `text`, as facts for FillSchema.
nlohmann::json TextFacts(std::string_view text);

}  // namespace custintel::ai
