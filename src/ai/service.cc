#include "ai/service.h"

#include <functional>
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

json ScoredJson(const Scored& s) {
  return json{{"label", s.label}, {"probability", s.probability}, {"margin", s.margin},
              {"probabilities", s.probabilities}};
}

std::string EncodeScored(const Scored& s) { return ScoredJson(s).dump(); }

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

// What each operation makes of a backend answer: one place, shared by the single calls and
// RunTogether.
Out<std::string> GenerateAnswer(const Completion& c) { return {c.text, c.prompt_tokens, c.completion_tokens}; }

Result<Out<Scored>> ChooseAnswer(const Scored& s, const std::vector<std::string>& list) {
  if (std::find(list.begin(), list.end(), s.label) == list.end()) {
    return Status::Internal("backend chose '" + s.label + "', which is not one of the choices");
  }
  return Out<Scored>{s, s.prompt_tokens, 0};
}

Result<Out<std::string>> JsonAnswer(const Completion& c, const json& schema) {
  json parsed = json::parse(c.text, nullptr, false);
  if (parsed.is_discarded()) return Status::Internal("the backend's answer is not JSON: " + c.text.substr(0, 80));
  Status valid = ValidateJson(schema, parsed);
  if (!valid.ok()) return valid.WithContext("the backend's JSON does not match the schema");
  return Out<std::string>{parsed.dump(), c.prompt_tokens, c.completion_tokens};
}

Out<double> SentimentAnswer(const Scored& s) {
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
}

Out<std::string> SummaryAnswer(const Completion& c) {
  return Out<std::string>{Trimmed(c.text), c.prompt_tokens, c.completion_tokens};
}

Result<Out<std::vector<std::string>>> ThemesAnswer(const Completion& c) {
  json j = json::parse(c.text, nullptr, false);
  if (!j.is_object() || !j.contains("themes") || !j["themes"].is_array()) {
    return Status::Internal("the backend's themes answer is not {\"themes\": [...]}");
  }
  std::vector<std::string> themes;
  for (const auto& t : j["themes"]) if (t.is_string()) themes.push_back(t.get<std::string>());
  return Out<std::vector<std::string>>{themes, c.prompt_tokens, c.completion_tokens};
}

// An answer as RunTogether hands it out.
template <class T, class ToJson>
Result<Out<json>> AsJson(Result<Out<T>> r, ToJson to_json) {
  if (!r.ok()) return r.status();
  return Out<json>{to_json(r->value), r->prompt_tokens, r->completion_tokens};
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

AiService::Call AiService::TextCall(TextTask task, std::span<const std::string> inputs,
                                    const Sampling& sampling) const {
  switch (task) {
    case TextTask::kSentiment:
      return {"sentiment", &kSentimentTemplate, "", sampling, inputs};
    case TextTask::kSummary: {
      Sampling s = sampling;
      s.max_tokens = std::min(s.max_tokens, 64);
      return {"summary", &kSummaryTemplate, fmt::format("words={}", options_.summary_max_words), s, inputs};
    }
    case TextTask::kThemes:
      break;
  }
  return {"themes", &kThemesTemplate, ThemesSchema(), sampling, inputs};
}

TaskKey AiService::KeyFor(TextTask task, const std::string& text) const {
  Call c = TextCall(task, {}, options_.sampling);
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

template <class T>
struct AiService::Pending {
  std::vector<std::string> keys;
  std::vector<size_t> unique_of, uniques, misses;
  std::vector<std::optional<Result<T>>> answers;  // per unique input
  size_t granted = 0;                             // misses the budget covers
  std::vector<std::string> inputs;                // those misses: what the backend computes
};

template <class T, class Decode>
AiService::Pending<T> AiService::Prepare(const Call& call, Decode decode) {
  Pending<T> p;
  const size_t n = call.inputs.size();
  p.keys.resize(n);
  p.unique_of.resize(n);
  std::unordered_map<std::string, size_t> unique_index;
  for (size_t i = 0; i < n; ++i) {
    p.keys[i] = CacheKey(call.op, identity(), call.tmpl->Key(), call.sampling, call.constraint, call.inputs[i]);
    auto [it, inserted] = unique_index.emplace(p.keys[i], p.uniques.size());
    if (inserted) p.uniques.push_back(i);
    else ++deduplicated_;
    p.unique_of[i] = it->second;
  }
  p.answers.resize(p.uniques.size());
  if (UseCache()) {
    std::vector<std::string> unique_keys;
    for (size_t row : p.uniques) unique_keys.push_back(p.keys[row]);
    auto found = cache_->Lookup(unique_keys);
    std::vector<std::string> hit_keys;
    for (size_t u = 0; u < p.uniques.size(); ++u) {
      auto it = found.find(unique_keys[u]);
      if (it == found.end()) continue;
      std::optional<T> v = decode(it->second.output);
      if (!v) continue;  // unreadable entry: recompute
      p.answers[u] = std::move(*v);
      hit_keys.push_back(unique_keys[u]);
    }
    cache_hits_ += static_cast<int64_t>(hit_keys.size());
    cache_->MarkHits(hit_keys);
  }
  for (size_t u = 0; u < p.uniques.size(); ++u) {
    if (!p.answers[u]) p.misses.push_back(u);
  }
  const bool free = backend_->native_text_tasks();
  p.granted = static_cast<size_t>(budget_ && !free ? budget_->Acquire(static_cast<int64_t>(p.misses.size()))
                                                   : static_cast<int64_t>(p.misses.size()));
  for (size_t k = 0; k < p.granted; ++k) p.inputs.push_back(call.inputs[p.uniques[p.misses[k]]]);
  return p;
}

template <class T, class Got, class Encode>
Batch<T> AiService::Finish(const Call& call, Pending<T>& p, Got got, Encode encode) {
  std::vector<CacheRecord> records;
  const bool free = backend_->native_text_tasks();
  if (!p.inputs.empty()) {
    int64_t tokens = 0;
    backend_calls_ += static_cast<int64_t>(p.inputs.size());
    for (size_t k = 0; k < p.granted; ++k) {
      const size_t u = p.misses[k];
      if (k >= got.size() || !got[k].ok()) {
        ++failures_;
        p.answers[u] = k < got.size() ? got[k].status() : Status::Internal("backend returned too few rows");
        continue;
      }
      tokens += got[k]->prompt_tokens + got[k]->completion_tokens;
      records.push_back({p.keys[p.uniques[u]], std::string(call.op), call.tmpl->Key(),
                         {encode(got[k]->value), got[k]->prompt_tokens, got[k]->completion_tokens}});
      p.answers[u] = std::move(got[k]->value);
    }
    tokens_ += tokens;
    if (budget_ && !free) budget_->Record(static_cast<int64_t>(p.granted), tokens);
  }
  for (size_t k = p.granted; k < p.misses.size(); ++k) {
    p.answers[p.misses[k]] = Status::ResourceExhausted("AI budget spent (" + budget_->SpentReason() +
                                                       "); the row is left for the next run");
  }
  if (UseCache()) (void)cache_->Store(records);
  Batch<T> out;
  out.reserve(call.inputs.size());
  for (size_t i = 0; i < call.inputs.size(); ++i) out.push_back(*p.answers[p.unique_of[i]]);
  return out;
}

template <class T, class Compute, class Encode, class Decode>
Batch<T> AiService::Cached(const Call& call, Compute compute, Encode encode, Decode decode) {
  Pending<T> p = Prepare<T>(call, decode);
  decltype(compute(std::span<const std::string>())) got;
  if (!p.inputs.empty()) {
    got = compute(std::span<const std::string>(p.inputs));
    ++backend_batches_;
  }
  return Finish(call, p, std::move(got), encode);
}

Batch<std::string> AiService::Generate(std::span<const std::string> prompts, int max_tokens) {
  Sampling s = options_.sampling;
  if (max_tokens > 0) s.max_tokens = max_tokens;
  auto compute = [&](std::span<const std::string> in) {
    return MapBatch<std::string>(backend_->Generate(in, s), GenerateAnswer);
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
    return MapBatch<Scored>(backend_->Choose(in, choices), [&](const Scored& s) { return ChooseAnswer(s, list); });
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
    return MapBatch<std::string>(std::move(got), [&](const Completion& c) { return JsonAnswer(c, schema_json); });
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
    return MapBatch<double>(backend_->Choose(prompts, SentimentChoices()), SentimentAnswer);
  };
  return Cached<double>(TextCall(TextTask::kSentiment, texts, options_.sampling), compute, [](double d) { return json(d).dump(); },
                        DecodeDouble);
}

Batch<std::string> AiService::Summarize(std::span<const std::string> texts) {
  const Call call = TextCall(TextTask::kSummary, texts, options_.sampling);
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
    return MapBatch<std::string>(backend_->Generate(prompts, s), SummaryAnswer);
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
    return MapBatch<std::vector<std::string>>(std::move(got), ThemesAnswer);
  };
  return Cached<std::vector<std::string>>(TextCall(TextTask::kThemes, texts, options_.sampling), compute, EncodeStrings, DecodeStrings);
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

template <class T, class ToJson>
Batch<json> JsonBatch(Batch<T> in, ToJson to_json) {
  Batch<json> out;
  out.reserve(in.size());
  for (auto& r : in) {
    if (r.ok()) out.push_back(to_json(*r));
    else out.push_back(r.status());
  }
  return out;
}

Batch<json> AiService::RunAlone(const OpBatch& op) {
  const auto as_string = [](const std::string& t) { return json(t); };
  switch (op.kind) {
    case OpBatch::Kind::kGenerate:
      return JsonBatch(Generate(op.inputs, op.max_tokens), as_string);
    case OpBatch::Kind::kChoose:
      return JsonBatch(Choose(op.inputs, op.choices), ScoredJson);
    case OpBatch::Kind::kJson:
      return JsonBatch(GenerateJson(op.inputs, op.schema), as_string);
    case OpBatch::Kind::kSentiment:
      return JsonBatch(Sentiment(op.inputs), [](double d) { return json(d); });
    case OpBatch::Kind::kSummarize:
      return JsonBatch(Summarize(op.inputs), as_string);
    case OpBatch::Kind::kThemes:
      return JsonBatch(Themes(op.inputs), [](const std::vector<std::string>& v) { return json(v); });
  }
  return Batch<json>(op.inputs.size(), Status::InvalidArgument("unknown operation"));
}

std::vector<Batch<json>> AiService::RunTogether(std::span<const OpBatch> ops) {
  std::vector<Batch<json>> out(ops.size());
  // Only an op that sets max_tokens needs a sampling other than the service's (RunAlone's
  // calls read options_), and the text engine computes at once: nothing to batch.
  const bool alone = backend_->native_text_tasks() || ops.size() == 1;
  if (alone) {
    for (size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].max_tokens <= 0 || ops[i].kind == OpBatch::Kind::kGenerate) {
        out[i] = RunAlone(ops[i]);
        continue;
      }
      ServiceOptions o = options_;
      o.sampling.max_tokens = ops[i].max_tokens;
      AiService same(backend_, cache_, budget_, o);
      out[i] = same.RunAlone(ops[i]);
      AiStats add = same.stats();
      backend_calls_ += add.backend_calls;
      backend_batches_ += add.backend_batches;
      cache_hits_ += add.cache_hits;
      deduplicated_ += add.deduplicated;
      failures_ += add.failures;
      tokens_ += add.tokens;
    }
    return out;
  }
  // Each op: its call (cache keys as its own call), the backend request for its misses, and
  // what its answers become. Values are JSON (the cache text of each op is what its own call
  // stores, so both share entries).
  struct Stage {
    Call call;
    std::vector<std::string> list;  // choose: the choices
    json schema;                    // json: the parsed schema
    std::function<std::optional<json>(const std::string&)> decode;
    std::function<std::string(const json&)> encode;
    std::function<Result<Out<json>>(MixedAnswers&, size_t)> answer;
    std::optional<Pending<json>> pending;
    int request = -1;  // index into requests
  };
  const auto text_decode = [](const std::string& t) -> std::optional<json> { return json(t); };
  const auto text_encode = [](const json& j) { return j.get<std::string>(); };
  const auto dump = [](const json& j) { return j.dump(); };
  const auto completion = [](MixedAnswers& a, size_t k) -> Result<Completion> {
    if (k >= a.completions.size()) return Status::Internal("backend returned too few rows");
    return a.completions[k];
  };
  const auto scored = [](MixedAnswers& a, size_t k) -> Result<Scored> {
    if (k >= a.scored.size()) return Status::Internal("backend returned too few rows");
    return a.scored[k];
  };
  std::vector<Stage> stages(ops.size());
  std::vector<MixedRequest> requests;
  for (size_t i = 0; i < ops.size(); ++i) {
    const OpBatch& op = ops[i];
    Stage& st = stages[i];
    Sampling s = options_.sampling;
    if (op.max_tokens > 0) s.max_tokens = op.max_tokens;
    MixedRequest req;
    req.sampling = s;
    std::function<std::string(const std::string&)> render = [](const std::string& t) { return t; };
    switch (op.kind) {
      case OpBatch::Kind::kGenerate:
        st.call = {"generate", &kRawTemplate, "", s, op.inputs};
        st.decode = text_decode;
        st.encode = text_encode;
        st.answer = [&](MixedAnswers& a, size_t k) {
          auto c = completion(a, k);
          if (!c.ok()) return Result<Out<json>>(c.status());
          return AsJson(Result<Out<std::string>>(GenerateAnswer(*c)), [](const std::string& t) { return json(t); });
        };
        break;
      case OpBatch::Kind::kChoose:
        if (op.choices.empty()) {
          out[i] = Batch<json>(op.inputs.size(), Status::InvalidArgument("choose needs at least one choice"));
          continue;
        }
        st.list = op.choices;
        st.call = {"choose", &kRawTemplate, json(st.list).dump(), s, op.inputs};
        st.decode = [](const std::string& t) -> std::optional<json> {
          auto sc = DecodeScored(t);
          if (!sc) return std::nullopt;
          return ScoredJson(*sc);
        };
        st.encode = dump;
        req.kind = MixedRequest::Kind::kChoose;
        req.choices = op.choices;
        st.answer = [&st, scored](MixedAnswers& a, size_t k) {
          auto c = scored(a, k);
          if (!c.ok()) return Result<Out<json>>(c.status());
          return AsJson(ChooseAnswer(*c, st.list), ScoredJson);
        };
        break;
      case OpBatch::Kind::kJson: {
        auto schema = ParseSchemaArgument(op.schema);
        if (!schema.ok()) {
          out[i] = Batch<json>(op.inputs.size(), schema.status());
          continue;
        }
        st.schema = *schema;
        st.call = {"json", &kRawTemplate, st.schema.dump(), s, op.inputs};
        st.decode = text_decode;
        st.encode = text_encode;
        req.kind = MixedRequest::Kind::kJson;
        req.json_schema = st.schema.dump();
        st.answer = [&st, completion](MixedAnswers& a, size_t k) {
          auto c = completion(a, k);
          if (!c.ok()) return Result<Out<json>>(c.status());
          return AsJson(JsonAnswer(*c, st.schema), [](const std::string& t) { return json(t); });
        };
        break;
      }
      case OpBatch::Kind::kSentiment:
        st.call = TextCall(TextTask::kSentiment, op.inputs, s);
        st.decode = [](const std::string& t) -> std::optional<json> {
          auto d = DecodeDouble(t);
          if (!d) return std::nullopt;
          return json(*d);
        };
        st.encode = dump;
        req.kind = MixedRequest::Kind::kChoose;
        req.choices = SentimentChoices();
        render = [](const std::string& t) { return kSentimentTemplate.Render(t); };
        st.answer = [scored](MixedAnswers& a, size_t k) {
          auto c = scored(a, k);
          if (!c.ok()) return Result<Out<json>>(c.status());
          return AsJson(Result<Out<double>>(SentimentAnswer(*c)), [](double d) { return json(d); });
        };
        break;
      case OpBatch::Kind::kSummarize:
        st.call = TextCall(TextTask::kSummary, op.inputs, s);
        st.decode = text_decode;
        st.encode = text_encode;
        req.sampling = st.call.sampling;
        render = [](const std::string& t) { return kSummaryTemplate.Render(t); };
        st.answer = [completion](MixedAnswers& a, size_t k) {
          auto c = completion(a, k);
          if (!c.ok()) return Result<Out<json>>(c.status());
          return AsJson(Result<Out<std::string>>(SummaryAnswer(*c)), [](const std::string& t) { return json(t); });
        };
        break;
      case OpBatch::Kind::kThemes:
        st.call = TextCall(TextTask::kThemes, op.inputs, s);
        st.decode = [](const std::string& t) -> std::optional<json> {
          auto v = DecodeStrings(t);
          if (!v) return std::nullopt;
          return json(*v);
        };
        st.encode = dump;
        req.kind = MixedRequest::Kind::kJson;
        req.json_schema = ThemesSchema();
        render = [](const std::string& t) { return kThemesTemplate.Render(t); };
        st.answer = [completion](MixedAnswers& a, size_t k) {
          auto c = completion(a, k);
          if (!c.ok()) return Result<Out<json>>(c.status());
          return AsJson(ThemesAnswer(*c), [](const std::vector<std::string>& v) { return json(v); });
        };
        break;
    }
    st.pending = Prepare<json>(st.call, st.decode);
    if (st.pending->inputs.empty()) continue;
    for (const std::string& in : st.pending->inputs) req.prompts.push_back(render(in));
    st.request = static_cast<int>(requests.size());
    requests.push_back(std::move(req));
  }
  std::vector<MixedAnswers> answers;
  if (!requests.empty()) {
    answers = backend_->RunMixed(requests);
    ++backend_batches_;
  }
  answers.resize(requests.size());  // a backend that answered fewer: those rows fail below
  for (size_t i = 0; i < ops.size(); ++i) {
    Stage& st = stages[i];
    if (!st.pending) continue;  // refused above
    Batch<Out<json>> got;
    if (st.request >= 0) {
      for (size_t k = 0; k < st.pending->inputs.size(); ++k) got.push_back(st.answer(answers[st.request], k));
    }
    out[i] = Finish(st.call, *st.pending, std::move(got), st.encode);
  }
  return out;
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
