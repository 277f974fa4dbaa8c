// MaskingBackend: a Backend that never hands raw PII to the backend it wraps. Every prompt,
// text, query and document is masked by the text engine (text/pii.h: emails, phones, cards,
// IBANs ... become [EMAIL_1] ...) before the call, and the placeholders in generated text and in
// every string of a JSON answer are put back after it, so callers see their own values and the
// model (an http server, a llama context) sees none.
//
//   auto safe = std::make_shared<MaskingBackend>(MakeHttpBackend(...));
//
// Choose labels and embeddings come back as the model gives them (of the masked text). The
// builtin text engine needs no wrapper: it never leaves the process.
//
// Thread safety: as the wrapped backend.
#pragma once

#include <memory>

#include "ai/backend.h"

namespace custintel::ai {

class MaskingBackend final : public Backend {
 public:
  explicit MaskingBackend(std::shared_ptr<Backend> inner) : inner_(std::move(inner)) {}
  const ModelIdentity& identity() const override { return inner_->identity(); }
  Batch<Completion> Generate(std::span<const std::string> prompts, const Sampling& sampling) override;
  Batch<Scored> Choose(std::span<const std::string> prompts, std::span<const std::string> choices) override;
  Batch<Completion> GenerateJson(std::span<const std::string> prompts, const std::string& json_schema,
                                 const Sampling& sampling) override;
  Batch<Embedding> Embed(std::span<const std::string> texts) override;
  Result<std::vector<double>> Rerank(const std::string& query, std::span<const std::string> docs) override;
  std::vector<MixedAnswers> RunMixed(std::span<const MixedRequest> requests) override;
  bool native_text_tasks() const override { return inner_->native_text_tasks(); }

 private:
  std::shared_ptr<Backend> inner_;
};

}  // namespace custintel::ai
