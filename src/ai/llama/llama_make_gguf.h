// MakeGguf: writes random-weight GGUF models that llama.cpp loads like real ones.
//
// Tests and benchmarks never download weights (DESIGN.md §5). Instead they build a model of
// any shape from a vocabulary file shipped in the llama.cpp source (models/ggml-vocab-*.gguf):
// the tokenizer is real, the weights are seeded noise. Loading, tokenising, batching, KV cache
// and grammar code all run for real; only the text is gibberish.
//
//   MakeGgufOptions o;
//   o.out_path = dir + "/tiny.gguf";
//   o.vocab_path = vocab_dir + "/ggml-vocab-llama-spm.gguf";
//   CI_RETURN_IF_ERROR(MakeGguf(o));
//
// Two architectures:
//   llama — a decoder-only generator (RMS norm, RoPE, SwiGLU, GQA when n_head_kv < n_head);
//           vocabulary from ggml-vocab-llama-spm.gguf (or any llama-arch vocab file).
//   bert  — an encoder-only embedder (learned positions, LayerNorm, GELU, pooled output);
//           vocabulary from ggml-vocab-bert-bge.gguf.
//
// Invariants:
//   1. Same options (seed included) => byte-identical file, on any machine: the random stream
//      is our own (splitmix64), not std::*_distribution, whose output varies by library.
//   2. Tensor names, shapes and metadata keys are exactly those llama.cpp's loader requires for
//      the arch (src/models/llama.cpp, src/models/bert.cpp in the llama.cpp source).
//   3. The file appears whole or not at all: it is written beside the target and renamed.
//
// The fields map 1:1 onto `custintel dev make-gguf` flags (--out, --arch, --vocab, --n-embd...).
// Thread safety: MakeGguf is reentrant; it touches only the files it is given.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace custintel::ai {

struct MakeGgufOptions {
  // Where to write the model. Overwritten if present.
  std::string out_path;
  // "llama" (generator) or "bert" (embedder).
  std::string arch = "llama";
  // GGUF file whose tokenizer.* metadata is copied. Empty: models/ggml-vocab-llama-spm.gguf or
  // models/ggml-vocab-bert-bge.gguf (by arch) under `vocab_dir`.
  std::string vocab_path;
  // Folder of the llama.cpp vocabulary files; used only when vocab_path is empty. Empty:
  // $CUSTINTEL_LLAMA_VOCAB_DIR, else the models/ folder of the llama.cpp source built against.
  std::string vocab_dir;
  // Hidden size. Must be a multiple of n_head; n_embd / n_head must be even (RoPE pairs).
  int n_embd = 64;
  // Transformer blocks.
  int n_layer = 2;
  // Attention heads.
  int n_head = 4;
  // Key/value heads; n_head must be a multiple of it (fewer than n_head = grouped-query attention).
  int n_head_kv = 4;
  // Feed-forward width.
  int n_ff = 128;
  // Training context length written to the file; bert also gets this many learned positions.
  int n_ctx = 512;
  // Seed of the weights. The same seed and shape give the same bytes.
  uint64_t seed = 42;
  // Standard deviation of the matrix weights (uniform noise of that spread). Norm weights are 1
  // and biases 0, as at initialisation, so activations stay finite at any depth.
  float init_std = 0.02f;
  // "f32" or "f16" for the matrices; 1-D tensors (norms, biases) are always f32, as in real
  // conversions. f16 halves the file and exercises the f16 kernels.
  std::string tensor_type = "f32";
  // bert only: how token vectors become one output: "mean" or "cls" (an embedder), or "rank"
  // (a reranker: adds the classification head; one relevance score per query-document pair).
  std::string pooling = "mean";
};

// Writes the model described by `options` to options.out_path.
// Errors: InvalidArgument for an impossible shape or unknown arch/type/pooling; NotFound or
// Corruption for a missing or unreadable vocabulary file; IoError when the file cannot be
// written.
[[nodiscard]] Status MakeGguf(const MakeGgufOptions& options);

}  // namespace custintel::ai
