// Backend: the one interface every writer and embedder of text implements (DESIGN.md §5).
//
// Batch-first: every call takes many inputs and returns one Result per input, in order. One
// input is one sequence (one prompt, one row); a backend never packs several rows into one
// prompt, so a small model cannot miscount rows and shift answers between them. A failure of
// one row is that row's Result; the others still get their answers.
//
//   std::unique_ptr<Backend> b = MakeBuiltinBackend();
//   std::vector<std::string> texts = {"great fit", "arrived broken"};
//   Batch<Embedding> e = b->Embed(texts);            // e[1]->vector.size() == 512
//
// Backends are wrapped by AiService (ai/service.h), which adds the cache, the budgets and the
// counters; callers other than tests use the service, not a backend directly.
//
// Thread safety: every backend may be called from several threads at once (DuckDB runs SQL
// functions on its worker threads). A backend that cannot run calls concurrently serialises
// them itself.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace custintel::ai {

template <class T>
using Batch = std::vector<Result<T>>;

// Who writes: everything a result depends on besides the inputs, recorded as provenance on
// every AI-written row and hashed into every cache key.
struct ModelIdentity {
  std::string backend;         // "builtin" | "llama" | "http"
  std::string model;           // GGUF file name or server model id ("text-engine" for builtin)
  std::string model_sha256;    // of the GGUF file; of the text engine's version for builtin
  std::string engine_version;  // llama.cpp build, server-reported version, or custintel's
};

// Decoding parameters. Every field is part of the cache key.
struct Sampling {
  int max_tokens = 256;
  double temperature = 0;  // 0 = greedy (the default: same input, same output)
  double top_p = 1;
  int top_k = 0;
  uint32_t seed = 42;

  // Canonical text of every field, for cache keys.
  std::string KeyText() const;
};

struct Completion {
  std::string text;
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

// The choice made for one prompt: always one of the choices given.
struct Scored {
  std::string label;
  double probability = 0;  // of `label`, over the choices (they sum to 1)
  double margin = 0;       // probability of `label` minus the runner-up's
  std::vector<double> probabilities;  // one per choice, in the order given
  int prompt_tokens = 0;
};

struct Embedding {
  std::vector<float> vector;  // unit length
  int tokens = 0;
};

// One operation of a mixed call (Backend::RunMixed): its prompts and parameters.
struct MixedRequest {
  enum class Kind { kGenerate, kChoose, kJson };
  Kind kind = Kind::kGenerate;
  std::vector<std::string> prompts;
  std::vector<std::string> choices;  // kChoose
  std::string json_schema;           // kJson
  Sampling sampling;                 // kGenerate, kJson
};

// Its answers, one per prompt: `completions` for kGenerate and kJson, `scored` for kChoose.
struct MixedAnswers {
  Batch<Completion> completions;
  Batch<Scored> scored;
};

// `text` with every invalid UTF-8 sequence replaced by U+FFFD: a model that stops inside a
// multi-byte character (max_tokens, a random test model) must not hand DuckDB or a JSON parser
// bytes they refuse. Valid UTF-8 comes back unchanged.
std::string ToValidUtf8(std::string_view text);

class Backend {
 public:
  virtual ~Backend() = default;

  virtual const ModelIdentity& identity() const = 0;

  // Free-form continuation of each prompt.
  virtual Batch<Completion> Generate(std::span<const std::string> prompts, const Sampling& sampling) = 0;
  // Picks one of `choices` for each prompt.
  virtual Batch<Scored> Choose(std::span<const std::string> prompts, std::span<const std::string> choices) = 0;
  // JSON text valid against `json_schema` (a JSON Schema document) for each prompt.
  virtual Batch<Completion> GenerateJson(std::span<const std::string> prompts, const std::string& json_schema,
                                         const Sampling& sampling) = 0;
  // Unit-length embedding of each text.
  virtual Batch<Embedding> Embed(std::span<const std::string> texts) = 0;
  // Relevance of each document to the query, higher is more relevant (not necessarily in [0,1]).
  virtual Result<std::vector<double>> Rerank(const std::string& query, std::span<const std::string> docs) = 0;

  // Several operations at once — a queue step's choices, summaries and themes: each request's
  // answers are those Generate / Choose / GenerateJson give it. A backend that batches decodes
  // all requests' rows together (llama: one batch run, every row in flight at once; http: the
  // requests concurrently); the default makes the calls one after another.
  virtual std::vector<MixedAnswers> RunMixed(std::span<const MixedRequest> requests);

  // True when the backend answers the text tasks (sentiment, summary, themes) itself, without
  // prompts: the builtin text engine. Model backends get prompt templates (ai/templates.h).
  virtual bool native_text_tasks() const { return false; }

  // Installs `check`, called while a call decodes (llama: by llama.cpp between graph
  // operations, from its compute thread 0, which is the calling thread); when it returns true
  // the running call stops at once and its rows fail. A host uses it to stop work whose query
  // was cancelled (pg/engine.cc). `check` must be async-signal-safe in spirit: no locks, no
  // calls into the host. Backends with nothing long-running to stop ignore it.
  virtual void SetAbortCheck(bool (*check)(void* data), void* data) {
    (void)check;
    (void)data;
  }

 protected:
  // One request through this backend's own Generate / Choose / GenerateJson.
  MixedAnswers RunOne(const MixedRequest& request);
};

}  // namespace custintel::ai
