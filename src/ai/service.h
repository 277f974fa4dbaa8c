// AiService: the AI layer as callers see it — a backend behind the cache, the budget and the
// counters. Every AI step of the pipeline and every AI SQL function goes through one.
//
//   AiService ai(MakeBuiltinBackend(), cache, budget);
//   Batch<double> s = ai.Sentiment(texts);          // one Result per text, in order
//   std::cout << ai.stats().ToString();            // "ai: 0 backend calls, 812 cached, ..."
//
// Per batch: identical inputs are computed once; each input's cache key (ai/cache.h) is looked
// up; the misses go to the backend as one batch, within the budget; successes are stored.
// Rows the budget does not cover fail with ResourceExhausted naming the cap; they are never
// half-done, and a later run computes them.
//
// The text tasks (sentiment, summary, themes) are answered by the text engine when the backend
// is builtin, and by prompt templates (ai/templates.h) through choose / generate /
// generate_json otherwise: configuring a model changes who writes, not the callers.
// Masking never leaves the process: it is always the text engine's.
//
// Thread safety: all methods may be called from any thread at once.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ai/backend.h"
#include "ai/budget.h"
#include "ai/cache.h"

namespace custintel::ai {

// What an AI-written row records so that it can be reproduced (issue 6 item 5).
struct Provenance {
  std::string backend, model, model_sha256, engine_version, template_key, cache_key;
  nlohmann::json ToJson() const;
};

struct AiStats {
  int64_t backend_calls = 0;    // rows sent to the backend
  int64_t backend_batches = 0;  // backend invocations
  int64_t cache_hits = 0;       // rows answered from the cache
  int64_t deduplicated = 0;     // rows answered by an identical row of the same batch
  int64_t failures = 0;         // rows that came back as errors (never cached)
  int64_t tokens = 0;           // prompt + completion tokens the backend reported
  std::string ToString() const;
  // The counts since `before` (a step's own share of a long-lived service).
  AiStats Since(const AiStats& before) const;
};

// The text tasks a pipeline step asks for; each has its own template and cache entries.
enum class TextTask { kSentiment, kSummary, kThemes };

// What a row written by a text task records to be reproduced: template "id@version" and the
// cache key of its answer.
struct TaskKey {
  std::string template_key, cache_key;
};

// One operation of AiService::RunTogether: an operation over its inputs.
struct OpBatch {
  enum class Kind { kGenerate, kChoose, kJson, kSentiment, kSummarize, kThemes };
  Kind kind = Kind::kGenerate;
  std::vector<std::string> inputs;   // prompts (generate, choose, json) or texts (the text tasks)
  std::vector<std::string> choices;  // kChoose
  std::string schema;                // kJson, as GenerateJson takes it
  int max_tokens = 0;                // > 0: instead of the service's sampling.max_tokens
};

struct ServiceOptions {
  Sampling sampling;            // defaults for every call (seed, max tokens, ...)
  // The builtin text engine is cheaper than a cache lookup; caching it is for tests/demos.
  bool cache_builtin = false;
  int summary_max_words = 25;
  size_t agg_fan_in = 16;       // texts per node of the ai_agg summary tree
  size_t agg_max_chars = 6000;  // most characters of texts in one tree node's prompt
};

class AiService {
 public:
  // `cache` and `budget` may be null (no caching / no caps).
  AiService(std::shared_ptr<Backend> backend, std::shared_ptr<Cache> cache, std::shared_ptr<Budget> budget,
            ServiceOptions options = {});

  Batch<std::string> Generate(std::span<const std::string> prompts, int max_tokens = 0);
  Batch<Scored> Choose(std::span<const std::string> prompts, std::span<const std::string> choices);
  // `schema`: a JSON Schema document or a STRUCT(...) description. Answers are JSON text valid
  // for it (validated here too, whatever the backend).
  Batch<std::string> GenerateJson(std::span<const std::string> prompts, const std::string& schema);
  Batch<std::vector<float>> Embed(std::span<const std::string> texts);
  Result<std::vector<double>> Rerank(const std::string& query, std::span<const std::string> docs);

  Batch<double> Sentiment(std::span<const std::string> texts);  // in [-1, 1]
  Batch<std::string> Summarize(std::span<const std::string> texts);
  Batch<std::vector<std::string>> Themes(std::span<const std::string> texts);
  std::vector<std::string> Mask(std::span<const std::string> texts);
  // Several operations in one backend call (Backend::RunMixed: the llama backend decodes all
  // their rows together): what a queue step does with a batch of mixed items. Each operation
  // keeps its own cache entries, deduplication and budget, exactly as its own call (Generate,
  // Choose, GenerateJson, Sentiment, Summarize, Themes, on a service whose sampling has its
  // max_tokens) would, and answers what that call answers, as JSON: generate, summarize and
  // json give a string (json: the document's text), choose {"label", "probability", "margin",
  // "probabilities"}, sentiment a number, themes an array of strings. Row-aligned per op.
  std::vector<Batch<nlohmann::json>> RunTogether(std::span<const OpBatch> ops);
  // One summary of any number of texts: a tree of summaries, each node at most agg_fan_in
  // texts and agg_max_chars characters, so never limited by a context window.
  Result<std::string> Aggregate(std::span<const std::string> texts, const std::string& instruction);

  const ModelIdentity& identity() const { return backend_->identity(); }
  // True for the builtin text engine: text tasks are computed, not prompted, and not cached.
  bool native_text_tasks() const { return backend_->native_text_tasks(); }
  // The template and cache key Sentiment / Summarize / Themes use for `text` (provenance: the
  // same key finds the same cached answer).
  TaskKey KeyFor(TextTask task, const std::string& text) const;
  // The template and cache key GenerateJson(prompt, schema) uses (provenance of JSON-written
  // rows such as LLM insights). InvalidArgument for a schema GenerateJson would refuse.
  Result<TaskKey> JsonKeyFor(const std::string& prompt, const std::string& schema) const;
  Provenance ProvenanceFor(const std::string& template_key, const std::string& cache_key) const;
  AiStats stats() const;
  Budget* budget() const { return budget_.get(); }

 private:
  struct Call;  // one cached batch call: op, template, constraint, inputs
  template <class T>
  struct Pending;  // a call's rows between the cache lookup and the store
  Call TextCall(TextTask task, std::span<const std::string> inputs, const Sampling& sampling) const;
  template <class T, class Compute, class Encode, class Decode>
  Batch<T> Cached(const Call& call, Compute compute, Encode encode, Decode decode);
  // Cached in two halves: Prepare deduplicates, looks up the cache and takes the budget (the
  // rows left to compute are Pending::inputs); Finish records and stores what was computed.
  template <class T, class Decode>
  Pending<T> Prepare(const Call& call, Decode decode);
  template <class T, class Got, class Encode>
  Batch<T> Finish(const Call& call, Pending<T>& pending, Got got, Encode encode);
  Batch<nlohmann::json> RunAlone(const OpBatch& op);
  bool UseCache() const;

  std::shared_ptr<Backend> backend_;
  std::shared_ptr<Cache> cache_;
  std::shared_ptr<Budget> budget_;
  const ServiceOptions options_;
  std::atomic<int64_t> backend_calls_{0}, backend_batches_{0}, cache_hits_{0}, deduplicated_{0}, failures_{0},
      tokens_{0};
};

}  // namespace custintel::ai
