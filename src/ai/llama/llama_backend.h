// LlamaBackend: the Backend interface over an in-process GGUF model (ai/llama_backend.h).
//
// Adds what the interface promises on top of LlamaModel's batch calls: one Result per row (a
// batch that fails as a whole is retried row by row, so one oversized prompt fails alone),
// token counts for budgets, and the model's identity (file sha256, llama.cpp version, chat
// template) for cache keys and provenance. The model is loaded once per process and shared.
//
// Thread safety: as LlamaModel: calls may come from any thread and run one at a time.
#pragma once

#include <memory>
#include <string>

#include "ai/backend.h"
#include "ai/llama/llama_model.h"

namespace custintel::ai {

class LlamaBackend final : public Backend {
 public:
  static Result<std::unique_ptr<LlamaBackend>> Open(const std::string& path, const LlamaOptions& options);

  const ModelIdentity& identity() const override { return identity_; }
  Batch<Completion> Generate(std::span<const std::string> prompts, const Sampling& sampling) override;
  Batch<Scored> Choose(std::span<const std::string> prompts, std::span<const std::string> choices) override;
  Batch<Completion> GenerateJson(std::span<const std::string> prompts, const std::string& json_schema,
                                 const Sampling& sampling) override;
  Batch<Embedding> Embed(std::span<const std::string> texts) override;
  Result<std::vector<double>> Rerank(const std::string& query, std::span<const std::string> docs) override;
  // Every request's rows in one LlamaModel::MixedBatch; a request that fails there (and all of
  // them when the batch fails as a whole) is run again on its own, row by row if need be.
  std::vector<MixedAnswers> RunMixed(std::span<const MixedRequest> requests) override;
  void SetAbortCheck(bool (*check)(void* data), void* data) override { model_->SetAbortCheck(check, data); }

  LlamaModel& model() { return *model_; }

 private:
  explicit LlamaBackend(std::shared_ptr<LlamaModel> model);
  int CountTokens(const std::string& text) const;
  Batch<Completion> ToCompletions(std::span<const std::string> prompts, const Batch<std::string>& texts) const;
  Batch<Scored> ToScored(std::span<const std::string> prompts, Batch<Choice>& choices) const;

  std::shared_ptr<LlamaModel> model_;
  ModelIdentity identity_;
};

}  // namespace custintel::ai
