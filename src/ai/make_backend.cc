#include "ai/make_backend.h"

#include "ai/builtin_backend.h"
#include "ai/http/http_backend.h"
#include "ai/llama/llama_backend.h"

namespace custintel::ai {

Result<std::shared_ptr<Backend>> MakeBackend(const AiConfig& config) {
  if (config.backend == "builtin") return std::shared_ptr<Backend>(MakeBuiltinBackend());
  if (config.backend == "llama") {
    if (config.model.empty()) {
      return Status::InvalidArgument("the llama backend needs a GGUF model: --model FILE.gguf or [ai] model");
    }
    LlamaOptions o;
    o.n_ctx = config.n_ctx;
    o.n_threads = config.threads;
    o.n_parallel = config.n_parallel;
    o.seed = static_cast<uint32_t>(config.seed);
    CI_ASSIGN_OR_RETURN(auto backend, LlamaBackend::Open(config.model, o));
    return std::shared_ptr<Backend>(std::move(backend));
  }
  if (config.backend == "http") {
    if (config.base_urls.empty()) {
      return Status::InvalidArgument("the http backend needs a server: --base-url URL or [ai] base_urls");
    }
    HttpBackendOptions o;
    o.base_urls = config.base_urls;
    o.model = config.model;
    o.api_key_env = config.api_key_env;
    o.concurrency = config.http_concurrency;
    o.timeout_ms = config.timeout_ms;
    o.max_retries = config.max_retries;
    return std::shared_ptr<Backend>(std::make_shared<HttpBackend>(o));
  }
  return Status::InvalidArgument("AI backend '" + config.backend + "' is not one of builtin, llama, http");
}

}  // namespace custintel::ai
