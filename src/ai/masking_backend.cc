#include "ai/masking_backend.h"

#include <nlohmann/json.hpp>

#include "text/pii.h"

namespace custintel::ai {
namespace {

using nlohmann::json;

struct Masked {
  std::vector<std::string> texts;
  std::vector<text::PiiMasked> each;
};

Masked MaskAll(std::span<const std::string> in) {
  Masked m;
  for (const auto& t : in) {
    m.each.push_back(text::MaskPii(t));
    m.texts.push_back(m.each.back().text);
  }
  return m;
}

void UnmaskStrings(json& j, const std::vector<text::PiiReplacement>& mapping) {
  if (j.is_string()) {
    j = text::Unmask(j.get<std::string>(), mapping);
  } else if (j.is_array() || j.is_object()) {
    for (auto& v : j) UnmaskStrings(v, mapping);
  }
}

void UnmaskTexts(Batch<Completion>& out, const Masked& m) {
  for (size_t i = 0; i < out.size() && i < m.each.size(); ++i) {
    if (out[i].ok()) out[i]->text = text::Unmask(out[i]->text, m.each[i].mapping);
  }
}

void UnmaskJson(Batch<Completion>& out, const Masked& m) {
  for (size_t i = 0; i < out.size() && i < m.each.size(); ++i) {
    if (!out[i].ok() || m.each[i].mapping.empty()) continue;
    // Values go back into the JSON's strings, not its text: a value with a quote stays JSON.
    json j = json::parse(out[i]->text, nullptr, false);
    if (j.is_discarded()) continue;  // the service reports non-JSON answers
    UnmaskStrings(j, m.each[i].mapping);
    out[i]->text = j.dump();
  }
}

}  // namespace

Batch<Completion> MaskingBackend::Generate(std::span<const std::string> prompts, const Sampling& sampling) {
  Masked m = MaskAll(prompts);
  Batch<Completion> out = inner_->Generate(m.texts, sampling);
  UnmaskTexts(out, m);
  return out;
}

Batch<Scored> MaskingBackend::Choose(std::span<const std::string> prompts, std::span<const std::string> choices) {
  return inner_->Choose(MaskAll(prompts).texts, choices);
}

Batch<Completion> MaskingBackend::GenerateJson(std::span<const std::string> prompts, const std::string& json_schema,
                                               const Sampling& sampling) {
  Masked m = MaskAll(prompts);
  Batch<Completion> out = inner_->GenerateJson(m.texts, json_schema, sampling);
  UnmaskJson(out, m);
  return out;
}

std::vector<MixedAnswers> MaskingBackend::RunMixed(std::span<const MixedRequest> requests) {
  std::vector<Masked> masked;
  std::vector<MixedRequest> inner_requests(requests.begin(), requests.end());
  for (MixedRequest& r : inner_requests) {
    masked.push_back(MaskAll(r.prompts));
    r.prompts = masked.back().texts;
  }
  std::vector<MixedAnswers> out = inner_->RunMixed(inner_requests);
  for (size_t i = 0; i < out.size() && i < requests.size(); ++i) {
    if (requests[i].kind == MixedRequest::Kind::kGenerate) UnmaskTexts(out[i].completions, masked[i]);
    if (requests[i].kind == MixedRequest::Kind::kJson) UnmaskJson(out[i].completions, masked[i]);
  }
  return out;
}

Batch<Embedding> MaskingBackend::Embed(std::span<const std::string> texts) {
  return inner_->Embed(MaskAll(texts).texts);
}

Result<std::vector<double>> MaskingBackend::Rerank(const std::string& query, std::span<const std::string> docs) {
  return inner_->Rerank(text::MaskPii(query).text, MaskAll(docs).texts);
}

}  // namespace custintel::ai
