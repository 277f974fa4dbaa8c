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
// Issue 6 grows this into batch-first decoding (many sequences in one llama_batch, shared
// prefix KV copied) and grammar-constrained choose/JSON; those go in their own llama_* files
// (llama_batch_decoder.cc, ...) that borrow the context under this class's lock, so this class
// stays the one owner of lifetime and locking. kv_unified is already on for the prefix copy.
//
// Thread safety: all methods may be called from any thread. A llama_context is single-threaded,
// so calls on one LlamaModel run one at a time (an internal mutex); throughput comes from
// batching many sequences into one call, not from concurrent calls.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

struct llama_model;
struct llama_context;

namespace custintel::ai {

struct LlamaOptions {
  // Context window in tokens, shared by all parallel sequences (prompt + generated). 0 = the
  // model's training context; larger values are capped at it. Raise it for long prompts, lower
  // it to save memory.
  int n_ctx = 4096;
  // CPU threads for decoding. 0 = all hardware threads. ggml's threads meet at a barrier per
  // operation, so on a machine busy with other work fewer threads than cores is much faster
  // (measured: 2 threads on 2 busy cores ran ~30x slower than 1).
  int n_threads = 0;
  // Sequences decoded together in one batch (llama.cpp n_seq_max). Raise it for batched work.
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

  // Token ids of `text` as the model sees it (BOS added where the vocabulary wants it).
  Result<std::vector<int32_t>> Tokenize(std::string_view text) const;

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

  const std::string path_;
  const LlamaOptions options_;
  std::string architecture_;
  bool is_embedder_ = false;
  int n_ctx_ = 0;    // usable tokens per sequence: the context, capped at the training context
  int n_batch_ = 0;  // most tokens per llama_decode call
  llama_model* model_ = nullptr;
  llama_context* ctx_ = nullptr;
  std::mutex mu_;  // serialises use of ctx_
};

}  // namespace custintel::ai
