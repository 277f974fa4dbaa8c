// The builtin backend: no model, no network. Answers from the text engine (src/text) and
// lexical embeddings; the deterministic test double of the AI layer (STYLE.md).
//
// - Generate: answers the analysis tasks a prompt asks for (a summary, themes, key phrases of a
//   given text; ai/builtin_generate.h) and refuses open-ended writing with a "needs a model" error.
// - Choose: scales the engine measures, zero-shot otherwise (ai/builtin_choose.h).
// - GenerateJson: fills each property the text engine knows by name and type (ai/builtin_json.h);
//   a required property it cannot fill is an error naming it, never a placeholder.
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

}  // namespace custintel::ai
