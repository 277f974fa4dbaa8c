#include "ai/llama/llama_model.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ai/llama/llama_chat_template.h"
#include "build-info.h"
#include "core/hash.h"
#include "core/log.h"
#include "llama.h"

namespace custintel::ai {
namespace {

// The errors llama.cpp logged on this thread since the last TakeLlamaErrors(): the reason a
// load failed, which the C API itself reports only as a null pointer.
thread_local std::string t_llama_errors;
thread_local bool t_in_error = false;

// "llama_model_load: error loading model: x" -> "error loading model: x".
std::string_view StripFunctionPrefix(std::string_view line) {
  size_t colon = line.find(": ");
  if (colon == std::string_view::npos) return line;
  for (char c : line.substr(0, colon)) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return line;
  }
  return line.substr(colon + 2);
}

void ForwardLlamaLog(ggml_log_level level, const char* text, void* /*user_data*/) {
  std::string_view line(text ? text : "");
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (level == GGML_LOG_LEVEL_ERROR && t_llama_errors.size() < 2000) {
    if (!t_llama_errors.empty()) t_llama_errors += "; ";
    t_llama_errors.append(StripFunctionPrefix(line));
    t_in_error = true;
  } else if (level == GGML_LOG_LEVEL_CONT && t_in_error) {
    t_llama_errors.append(line);
  } else if (level != GGML_LOG_LEVEL_CONT) {
    t_in_error = false;
  }
  if (!line.empty()) LogDebug(std::string("llama.cpp: ").append(line));
}

// llama_backend_init and the log hook, once per process, before any other llama call.
void InitLlamaOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    llama_log_set(ForwardLlamaLog, nullptr);
    llama_backend_init();
  });
}

std::string TakeLlamaErrors() {
  std::string e = std::move(t_llama_errors);
  t_llama_errors.clear();
  return e.empty() ? "llama.cpp gave no reason" : e;
}

// Cheap checks before llama.cpp sees the file, so the common mistakes get plain messages.
Status CheckGgufFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound("model file '" + path + "' does not exist");
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::InvalidArgument("model path '" + path + "' is not a file");
  }
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  if (!in.read(magic, 4) || std::string_view(magic, 4) != "GGUF") {
    return Status::InvalidArgument("'" + path + "' is not a GGUF model file (it does not start with 'GGUF')");
  }
  return Status::Ok();
}

Status CheckOptions(const LlamaOptions& o) {
  if (o.n_ctx < 0) return Status::InvalidArgument("n_ctx must be 0 (model's own) or positive");
  if (o.n_threads < 0) return Status::InvalidArgument("n_threads must be 0 (all) or positive");
  if (o.n_parallel < 1 || o.n_parallel > 255) {
    return Status::InvalidArgument("n_parallel must be between 1 and 255 (llama.cpp's sequence limit)");
  }
  return Status::Ok();
}

std::string CacheKey(const std::string& path, const LlamaOptions& o) {
  std::error_code ec;
  std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
  return (ec ? path : canonical.string()) + "|" + std::to_string(o.n_ctx) + "|" +
         std::to_string(o.n_threads) + "|" + std::to_string(o.n_parallel) + "|" +
         std::to_string(o.seed) + "|" + std::to_string(o.n_gpu_layers);
}

std::string MetaString(const llama_model* model, const std::string& key) {
  char buf[256];
  int32_t n = llama_model_meta_val_str(model, key.c_str(), buf, sizeof(buf));
  return n < 0 ? std::string() : std::string(buf);
}

// sha256 of the file's bytes, hashed through a read-only mapping so a model of many gigabytes
// is never copied into memory.
Result<std::string> FileSha256(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return Status::IoError("cannot open '" + path + "' to hash it");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
    ::close(fd);
    return Status::IoError("cannot read the size of '" + path + "'");
  }
  const auto size = static_cast<size_t>(st.st_size);
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (data == MAP_FAILED) return Status::IoError("cannot map '" + path + "' to hash it");
  std::string hex = Sha256Hex(std::string_view(static_cast<const char*>(data), size));
  ::munmap(data, size);
  return hex;
}

}  // namespace

std::string LlamaModel::LlamaCppVersion() {
  return "llama.cpp b" + std::to_string(llama_build_number()) + " " + llama_commit();
}

LlamaModel::LlamaModel(std::string path, const LlamaOptions& options)
    : path_(std::move(path)), options_(options) {}

LlamaModel::~LlamaModel() {
  if (ctx_) llama_free(ctx_);
  if (model_) llama_model_free(model_);
}

Result<std::shared_ptr<LlamaModel>> LlamaModel::Load(const std::string& path,
                                                     const LlamaOptions& options) {
  // Weak references: a model stays loaded while someone holds it, and is loaded once.
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<LlamaModel>> loaded;
  const std::string key = CacheKey(path, options);
  std::lock_guard lock(mu);
  if (auto existing = loaded[key].lock()) return existing;
  CI_ASSIGN_OR_RETURN(std::shared_ptr<LlamaModel> model, LoadUncached(path, options));
  loaded[key] = model;
  return model;
}

Result<std::shared_ptr<LlamaModel>> LlamaModel::LoadUncached(const std::string& path,
                                                             const LlamaOptions& options) {
  CI_RETURN_IF_ERROR(CheckOptions(options));
  CI_RETURN_IF_ERROR(CheckGgufFile(path));
  InitLlamaOnce();
  std::shared_ptr<LlamaModel> m(new LlamaModel(path, options));
  llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = options.n_gpu_layers;
  TakeLlamaErrors();
  m->model_ = llama_model_load_from_file(path.c_str(), mp);
  if (!m->model_) {
    return Status::Corruption("cannot load model '" + path + "': " + TakeLlamaErrors());
  }
  m->architecture_ = MetaString(m->model_, "general.architecture");
  const std::string pooling = MetaString(m->model_, m->architecture_ + ".pooling_type");
  m->is_embedder_ = !pooling.empty() && pooling != "0";
  CI_RETURN_IF_ERROR(m->CreateContext());
  m->is_reranker_ = llama_pooling_type(m->ctx_) == LLAMA_POOLING_TYPE_RANK;
  const char* tmpl = llama_model_chat_template(m->model_, /*name=*/nullptr);
  m->chat_template_ = tmpl ? tmpl : "";
  m->chat_template_id_ = ChatTemplate::FromModelText(m->chat_template_).id();
  CI_ASSIGN_OR_RETURN(m->file_sha256_, FileSha256(path));
  LogInfo("loaded model " + path + " (" + m->architecture_ + ", " +
          (m->is_embedder_ ? "embedder" : "generator") + ", context " +
          std::to_string(m->ContextSize()) + " tokens)");
  return m;
}

Status LlamaModel::CreateContext() {
  const int n_ctx_train = llama_model_n_ctx_train(model_);
  int n_ctx = options_.n_ctx == 0 ? n_ctx_train : options_.n_ctx;
  if (n_ctx_train > 0) n_ctx = std::min(n_ctx, n_ctx_train);
  const int threads = options_.n_threads > 0
                          ? options_.n_threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = static_cast<uint32_t>(n_ctx);
  // An embedder attends to the whole text at once, so a text must fit one physical batch.
  cp.n_batch = static_cast<uint32_t>(is_embedder_ ? n_ctx : std::min(n_ctx, 512));
  cp.n_ubatch = cp.n_batch;
  // Generators: one sequence per row in flight, plus sequence 0 holding the shared prefix
  // (batch decoder). Embedders: texts packed per decode; llama.cpp's pooling graph is reserved
  // with the physical batch split evenly across n_seq_max sequences and asserts unless that
  // divides, so round up to a divisor of n_ubatch.
  uint32_t n_seq = static_cast<uint32_t>(options_.n_parallel + (is_embedder_ ? 0 : 1));
  if (is_embedder_) {
    while (n_seq < cp.n_ubatch && cp.n_ubatch % n_seq != 0) ++n_seq;
  }
  cp.n_seq_max = std::min<uint32_t>(n_seq, 256);  // LLAMA_MAX_SEQ (src/llama-cparams.h)
  cp.n_threads = threads;
  cp.n_threads_batch = threads;
  cp.embeddings = is_embedder_;
  cp.no_perf = true;
  cp.kv_unified = true;  // sequences share one KV buffer: needed to copy a shared prefix
  TakeLlamaErrors();
  ctx_ = llama_init_from_model(model_, cp);
  if (!ctx_) {
    return Status::Internal("cannot create a llama.cpp context for '" + path_ + "': " +
                            TakeLlamaErrors());
  }
  // llama.cpp pads the context; positions past the training context are still off limits.
  n_ctx_ = static_cast<int>(llama_n_ctx_seq(ctx_));
  if (n_ctx_train > 0) n_ctx_ = std::min(n_ctx_, n_ctx_train);
  n_batch_ = static_cast<int>(cp.n_batch);
  return Status::Ok();
}

void LlamaModel::SetAbortCheck(bool (*check)(void* data), void* data) {
  std::lock_guard lock(mu_);
  llama_set_abort_callback(ctx_, check, data);
}

int LlamaModel::EmbeddingSize() const { return llama_model_n_embd_out(model_); }
int LlamaModel::ContextSize() const { return n_ctx_; }
int LlamaModel::VocabSize() const { return llama_vocab_n_tokens(llama_model_get_vocab(model_)); }

Result<std::vector<int32_t>> LlamaModel::Tokenize(std::string_view text) const {
  return TokenizeText(text, /*add_special=*/true);
}

std::string LlamaModel::Detokenize(const std::vector<int32_t>& tokens) const {
  const llama_vocab* vocab = llama_model_get_vocab(model_);
  std::string text(tokens.size() * 8 + 16, '\0');
  auto run = [&] {
    return llama_detokenize(vocab, tokens.data(), static_cast<int32_t>(tokens.size()), text.data(),
                            static_cast<int32_t>(text.size()), /*remove_special=*/false,
                            /*unparse_special=*/false);
  };
  int32_t n = run();
  if (n < 0) {
    text.resize(static_cast<size_t>(-n));
    n = run();
  }
  text.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return text;
}

Status LlamaModel::CheckFits(int prompt_tokens, int more_tokens) const {
  if (prompt_tokens == 0) return Status::InvalidArgument("the prompt is empty");
  if (prompt_tokens + more_tokens <= n_ctx_) return Status::Ok();
  return Status::InvalidArgument(
      "the prompt is " + std::to_string(prompt_tokens) + " tokens" +
      (more_tokens > 0 ? " plus " + std::to_string(more_tokens) + " to generate" : std::string()) +
      ", more than the context of " + std::to_string(n_ctx_) +
      " tokens; shorten the input or raise n_ctx (the model was trained on " +
      std::to_string(llama_model_n_ctx_train(model_)) + ")");
}

Status LlamaModel::DecodePrompt(const std::vector<int32_t>& tokens) {
  llama_memory_t memory = llama_get_memory(ctx_);
  if (memory) llama_memory_clear(memory, /*data=*/true);
  std::vector<llama_token> chunk;
  for (size_t start = 0; start < tokens.size(); start += static_cast<size_t>(n_batch_)) {
    size_t end = std::min(tokens.size(), start + static_cast<size_t>(n_batch_));
    chunk.assign(tokens.begin() + static_cast<std::ptrdiff_t>(start),
                 tokens.begin() + static_cast<std::ptrdiff_t>(end));
    int32_t rc = llama_decode(ctx_, llama_batch_get_one(chunk.data(), static_cast<int32_t>(chunk.size())));
    if (rc != 0) {
      return Status::Internal("llama.cpp could not decode the prompt (code " + std::to_string(rc) +
                              "): " + TakeLlamaErrors());
    }
  }
  return Status::Ok();
}

int32_t LlamaModel::Argmax() const {
  const float* logits = llama_get_logits_ith(ctx_, -1);
  const int n_vocab = VocabSize();
  // std::max_element keeps the first maximum: ties go to the lowest id, deterministically.
  return static_cast<int32_t>(std::max_element(logits, logits + n_vocab) - logits);
}

Result<std::string> LlamaModel::Generate(std::string_view prompt, int max_tokens) {
  GenerateOptions options;
  options.max_tokens = max_tokens;
  CI_ASSIGN_OR_RETURN(Generation g, GenerateTokens(prompt, options));
  return std::move(g.text);
}

Result<Generation> LlamaModel::GenerateTokens(std::string_view prompt, const GenerateOptions& options) {
  if (is_embedder_) {
    return Status::InvalidArgument("model '" + path_ + "' is an embedding model (" + architecture_ +
                                   "); it cannot generate text");
  }
  if (options.max_tokens < 0) return Status::InvalidArgument("max_tokens must not be negative");
  std::lock_guard lock(mu_);
  Generation out;
  CI_ASSIGN_OR_RETURN(std::vector<int32_t> tokens, Tokenize(prompt));
  out.prompt_tokens = static_cast<int>(tokens.size());
  CI_RETURN_IF_ERROR(CheckFits(out.prompt_tokens, options.max_tokens));
  CI_RETURN_IF_ERROR(DecodePrompt(tokens));
  const llama_vocab* vocab = llama_model_get_vocab(model_);
  for (int i = 0; i < options.max_tokens; ++i) {
    llama_token next = Argmax();
    if (!options.ignore_eog && llama_vocab_is_eog(vocab, next)) break;
    out.tokens.push_back(next);
    if (i + 1 == options.max_tokens) break;  // the last token's logits are never needed
    int32_t rc = llama_decode(ctx_, llama_batch_get_one(&next, 1));
    if (rc != 0) {
      return Status::Internal("llama.cpp could not decode token " + std::to_string(i + 1) +
                              " (code " + std::to_string(rc) + "): " + TakeLlamaErrors());
    }
  }
  out.text = Detokenize(out.tokens);
  return out;
}

Result<std::vector<float>> LlamaModel::Embed(std::string_view text) {
  if (!is_embedder_) {
    return Status::InvalidArgument("model '" + path_ + "' is a generator (" + architecture_ +
                                   ") with no pooling; embeddings need an embedding model");
  }
  std::lock_guard lock(mu_);
  CI_ASSIGN_OR_RETURN(std::vector<int32_t> tokens, Tokenize(text));
  CI_RETURN_IF_ERROR(CheckFits(static_cast<int>(tokens.size()), 0));
  llama_memory_t memory = llama_get_memory(ctx_);
  if (memory) llama_memory_clear(memory, /*data=*/true);
  llama_batch batch = llama_batch_init(static_cast<int32_t>(tokens.size()), 0, 1);
  for (size_t i = 0; i < tokens.size(); ++i) {
    batch.token[i] = tokens[i];
    batch.pos[i] = static_cast<llama_pos>(i);
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = 0;
    batch.logits[i] = true;  // pooling reads every token's output
  }
  batch.n_tokens = static_cast<int32_t>(tokens.size());
  int32_t rc = llama_decode(ctx_, batch);
  llama_batch_free(batch);
  if (rc != 0) {
    return Status::Internal("llama.cpp could not embed the text (code " + std::to_string(rc) +
                            "): " + TakeLlamaErrors());
  }
  const float* pooled = llama_get_embeddings_seq(ctx_, 0);
  if (!pooled) return Status::Internal("llama.cpp returned no pooled embedding");
  std::vector<float> v(pooled, pooled + EmbeddingSize());
  double norm = 0;
  for (float x : v) norm += static_cast<double>(x) * x;
  norm = std::sqrt(norm);
  if (!(norm > 0) || !std::isfinite(norm)) return Status::Internal("the embedding has no direction");
  for (float& x : v) x = static_cast<float>(x / norm);
  return v;
}

}  // namespace custintel::ai
