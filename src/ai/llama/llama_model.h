// LlamaModel: a GGUF model run in-process by llama.cpp — the one door to llama.h.
//
// Owns one llama_model and one llama_context (RAII). A model file is loaded once per process:
// Load() of a path (and options) already loaded returns the same shared instance, so every
// connection and step shares one copy of the weights.
//
//   CI_ASSIGN_OR_RETURN(auto model, LlamaModel::Load("tiny.gguf", {}));
//   CI_ASSIGN_OR_RETURN(std::string text, model->Generate("Summarise: ...", 64));
//
// Decoding is greedy (argmax, lowest token id on ties), so the same prompt gives the same
// tokens on the same build and hardware. A model whose GGUF declares a pooling type (bert-style
// embedders) is an embedder: it answers Embed() and refuses Generate(); any other model is a
// generator and refuses Embed().
//
// llama.cpp's own log lines go to custintel's debug log (visible with -v -v), never to stderr.
//
// The batch-first calls (GenerateBatch, ChooseBatch, GenerateJsonBatch, EmbedBatch, Rerank;
// defined in llama_backend_batch.cc) decode many rows as parallel sequences of one llama_batch
// with the shared prompt prefix evaluated once (llama_batch_decoder.h), JSON through llama.cpp's
// grammar (llama_grammar.h), prompts through the chat template (llama_chat_template.h). Those
// files borrow the context under this class's lock, so this class stays the one owner of
// lifetime and locking. kv_unified is on so a copied prefix shares its KV cells.
//
// Thread safety: all methods may be called from any thread. A llama_context is single-threaded,
// so calls on one LlamaModel run one at a time (an internal mutex); throughput comes from
// batching many sequences into one call, not from concurrent calls.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"

struct llama_model;
struct llama_context;

namespace custintel::ai {

class BatchDecoder;

struct LlamaOptions {
  // Context window in tokens, shared by all parallel sequences (prompt + generated). 0 = the
  // model's training context; larger values are capped at it. Raise it for long prompts, lower
  // it to save memory.
  int n_ctx = 4096;
  // CPU threads for decoding. 0 = all hardware threads. ggml's threads meet at a barrier per
  // operation, so on a machine busy with other work fewer threads than cores is much faster
  // (measured: 2 threads on 2 busy cores ran ~30x slower than 1).
  int n_threads = 0;
  // Rows decoded together as parallel sequences by the batch calls (the context gets
  // n_parallel + 1 sequences: one more holds the shared prefix). 1..255. Raise it for batched
  // work: 16-64 on a CPU, more on a GPU; the rows in flight share the n_ctx KV cells.
  int n_parallel = 1;
  // Seed for sampling. Greedy decoding does not draw random numbers; the seed is kept so that
  // samplers added later are reproducible and so it can be part of the cache key.
  uint32_t seed = 42;
  // Transformer layers offloaded to the GPU: 0 = CPU only, -1 = all. Ignored without a GPU build.
  int n_gpu_layers = 0;
};

struct GenerateOptions {
  // Most tokens to generate.
  int max_tokens = 128;
  // Keep going past end-of-generation tokens, so exactly max_tokens come out. For tests and
  // benchmarks that need a fixed amount of work from a model whose text is noise.
  bool ignore_eog = false;
  // Batch calls only: wrap each prompt as one user turn of the model's chat template (ChatML
  // when the model has none) and generate the assistant's reply. Off: the prompt is raw text.
  bool chat_template = true;
};

// One answer of ChooseBatch: always one of the choices given.
struct Choice {
  std::string label;
  // Softmax over the choices of each choice's total log-probability (all its tokens), so the
  // probabilities of one row's choices sum to 1.
  double probability = 0;
  // probability of the label minus that of the runner-up (1 when there is one choice).
  double margin = 0;
  // The probability of every choice, in the order given (sums to 1).
  std::vector<double> probabilities;
};

// What the last batch call evaluated: shows the shared prefix at work (tests, benchmarks).
struct BatchStats {
  int64_t sequences = 0;          // rows (choose: prompts x choices)
  int64_t shared_prefix_tokens = 0;  // evaluated once, copied to every sequence
  int64_t tokens_evaluated = 0;   // every token through the model, prefix included once
  int64_t reused_tokens = 0;      // prompt tokens copied from a row in flight (BatchDecoder step 4)
};

// One operation of MixedBatch: its prompts (each wrapped in the chat template) and parameters.
struct MixedPart {
  enum class Kind { kGenerate, kChoose, kJson };
  Kind kind = Kind::kGenerate;
  std::span<const std::string> prompts;
  std::span<const std::string> choices;  // kChoose
  std::string json_schema;               // kJson
  int max_tokens = 0;                    // kGenerate, kJson
};

// Its answers, one per prompt: texts for kGenerate and kJson, choices for kChoose.
struct MixedOutput {
  std::vector<std::string> texts;
  std::vector<Choice> choices;
};

// What a generator produced: the token ids and their text.
struct Generation {
  std::vector<int32_t> tokens;
  std::string text;
  int prompt_tokens = 0;  // after tokenisation, BOS included
};

class LlamaModel {
 public:
  // Loads `path` or returns the instance already loaded with the same path and options.
  // Errors: NotFound (no such file), InvalidArgument (not a GGUF file, or a bad option),
  // Corruption (a GGUF llama.cpp cannot load, with llama.cpp's reason), Internal (no context).
  static Result<std::shared_ptr<LlamaModel>> Load(const std::string& path,
                                                  const LlamaOptions& options);

  ~LlamaModel();
  LlamaModel(const LlamaModel&) = delete;
  LlamaModel& operator=(const LlamaModel&) = delete;

  // Greedy continuation of `prompt`, stopping at an end-of-generation token or max_tokens.
  // Errors: InvalidArgument when the model is an embedder or prompt + max_tokens does not fit
  // the context; Internal when llama.cpp fails to decode.
  Result<std::string> Generate(std::string_view prompt, int max_tokens);
  // As Generate, with the token ids (which tests can count even when the text is noise).
  Result<Generation> GenerateTokens(std::string_view prompt, const GenerateOptions& options);

  // The model's pooled embedding of `text`, L2-normalised (length 1), of size EmbeddingSize().
  // Errors: InvalidArgument when the model is a generator or text does not fit the context.
  Result<std::vector<float>> Embed(std::string_view text);

  // ---- Batch-first API (issue 6). One input = one sequence; outputs are row-aligned. ----
  // Rows are decoded together as parallel sequences (options().n_parallel at a time); the
  // token prefix that all prompts share (the instruction) is evaluated once and its KV cache
  // copied to every sequence. See llama_batch_decoder.h.

  // Greedy reply per prompt, stopping per row at an end-of-generation token or max_tokens.
  // Errors: InvalidArgument (embedder model, a prompt that does not fit the context).
  Result<std::vector<std::string>> GenerateBatch(std::span<const std::string> prompts,
                                                 const GenerateOptions& options);
  // For each prompt, scores every choice's full token sequence as the reply and returns the
  // most likely. Errors: InvalidArgument (no choices, duplicate or empty choice, embedder).
  Result<std::vector<Choice>> ChooseBatch(std::span<const std::string> prompts,
                                          std::span<const std::string> choices);
  // A JSON reply per prompt, constrained by the grammar of `json_schema` (llama.cpp's
  // json-schema-to-grammar) and closed within max_tokens, so every output parses and validates
  // against the schema (json_schema_subset.h lists the subset). Errors: InvalidArgument (schema
  // unsupported or needing more than max_tokens tokens).
  Result<std::vector<std::string>> GenerateJsonBatch(std::span<const std::string> prompts,
                                                     const std::string& json_schema,
                                                     int max_tokens);
  // Every part's rows decoded together in one BatchDecoder run: the rows of all parts are in
  // flight at once (a queue step's choices, summaries and themes share each llama_decode), and
  // rows that share a prompt prefix share its KV cells. Each part's answers are those of its
  // own call (GenerateBatch with the chat template, ChooseBatch, GenerateJsonBatch) up to the
  // floating-point effects of batch composition. A part with invalid arguments (no choices, a
  // schema outside the subset) or an answer that fails its schema gets that error alone;
  // a decode failure (a prompt that does not fit, an abort) fails the whole call.
  Result<std::vector<Result<MixedOutput>>> MixedBatch(std::span<const MixedPart> parts);
  // Pooled, L2-normalised embedding per text (embedder models). Same values as Embed().
  Result<std::vector<std::vector<float>>> EmbedBatch(std::span<const std::string> texts);
  // Relevance score of each doc for `query` (reranker models: pooling type rank); higher is
  // more relevant. Errors: Unimplemented for a model that is not a reranker.
  Result<std::vector<float>> Rerank(const std::string& query, std::span<const std::string> docs);

  // Token ids of `text` as the model sees it (BOS added where the vocabulary wants it).
  Result<std::vector<int32_t>> Tokenize(std::string_view text) const;

  // llama.cpp calls `check(data)` between graph operations of every decode (from its compute
  // thread 0); true aborts the decode, and the running call fails with Internal "... (code 2)".
  // The model is shared per process, so the check is too: the last one set wins. nullptr
  // removes it.
  void SetAbortCheck(bool (*check)(void* data), void* data);

  BatchStats last_batch_stats() const {
    std::lock_guard lock(mu_);
    return last_batch_stats_;
  }

  // ---- Identity, for cache keys and provenance. ----
  // sha256 (lowercase hex) of the model file's bytes, computed once at load.
  const std::string& file_sha256() const { return file_sha256_; }
  // The chat template in use: "chatml" (fallback) or "model:<first 16 hex of its sha256>".
  const std::string& chat_template_id() const { return chat_template_id_; }
  // llama.cpp build identity, e.g. "llama.cpp b1 de3ff81".
  static std::string LlamaCppVersion();
  // A reranker: the GGUF declares pooling type rank.
  bool is_reranker() const { return is_reranker_; }

  bool is_embedder() const { return is_embedder_; }
  int EmbeddingSize() const;
  int ContextSize() const;
  int VocabSize() const;
  // "general.architecture" of the file, e.g. "llama", "bert".
  const std::string& architecture() const { return architecture_; }
  const std::string& path() const { return path_; }
  const LlamaOptions& options() const { return options_; }

 private:
  LlamaModel(std::string path, const LlamaOptions& options);
  static Result<std::shared_ptr<LlamaModel>> LoadUncached(const std::string& path,
                                                          const LlamaOptions& options);
  Status CreateContext();
  Status CheckFits(int prompt_tokens, int more_tokens) const;
  Status DecodePrompt(const std::vector<int32_t>& tokens);
  int32_t Argmax() const;
  std::string Detokenize(const std::vector<int32_t>& tokens) const;
  // Batch helpers (llama_backend_batch.cc). REQUIRES: mu_ held where they touch ctx_.
  Status CheckGenerator() const;
  void RecordStats(const BatchDecoder& decoder, size_t sequences);
  // ChooseBatch when every choice is one token: one sequence per prompt scores them all.
  Result<std::vector<Choice>> ChooseSingleTokens(std::vector<std::vector<int32_t>>& prompt_tokens,
                                                 std::span<const std::string> choices,
                                                 const std::vector<std::vector<int32_t>>& choice_tokens);
  Result<std::vector<int32_t>> TokenizeText(std::string_view text, bool add_special) const;
  Result<std::vector<std::vector<int32_t>>> PromptTokens(std::span<const std::string> prompts,
                                                         bool chat_template) const;
  Result<std::vector<std::vector<float>>> PoolBatch(const std::vector<std::vector<int32_t>>& inputs);

  const std::string path_;
  const LlamaOptions options_;
  std::string architecture_;
  std::string file_sha256_;
  std::string chat_template_;     // the model's template text; empty = ChatML fallback
  std::string chat_template_id_;
  bool is_embedder_ = false;
  bool is_reranker_ = false;
  int n_ctx_ = 0;    // usable tokens per sequence: the context, capped at the training context
  int n_batch_ = 0;  // most tokens per llama_decode call
  llama_model* model_ = nullptr;
  llama_context* ctx_ = nullptr;
  mutable std::mutex mu_;  // serialises use of ctx_
  BatchStats last_batch_stats_;  // guarded by mu_
};

}  // namespace custintel::ai
