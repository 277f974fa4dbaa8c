#include "ai/service.h"

#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "ai/json_schema.h"
#include "ai/templates.h"
#include "text/pii.h"
#include "text/sentiment.h"
#include "text/summary.h"
#include "text/themes.h"

namespace custintel::ai {
namespace {

using nlohmann::json;

// A computed answer with the tokens it cost.
template <class T>
struct Out {
  T value;
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

std::string EncodeScored(const Scored& s) {
  return json{{"label", s.label}, {"probability", s.probability}, {"margin", s.margin},
              {"probabilities", s.probabilities}}
      .dump();
}

std::optional<Scored> DecodeScored(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("label")) return std::nullopt;
  Scored s;
  s.label = j["label"].get<std::string>();
  s.probability = j.value("probability", 0.0);
  s.margin = j.value("margin", 0.0);
  if (j.contains("probabilities")) s.probabilities = j["probabilities"].get<std::vector<double>>();
  return s;
}

std::string EncodeFloats(const std::vector<float>& v) { return json(v).dump(); }

std::optional<std::vector<float>> DecodeFloats(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return std::nullopt;
  return j.get<std::vector<float>>();
}

std::optional<std::string> DecodeText(const std::string& text) { return text; }

std::string EncodeStrings(const std::vector<std::string>& v) { return json(v).dump(); }

std::optional<std::vector<std::string>> DecodeStrings(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return std::nullopt;
  return j.get<std::vector<std::string>>();
}

std::optional<double> DecodeDouble(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_number()) return std::nullopt;
  return j.get<double>();
}

// Wraps a backend batch of R into a batch of Out<T> via `map`.
template <class T, class R, class Map>
Batch<Out<T>> MapBatch(Batch<R> in, Map map) {
  Batch<Out<T>> out;
  out.reserve(in.size());
  for (auto& r : in) {
    out.push_back(r.ok() ? map(*r) : Result<Out<T>>(r.status()));
  }
  return out;
}

std::string Trimmed(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n\"");
  size_t e = s.find_last_not_of(" \t\r\n\"");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

nlohmann::json Provenance::ToJson() const {
  return json{{"backend", backend},   {"model", model},
              {"model_sha256", model_sha256}, {"engine_version", engine_version},
              {"template", template_key}, {"cache_key", cache_key}};
}

std::string AiStats::ToString() const {
  return fmt::format("ai: {} backend calls in {} batches, {} cache hits, {} duplicates, {} failures, {} tokens",
                     backend_calls, backend_batches, cache_hits, deduplicated, failures, tokens);
}

AiStats AiStats::Since(const AiStats& b) const {
  return {backend_calls - b.backend_calls, backend_batches - b.backend_batches, cache_hits - b.cache_hits,
          deduplicated - b.deduplicated, failures - b.failures, tokens - b.tokens};
}

struct AiService::Call {
  std::string_view op;
  const PromptTemplate* tmpl;
  std::string constraint;  // schema, choices or instruction: part of the key
  Sampling sampling;
  std::span<const std::string> inputs;
};

AiService::AiService(std::shared_ptr<Backend> backend, std::shared_ptr<Cache> cache, std::shared_ptr<Budget> budget,
                     ServiceOptions options)
    : backend_(std::move(backend)), cache_(std::move(cache)), budget_(std::move(budget)), options_(options) {}

AiService::Call AiService::TextCall(TextTask task, std::span<const std::string> inputs) const {
  switch (task) {
    case TextTask::kSentiment:
      return {"sentiment", &kSentimentTemplate, "", options_.sampling, inputs};
    case TextTask::kSummary: {
      Sampling s = options_.sampling;
      s.max_tokens = std::min(s.max_tokens, 64);
      return {"summary", &kSummaryTemplate, fmt::format("words={}", options_.summary_max_words), s, inputs};
    }
    case TextTask::kThemes:
      break;
  }
  return {"themes", &kThemesTemplate, ThemesSchema(), options_.sampling, inputs};
}

TaskKey AiService::KeyFor(TextTask task, const std::string& text) const {
  Call c = TextCall(task, {});
  return {c.tmpl->Key(), CacheKey(c.op, identity(), c.tmpl->Key(), c.sampling, c.constraint, text)};
}

Result<TaskKey> AiService::JsonKeyFor(const std::string& prompt, const std::string& schema_arg) const {
  CI_ASSIGN_OR_RETURN(json schema, ParseSchemaArgument(schema_arg));
  return TaskKey{kRawTemplate.Key(), CacheKey("json", identity(), kRawTemplate.Key(), options_.sampling, schema.dump(),
                                              prompt)};
}

bool AiService::UseCache() const {
  return cache_ && (!backend_->native_text_tasks() || options_.cache_builtin);
}

template <class T, class Compute, class Encode, class Decode>
Batch<T> AiService::Cached(const Call& call, Compute compute, Encode encode, Decode decode) {
  const size_t n = call.inputs.size();
  std::vector<std::string> keys(n);
  std::unordered_map<std::string, size_t> unique_index;
  std::vector<size_t> unique_of(n), uniques;
  for (size_t i = 0; i < n; ++i) {
    keys[i] = CacheKey(call.op, identity(), call.tmpl->Key(), call.sampling, call.constraint, call.inputs[i]);
    auto [it, inserted] = unique_index.emplace(keys[i], uniques.size());
    if (inserted) uniques.push_back(i);
    else ++deduplicated_;
    unique_of[i] = it->second;
  }
  std::vector<std::optional<Result<T>>> answers(uniques.size());
  if (UseCache()) {
    std::vector<std::string> unique_keys;
    for (size_t row : uniques) unique_keys.push_back(keys[row]);
    auto found = cache_->Lookup(unique_keys);
    std::vector<std::string> hit_keys;
    for (size_t u = 0; u < uniques.size(); ++u) {
      auto it = found.find(unique_keys[u]);
      if (it == found.end()) continue;
      std::optional<T> v = decode(it->second.output);
      if (!v) continue;  // unreadable entry: recompute
      answers[u] = std::move(*v);
      hit_keys.push_back(unique_keys[u]);
    }
    cache_hits_ += static_cast<int64_t>(hit_keys.size());
    cache_->MarkHits(hit_keys);
  }
  std::vector<size_t> misses;
  for (size_t u = 0; u < uniques.size(); ++u) {
    if (!answers[u]) misses.push_back(u);
  }
  const bool free = backend_->native_text_tasks();
  const auto granted = static_cast<size_t>(budget_ && !free ? budget_->Acquire(static_cast<int64_t>(misses.size()))
                                                            : static_cast<int64_t>(misses.size()));
  std::vector<std::string> inputs;
  for (size_t k = 0; k < granted; ++k) inputs.push_back(call.inputs[uniques[misses[k]]]);
  std::vector<CacheRecord> records;
  int64_t tokens = 0;
  if (!inputs.empty()) {
    Batch<Out<T>> got = compute(std::span<const std::string>(inputs));
    ++backend_batches_;
    backend_calls_ += static_cast<int64_t>(inputs.size());
    for (size_t k = 0; k < granted; ++k) {
      const size_t u = misses[k];
      if (k >= got.size() || !got[k].ok()) {
        ++failures_;
        answers[u] = k < got.size() ? got[k].status() : Status::Internal("backend returned too few rows");
        continue;
      }
      tokens += got[k]->prompt_tokens + got[k]->completion_tokens;
      records.push_back({keys[uniques[u]], std::string(call.op), call.tmpl->Key(),
                         {encode(got[k]->value), got[k]->prompt_tokens, got[k]->completion_tokens}});
      answers[u] = std::move(got[k]->value);
    }
    tokens_ += tokens;
    if (budget_ && !free) budget_->Record(static_cast<int64_t>(granted), tokens);
  }
  for (size_t k = granted; k < misses.size(); ++k) {
    answers[misses[k]] = Status::ResourceExhausted("AI budget spent (" + budget_->SpentReason() +
                                                   "); the row is left for the next run");
  }
  if (UseCache()) (void)cache_->Store(records);
  Batch<T> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(*answers[unique_of[i]]);
  return out;
}

Batch<std::string> AiService::Generate(std::span<const std::string> prompts, int max_tokens) {
  Sampling s = options_.sampling;
  if (max_tokens > 0) s.max_tokens = max_tokens;
  auto compute = [&](std::span<const std::string> in) {
    return MapBatch<std::string>(backend_->Generate(in, s), [](const Completion& c) {
      return Out<std::string>{c.text, c.prompt_tokens, c.completion_tokens};
    });
  };
  return Cached<std::string>({"generate", &kRawTemplate, "", s, prompts}, compute,
                             [](const std::string& t) { return t; }, DecodeText);
}

Batch<Scored> AiService::Choose(std::span<const std::string> prompts, std::span<const std::string> choices) {
  if (choices.empty()) {
    return Batch<Scored>(prompts.size(), Status::InvalidArgument("choose needs at least one choice"));
  }
  const std::vector<std::string> list(choices.begin(), choices.end());
  auto compute = [&](std::span<const std::string> in) {
    return MapBatch<Scored>(backend_->Choose(in, choices), [&](const Scored& s) -> Result<Out<Scored>> {
      if (std::find(list.begin(), list.end(), s.label) == list.end()) {
        return Status::Internal("backend chose '" + s.label + "', which is not one of the choices");
      }
      return Out<Scored>{s, s.prompt_tokens, 0};
    });
  };
  return Cached<Scored>({"choose", &kRawTemplate, json(list).dump(), options_.sampling, prompts}, compute,
                        EncodeScored, DecodeScored);
}

Batch<std::string> AiService::GenerateJson(std::span<const std::string> prompts, const std::string& schema_arg) {
  auto schema = ParseSchemaArgument(schema_arg);
  if (!schema.ok()) return Batch<std::string>(prompts.size(), schema.status());
  const std::string schema_text = schema->dump();
  const json& schema_json = *schema;
  auto compute = [&](std::span<const std::string> in) {
    auto got = backend_->GenerateJson(in, schema_text, options_.sampling);
    return MapBatch<std::string>(std::move(got), [&](const Completion& c) -> Result<Out<std::string>> {
      json parsed = json::parse(c.text, nullptr, false);
      if (parsed.is_discarded()) return Status::Internal("the backend's answer is not JSON: " + c.text.substr(0, 80));
      Status valid = ValidateJson(schema_json, parsed);
      if (!valid.ok()) return valid.WithContext("the backend's JSON does not match the schema");
      return Out<std::string>{parsed.dump(), c.prompt_tokens, c.completion_tokens};
    });
  };
  return Cached<std::string>({"json", &kRawTemplate, schema_text, options_.sampling, prompts}, compute,
                             [](const std::string& t) { return t; }, DecodeText);
}

Batch<std::vector<float>> AiService::Embed(std::span<const std::string> texts) {
  auto compute = [&](std::span<const std::string> in) {
    return MapBatch<std::vector<float>>(backend_->Embed(in), [](const Embedding& e) {
      return Out<std::vector<float>>{e.vector, e.tokens, 0};
    });
  };
  return Cached<std::vector<float>>({"embed", &kRawTemplate, "", options_.sampling, texts}, compute, EncodeFloats,
                                    DecodeFloats);
}

Result<std::vector<double>> AiService::Rerank(const std::string& query, std::span<const std::string> docs) {
  ++backend_batches_;
  backend_calls_ += static_cast<int64_t>(docs.size());
  return backend_->Rerank(query, docs);
}

Batch<double> AiService::Sentiment(std::span<const std::string> texts) {
  auto compute = [&](std::span<const std::string> in) -> Batch<Out<double>> {
    if (backend_->native_text_tasks()) {
      static const text::SentimentAnalyzer analyzer;
      Batch<Out<double>> out;
      for (const auto& t : in) out.push_back(Out<double>{analyzer.Analyze(t).compound});
      return out;
    }
    std::vector<std::string> prompts;
    for (const auto& t : in) prompts.push_back(kSentimentTemplate.Render(t));
    return MapBatch<double>(backend_->Choose(prompts, SentimentChoices()), [](const Scored& s) {
      double score = 0;
      const auto& labels = SentimentChoices();
      for (size_t i = 0; i < s.probabilities.size() && i < labels.size(); ++i) {
        score += s.probabilities[i] * SentimentChoiceScore(i);
      }
      if (s.probabilities.empty()) {
        auto it = std::find(labels.begin(), labels.end(), s.label);
        score = SentimentChoiceScore(static_cast<size_t>(it - labels.begin()));
      }
      return Out<double>{score, s.prompt_tokens, 0};
    });
  };
  return Cached<double>(TextCall(TextTask::kSentiment, texts), compute, [](double d) { return json(d).dump(); },
                        DecodeDouble);
}

Batch<std::string> AiService::Summarize(std::span<const std::string> texts) {
  const Call call = TextCall(TextTask::kSummary, texts);
  const Sampling& s = call.sampling;
  auto compute = [&](std::span<const std::string> in) -> Batch<Out<std::string>> {
    if (backend_->native_text_tasks()) {
      Batch<Out<std::string>> out;
      text::SummaryOptions o;
      o.max_words = static_cast<size_t>(options_.summary_max_words);
      for (const auto& t : in) out.push_back(Out<std::string>{text::Summarize(t, o)});
      return out;
    }
    std::vector<std::string> prompts;
    for (const auto& t : in) prompts.push_back(kSummaryTemplate.Render(t));
    return MapBatch<std::string>(backend_->Generate(prompts, s), [](const Completion& c) {
      return Out<std::string>{Trimmed(c.text), c.prompt_tokens, c.completion_tokens};
    });
  };
  return Cached<std::string>(call, compute, [](const std::string& t) { return t; }, DecodeText);
}

Batch<std::vector<std::string>> AiService::Themes(std::span<const std::string> texts) {
  auto compute = [&](std::span<const std::string> in) -> Batch<Out<std::vector<std::string>>> {
    if (backend_->native_text_tasks()) {
      static const text::ThemeExtractor extractor;
      Batch<Out<std::vector<std::string>>> out;
      for (const auto& t : in) {
        std::vector<std::string> ids;
        for (const auto& th : extractor.Extract(t).themes) ids.push_back(th.id);
        out.push_back(Out<std::vector<std::string>>{std::move(ids)});
      }
      return out;
    }
    std::vector<std::string> prompts;
    for (const auto& t : in) prompts.push_back(kThemesTemplate.Render(t));
    auto got = backend_->GenerateJson(prompts, ThemesSchema(), options_.sampling);
    return MapBatch<std::vector<std::string>>(std::move(got), [](const Completion& c)
                                                  -> Result<Out<std::vector<std::string>>> {
      json j = json::parse(c.text, nullptr, false);
      if (!j.is_object() || !j.contains("themes") || !j["themes"].is_array()) {
        return Status::Internal("the backend's themes answer is not {\"themes\": [...]}");
      }
      std::vector<std::string> themes;
      for (const auto& t : j["themes"]) if (t.is_string()) themes.push_back(t.get<std::string>());
      return Out<std::vector<std::string>>{themes, c.prompt_tokens, c.completion_tokens};
    });
  };
  return Cached<std::vector<std::string>>(TextCall(TextTask::kThemes, texts), compute, EncodeStrings, DecodeStrings);
}

std::vector<std::string> AiService::Mask(std::span<const std::string> texts) {
  std::vector<std::string> out;
  out.reserve(texts.size());
  for (const auto& t : texts) out.push_back(text::MaskPii(t).text);
  return out;
}

Result<std::string> AiService::Aggregate(std::span<const std::string> texts, const std::string& instruction) {
  if (texts.empty()) return Status::InvalidArgument("ai_agg: no texts to summarise");
  std::vector<std::string> level(texts.begin(), texts.end());
  const size_t fan_in = std::max<size_t>(options_.agg_fan_in, 2);
  const size_t per_text = std::max<size_t>(options_.agg_max_chars / fan_in, 64);
  Sampling s = options_.sampling;
  s.max_tokens = std::min(s.max_tokens, 128);
  // Each level at least halves the count (fan-in >= 2), so the loop ends after log2(n) levels.
  for (int depth = 0; depth < 64; ++depth) {
    std::vector<std::string> nodes;
    for (size_t i = 0; i < level.size(); i += fan_in) {
      std::string node;
      for (size_t k = i; k < std::min(level.size(), i + fan_in); ++k) {
        node += fmt::format("{}{}. {}", node.empty() ? "" : "\n", k - i + 1, level[k].substr(0, per_text));
      }
      nodes.push_back(std::move(node));
    }
    auto compute = [&](std::span<const std::string> in) -> Batch<Out<std::string>> {
      if (backend_->native_text_tasks()) {
        Batch<Out<std::string>> out;
        text::SummaryOptions o;
        o.max_words = 60;
        for (const auto& t : in) out.push_back(Out<std::string>{text::Summarize(t, o)});
        return out;
      }
      std::vector<std::string> prompts;
      for (const auto& t : in) prompts.push_back(kAggregateTemplate.Render(t, instruction));
      return MapBatch<std::string>(backend_->Generate(prompts, s), [](const Completion& c) {
        return Out<std::string>{Trimmed(c.text), c.prompt_tokens, c.completion_tokens};
      });
    };
    Batch<std::string> done = Cached<std::string>({"agg", &kAggregateTemplate, instruction, s, nodes}, compute,
                                                  [](const std::string& t) { return t; }, DecodeText);
    level.clear();
    for (auto& r : done) {
      if (!r.ok()) return r.status();
      level.push_back(std::move(*r));
    }
    if (level.size() == 1) return level[0];
  }
  return Status::Internal("ai_agg: the summary tree did not converge");
}

Provenance AiService::ProvenanceFor(const std::string& template_key, const std::string& cache_key) const {
  const ModelIdentity& id = identity();
  return {id.backend, id.model, id.model_sha256, id.engine_version, template_key, cache_key};
}

AiStats AiService::stats() const {
  return {backend_calls_.load(), backend_batches_.load(), cache_hits_.load(), deduplicated_.load(), failures_.load(),
          tokens_.load()};
}

}  // namespace custintel::ai
