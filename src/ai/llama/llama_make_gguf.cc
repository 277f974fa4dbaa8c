#include "ai/llama/llama_make_gguf.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "ggml.h"
#include "gguf.h"

#include "core/hash.h"
#include "core/random.h"

namespace custintel::ai {
namespace {

// What a tensor is filled with.
enum class Fill { kNoise, kOnes, kZeros };

// One tensor of the model: GGUF name, ggml shape (ne0 is the contiguous dimension), contents.
struct TensorSpec {
  std::string name;
  int64_t ne0 = 0;
  int64_t ne1 = 1;  // 1 for vectors
  Fill fill = Fill::kNoise;
};

struct GgufDeleter {
  void operator()(gguf_context* ctx) const { gguf_free(ctx); }
};
using GgufPtr = std::unique_ptr<gguf_context, GgufDeleter>;

struct GgmlDeleter {
  void operator()(ggml_context* ctx) const { ggml_free(ctx); }
};
using GgmlPtr = std::unique_ptr<ggml_context, GgmlDeleter>;

struct FileCloser {
  void operator()(FILE* f) const {
    if (f) std::fclose(f);
  }
};

// splitmix64 (core/random.h): tiny, fast, and the same stream on every platform (invariant 1).
class SplitMixStream {
 public:
  explicit SplitMixStream(uint64_t seed) : state_(seed) {}
  uint64_t Next() { return SplitMix64(&state_); }
  // Uniform in [-1, 1), 24 bits of resolution: exact in float.
  float NextSigned() { return static_cast<float>(Next() >> 40) / 8388608.0f - 1.0f; }

 private:
  uint64_t state_;
};

std::string Blk(int layer, const char* suffix) {
  return "blk." + std::to_string(layer) + "." + suffix;
}

Status ValidateOptions(const MakeGgufOptions& o) {
  if (o.out_path.empty()) return Status::InvalidArgument("make-gguf: --out is required");
  if (o.arch != "llama" && o.arch != "bert") {
    return Status::InvalidArgument("make-gguf: --arch must be llama or bert, not '" + o.arch + "'");
  }
  if (o.tensor_type != "f32" && o.tensor_type != "f16") {
    return Status::InvalidArgument("make-gguf: --tensor-type must be f32 or f16, not '" +
                                   o.tensor_type + "'");
  }
  if (o.pooling != "mean" && o.pooling != "cls" && o.pooling != "rank") {
    return Status::InvalidArgument("make-gguf: --pooling must be mean, cls or rank, not '" + o.pooling + "'");
  }
  if (o.n_embd < 1 || o.n_layer < 1 || o.n_head < 1 || o.n_head_kv < 1 || o.n_ff < 1 || o.n_ctx < 1) {
    return Status::InvalidArgument("make-gguf: every shape value must be at least 1");
  }
  if (o.n_embd % o.n_head != 0) {
    return Status::InvalidArgument("make-gguf: n_embd " + std::to_string(o.n_embd) +
                                   " is not a multiple of n_head " + std::to_string(o.n_head));
  }
  if (o.n_head % o.n_head_kv != 0) {
    return Status::InvalidArgument("make-gguf: n_head " + std::to_string(o.n_head) +
                                   " is not a multiple of n_head_kv " + std::to_string(o.n_head_kv));
  }
  if ((o.n_embd / o.n_head) % 2 != 0) {
    return Status::InvalidArgument("make-gguf: head size n_embd/n_head must be even (RoPE rotates pairs)");
  }
  if (!(o.init_std > 0.0f) || !std::isfinite(o.init_std)) {
    return Status::InvalidArgument("make-gguf: init_std must be a positive number");
  }
  return Status::Ok();
}

std::vector<TensorSpec> LlamaTensors(const MakeGgufOptions& o, int64_t n_vocab) {
  const int64_t head = o.n_embd / o.n_head;
  const int64_t kv = head * o.n_head_kv;
  std::vector<TensorSpec> t = {
      {"token_embd.weight", o.n_embd, n_vocab},
      {"output_norm.weight", o.n_embd, 1, Fill::kOnes},
      {"output.weight", o.n_embd, n_vocab},
  };
  for (int i = 0; i < o.n_layer; ++i) {
    t.push_back({Blk(i, "attn_norm.weight"), o.n_embd, 1, Fill::kOnes});
    t.push_back({Blk(i, "attn_q.weight"), o.n_embd, o.n_embd});
    t.push_back({Blk(i, "attn_k.weight"), o.n_embd, kv});
    t.push_back({Blk(i, "attn_v.weight"), o.n_embd, kv});
    t.push_back({Blk(i, "attn_output.weight"), o.n_embd, o.n_embd});
    t.push_back({Blk(i, "ffn_norm.weight"), o.n_embd, 1, Fill::kOnes});
    t.push_back({Blk(i, "ffn_gate.weight"), o.n_embd, o.n_ff});
    t.push_back({Blk(i, "ffn_down.weight"), o.n_ff, o.n_embd});
    t.push_back({Blk(i, "ffn_up.weight"), o.n_embd, o.n_ff});
  }
  return t;
}

std::vector<TensorSpec> BertTensors(const MakeGgufOptions& o, int64_t n_vocab) {
  const int64_t kv = (o.n_embd / o.n_head) * o.n_head_kv;
  std::vector<TensorSpec> t = {
      {"token_embd.weight", o.n_embd, n_vocab},
      {"token_types.weight", o.n_embd, 2},
      {"position_embd.weight", o.n_embd, o.n_ctx},
      {"token_embd_norm.weight", o.n_embd, 1, Fill::kOnes},
      {"token_embd_norm.bias", o.n_embd, 1, Fill::kZeros},
  };
  for (int i = 0; i < o.n_layer; ++i) {
    t.push_back({Blk(i, "attn_q.weight"), o.n_embd, o.n_embd});
    t.push_back({Blk(i, "attn_q.bias"), o.n_embd, 1, Fill::kZeros});
    t.push_back({Blk(i, "attn_k.weight"), o.n_embd, kv});
    t.push_back({Blk(i, "attn_k.bias"), kv, 1, Fill::kZeros});
    t.push_back({Blk(i, "attn_v.weight"), o.n_embd, kv});
    t.push_back({Blk(i, "attn_v.bias"), kv, 1, Fill::kZeros});
    t.push_back({Blk(i, "attn_output.weight"), o.n_embd, o.n_embd});
    t.push_back({Blk(i, "attn_output.bias"), o.n_embd, 1, Fill::kZeros});
    t.push_back({Blk(i, "attn_output_norm.weight"), o.n_embd, 1, Fill::kOnes});
    t.push_back({Blk(i, "attn_output_norm.bias"), o.n_embd, 1, Fill::kZeros});
    t.push_back({Blk(i, "ffn_up.weight"), o.n_embd, o.n_ff});
    t.push_back({Blk(i, "ffn_up.bias"), o.n_ff, 1, Fill::kZeros});
    t.push_back({Blk(i, "ffn_down.weight"), o.n_ff, o.n_embd});
    t.push_back({Blk(i, "ffn_down.bias"), o.n_embd, 1, Fill::kZeros});
    t.push_back({Blk(i, "layer_output_norm.weight"), o.n_embd, 1, Fill::kOnes});
    t.push_back({Blk(i, "layer_output_norm.bias"), o.n_embd, 1, Fill::kZeros});
  }
  if (o.pooling == "rank") {  // the classification head llama.cpp applies for rank pooling
    t.push_back({"cls.weight", o.n_embd, o.n_embd});
    t.push_back({"cls.bias", o.n_embd, 1, Fill::kZeros});
    t.push_back({"cls.output.weight", o.n_embd, 1});
    t.push_back({"cls.output.bias", 1, 1, Fill::kZeros});
  }
  return t;
}

std::string Key(const MakeGgufOptions& o, const char* suffix) { return o.arch + "." + suffix; }

// Architecture and shape metadata: the keys llama.cpp's hparams loader reads for the arch.
void SetModelKeys(gguf_context* ctx, const MakeGgufOptions& o, int64_t n_vocab) {
  const bool f16 = o.tensor_type == "f16";
  gguf_set_val_str(ctx, "general.architecture", o.arch.c_str());
  gguf_set_val_str(ctx, "general.name", ("custintel random " + o.arch).c_str());
  gguf_set_val_u32(ctx, "general.file_type", f16 ? 1 : 0);  // LLAMA_FTYPE_MOSTLY_F16 / ALL_F32
  gguf_set_val_u64(ctx, "custintel.make_gguf.seed", o.seed);
  gguf_set_val_u32(ctx, Key(o, "vocab_size").c_str(), static_cast<uint32_t>(n_vocab));
  gguf_set_val_u32(ctx, Key(o, "context_length").c_str(), o.n_ctx);
  gguf_set_val_u32(ctx, Key(o, "embedding_length").c_str(), o.n_embd);
  gguf_set_val_u32(ctx, Key(o, "block_count").c_str(), o.n_layer);
  gguf_set_val_u32(ctx, Key(o, "feed_forward_length").c_str(), o.n_ff);
  gguf_set_val_u32(ctx, Key(o, "attention.head_count").c_str(), o.n_head);
  gguf_set_val_u32(ctx, Key(o, "attention.head_count_kv").c_str(), o.n_head_kv);
  if (o.arch == "llama") {
    gguf_set_val_f32(ctx, Key(o, "attention.layer_norm_rms_epsilon").c_str(), 1e-5f);
    gguf_set_val_u32(ctx, Key(o, "rope.dimension_count").c_str(), o.n_embd / o.n_head);
    gguf_set_val_f32(ctx, Key(o, "rope.freq_base").c_str(), 10000.0f);
  } else {
    gguf_set_val_f32(ctx, Key(o, "attention.layer_norm_epsilon").c_str(), 1e-12f);
    gguf_set_val_bool(ctx, Key(o, "attention.causal").c_str(), false);
    // llama_pooling_type: 1 = mean, 2 = cls, 4 = rank (a reranker: CLS row through the
    // classification head, one relevance score per sequence).
    gguf_set_val_u32(ctx, Key(o, "pooling_type").c_str(), o.pooling == "cls" ? 2 : o.pooling == "rank" ? 4 : 1);
  }
}

std::string DefaultVocabPath(const MakeGgufOptions& o) {
  if (!o.vocab_path.empty()) return o.vocab_path;
  const char* file = o.arch == "bert" ? "ggml-vocab-bert-bge.gguf" : "ggml-vocab-llama-spm.gguf";
  std::string dir = o.vocab_dir;
  // Unset: $CUSTINTEL_LLAMA_VOCAB_DIR, else the llama.cpp source this binary was built from.
  if (const char* env = std::getenv("CUSTINTEL_LLAMA_VOCAB_DIR"); dir.empty() && env && *env) dir = env;
#ifdef CUSTINTEL_LLAMA_VOCAB_DIR_DEFAULT
  if (dir.empty()) dir = CUSTINTEL_LLAMA_VOCAB_DIR_DEFAULT;
#endif
  return dir.empty() ? std::string(file) : dir + "/" + file;
}

// Reads the vocabulary file and returns a context holding only its tokenizer.* keys.
Result<GgufPtr> ReadTokenizerKeys(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::NotFound("make-gguf: vocabulary file '" + path + "' does not exist");
  }
  gguf_init_params params{/*no_alloc=*/true, /*ctx=*/nullptr};
  GgufPtr vocab(gguf_init_from_file(path.c_str(), params));
  if (!vocab) return Status::Corruption("make-gguf: '" + path + "' is not a readable GGUF file");
  GgufPtr tok(gguf_init_empty());
  gguf_set_kv(tok.get(), vocab.get());
  std::vector<std::string> drop;
  for (int64_t i = 0; i < gguf_get_n_kv(tok.get()); ++i) {
    std::string key = gguf_get_key(tok.get(), i);
    if (key.rfind("tokenizer.", 0) != 0) drop.push_back(std::move(key));
  }
  for (const auto& key : drop) gguf_remove_key(tok.get(), key.c_str());
  if (gguf_find_key(tok.get(), "tokenizer.ggml.tokens") < 0) {
    return Status::Corruption("make-gguf: '" + path + "' has no tokenizer.ggml.tokens");
  }
  return tok;
}

// Fills `out` with the tensor's values, F32 or F16 bytes. The stream is seeded by the model
// seed and the tensor's name, so one tensor's values do not depend on the others.
void TensorBytes(const TensorSpec& spec, ggml_type type, const MakeGgufOptions& o,
                 std::vector<uint8_t>& out) {
  const size_t n = static_cast<size_t>(spec.ne0 * spec.ne1);
  std::vector<float> values(n, spec.fill == Fill::kOnes ? 1.0f : 0.0f);
  if (spec.fill == Fill::kNoise) {
    SplitMixStream rng(o.seed ^ Fnv1a64(spec.name));
    const float spread = o.init_std * std::sqrt(3.0f);  // uniform on [-a, a] has sd a/sqrt(3)
    for (float& v : values) v = rng.NextSigned() * spread;
  }
  if (type == GGML_TYPE_F16) {
    out.resize(n * sizeof(ggml_fp16_t));
    ggml_fp32_to_fp16_row(values.data(), reinterpret_cast<ggml_fp16_t*>(out.data()),
                          static_cast<int64_t>(n));
  } else {
    out.resize(n * sizeof(float));
    std::memcpy(out.data(), values.data(), out.size());
  }
}

// F16 only for matrices that go through mul_mat or get_rows; vectors and the small additive
// tables stay F32 like real conversions keep them.
ggml_type TypeFor(const TensorSpec& spec, const MakeGgufOptions& o) {
  if (o.tensor_type != "f16" || spec.ne1 == 1) return GGML_TYPE_F32;
  if (spec.name == "token_types.weight" || spec.name == "position_embd.weight") return GGML_TYPE_F32;
  return GGML_TYPE_F16;
}

// Writes header + tensor infos, then each tensor's bytes generated on the fly (so a model of
// hundreds of MB never sits in memory whole), each padded to the file's alignment.
Status WriteModel(gguf_context* ctx, const std::vector<TensorSpec>& specs,
                  const std::vector<ggml_type>& types, const MakeGgufOptions& o,
                  const std::string& path) {
  std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "wb"));
  if (!file) return Status::IoError("make-gguf: cannot open '" + path + "' for writing");
  if (!gguf_write_to_file_ptr(ctx, file.get(), /*only_meta=*/true)) {
    return Status::IoError("make-gguf: cannot write the GGUF header to '" + path + "'");
  }
  const size_t alignment = gguf_get_alignment(ctx);
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i < specs.size(); ++i) {
    TensorBytes(specs[i], types[i], o, bytes);
    bytes.resize(GGML_PAD(bytes.size(), alignment), 0);
    if (std::fwrite(bytes.data(), 1, bytes.size(), file.get()) != bytes.size()) {
      return Status::IoError("make-gguf: write to '" + path + "' failed (disk full?)");
    }
  }
  if (std::fclose(file.release()) != 0) {
    return Status::IoError("make-gguf: closing '" + path + "' failed (disk full?)");
  }
  return Status::Ok();
}

}  // namespace

Status MakeGguf(const MakeGgufOptions& o) {
  CI_RETURN_IF_ERROR(ValidateOptions(o));
  CI_ASSIGN_OR_RETURN(GgufPtr tokenizer, ReadTokenizerKeys(DefaultVocabPath(o)));
  const int64_t n_vocab = static_cast<int64_t>(
      gguf_get_arr_n(tokenizer.get(), gguf_find_key(tokenizer.get(), "tokenizer.ggml.tokens")));
  if (o.arch == "bert" && gguf_find_key(tokenizer.get(), "tokenizer.ggml.token_type_count") < 0) {
    gguf_set_val_u32(tokenizer.get(), "tokenizer.ggml.token_type_count", 2);
  }

  GgufPtr out(gguf_init_empty());
  SetModelKeys(out.get(), o, n_vocab);
  gguf_set_kv(out.get(), tokenizer.get());

  const std::vector<TensorSpec> specs =
      o.arch == "llama" ? LlamaTensors(o, n_vocab) : BertTensors(o, n_vocab);
  // Tensor descriptors only (no_alloc): the data is streamed by WriteModel.
  ggml_init_params gp{/*mem_size=*/ggml_tensor_overhead() * (specs.size() + 1), nullptr,
                      /*no_alloc=*/true};
  GgmlPtr meta(ggml_init(gp));
  if (!meta) return Status::Internal("make-gguf: ggml_init failed");
  std::vector<ggml_type> types;
  for (const TensorSpec& spec : specs) {
    types.push_back(TypeFor(spec, o));
    ggml_tensor* t = spec.ne1 == 1 ? ggml_new_tensor_1d(meta.get(), types.back(), spec.ne0)
                                   : ggml_new_tensor_2d(meta.get(), types.back(), spec.ne0, spec.ne1);
    ggml_set_name(t, spec.name.c_str());
    gguf_add_tensor(out.get(), t);
  }

  const std::string tmp = o.out_path + ".tmp";
  Status written = WriteModel(out.get(), specs, types, o, tmp);
  std::error_code ec;
  if (written.ok()) std::filesystem::rename(tmp, o.out_path, ec);
  if (!written.ok() || ec) {
    std::filesystem::remove(tmp, ec);
    return written.ok() ? Status::IoError("make-gguf: cannot create '" + o.out_path + "'") : written;
  }
  return Status::Ok();
}

}  // namespace custintel::ai
