#include "ai/llama/llama_backend.h"

#include <filesystem>
#include <iterator>

namespace custintel::ai {
namespace {

// Runs `batch` over all inputs; when the batch fails as a whole, runs each input alone so the
// failure lands on the rows that cause it.
template <class T, class Fn>
Batch<T> RowAligned(std::span<const std::string> inputs, Fn batch) {
  auto all = batch(inputs);
  Batch<T> out;
  if (all.ok() && all->size() == inputs.size()) {
    for (auto& v : *all) out.push_back(std::move(v));
    return out;
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto one = batch(inputs.subspan(i, 1));
    if (!one.ok()) out.push_back(one.status());
    else if (one->size() != 1) out.push_back(Status::Internal("llama batch returned no row"));
    else out.push_back(std::move((*one)[0]));
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<LlamaBackend>> LlamaBackend::Open(const std::string& path, const LlamaOptions& options) {
  CI_ASSIGN_OR_RETURN(auto model, LlamaModel::Load(path, options));
  return std::unique_ptr<LlamaBackend>(new LlamaBackend(std::move(model)));
}

LlamaBackend::LlamaBackend(std::shared_ptr<LlamaModel> model) : model_(std::move(model)) {
  identity_.backend = "llama";
  identity_.model = std::filesystem::path(model_->path()).filename().string();
  identity_.model_sha256 = model_->file_sha256();
  identity_.engine_version = LlamaModel::LlamaCppVersion() + " template=" + model_->chat_template_id();
}

int LlamaBackend::CountTokens(const std::string& text) const {
  auto t = model_->Tokenize(text);
  return t.ok() ? static_cast<int>(t->size()) : 0;
}

// Row-aligned texts as completions with their token counts; a failed row keeps its error.
Batch<Completion> LlamaBackend::ToCompletions(std::span<const std::string> prompts,
                                              const Batch<std::string>& texts) const {
  Batch<Completion> out;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (!texts[i].ok()) {
      out.push_back(texts[i].status());
      continue;
    }
    out.push_back(Completion{ToValidUtf8(*texts[i]), CountTokens(prompts[i]), CountTokens(*texts[i])});
  }
  return out;
}

Batch<Completion> LlamaBackend::Generate(std::span<const std::string> prompts, const Sampling& sampling) {
  GenerateOptions o;
  o.max_tokens = sampling.max_tokens;
  auto texts = RowAligned<std::string>(prompts, [&](std::span<const std::string> in) {
    return model_->GenerateBatch(in, o);
  });
  return ToCompletions(prompts, texts);
}

Batch<Scored> LlamaBackend::ToScored(std::span<const std::string> prompts, Batch<Choice>& got) const {
  Batch<Scored> out;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!got[i].ok()) {
      out.push_back(got[i].status());
      continue;
    }
    out.push_back(Scored{std::move(got[i]->label), got[i]->probability, got[i]->margin,
                         std::move(got[i]->probabilities), CountTokens(prompts[i])});
  }
  return out;
}

Batch<Scored> LlamaBackend::Choose(std::span<const std::string> prompts, std::span<const std::string> choices) {
  auto got = RowAligned<Choice>(prompts, [&](std::span<const std::string> in) {
    return model_->ChooseBatch(in, choices);
  });
  return ToScored(prompts, got);
}

std::vector<MixedAnswers> LlamaBackend::RunMixed(std::span<const MixedRequest> requests) {
  std::vector<MixedPart> parts;
  for (const MixedRequest& r : requests) {
    MixedPart p;
    p.prompts = r.prompts;
    p.max_tokens = r.sampling.max_tokens;
    if (r.kind == MixedRequest::Kind::kChoose) {
      p.kind = MixedPart::Kind::kChoose;
      p.choices = r.choices;
    } else if (r.kind == MixedRequest::Kind::kJson) {
      p.kind = MixedPart::Kind::kJson;
      p.json_schema = r.json_schema;
    }
    parts.push_back(p);
  }
  auto mixed = model_->MixedBatch(parts);
  if (!mixed.ok()) return Backend::RunMixed(requests);  // each request alone, row by row if need be
  std::vector<MixedAnswers> out;
  for (size_t i = 0; i < requests.size(); ++i) {
    const MixedRequest& r = requests[i];
    Result<MixedOutput>& got = (*mixed)[i];
    if (!got.ok()) {
      out.push_back(RunOne(r));
      continue;
    }
    MixedAnswers a;
    if (r.kind == MixedRequest::Kind::kChoose) {
      Batch<Choice> choices(std::make_move_iterator(got->choices.begin()), std::make_move_iterator(got->choices.end()));
      a.scored = ToScored(r.prompts, choices);
    } else {
      Batch<std::string> texts(std::make_move_iterator(got->texts.begin()), std::make_move_iterator(got->texts.end()));
      a.completions = ToCompletions(r.prompts, texts);
    }
    out.push_back(std::move(a));
  }
  return out;
}

Batch<Completion> LlamaBackend::GenerateJson(std::span<const std::string> prompts, const std::string& json_schema,
                                             const Sampling& sampling) {
  auto texts = RowAligned<std::string>(prompts, [&](std::span<const std::string> in) {
    return model_->GenerateJsonBatch(in, json_schema, sampling.max_tokens);
  });
  return ToCompletions(prompts, texts);
}

Batch<Embedding> LlamaBackend::Embed(std::span<const std::string> texts) {
  auto got = RowAligned<std::vector<float>>(texts, [&](std::span<const std::string> in) {
    return model_->EmbedBatch(in);
  });
  Batch<Embedding> out;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!got[i].ok()) out.push_back(got[i].status());
    else out.push_back(Embedding{std::move(*got[i]), CountTokens(texts[i])});
  }
  return out;
}

Result<std::vector<double>> LlamaBackend::Rerank(const std::string& query, std::span<const std::string> docs) {
  CI_ASSIGN_OR_RETURN(std::vector<float> scores, model_->Rerank(query, docs));
  return std::vector<double>(scores.begin(), scores.end());
}

}  // namespace custintel::ai
