#include "ai/runtime.h"

#include "ai/backend_llama.h"
#include "ai/builtin_backend.h"
#include "ai/http_backend.h"

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

AiRuntime::AiRuntime(AiConfig config, std::weak_ptr<store::Database> db)
    : config_(std::move(config)), db_(std::move(db)) {}

Result<std::shared_ptr<AiService>> AiRuntime::Service() {
  std::lock_guard<std::mutex> lock(mu_);
  if (service_) return service_;
  if (tried_) return failed_;
  tried_ = true;
  auto backend = MakeBackend(config_);
  if (!backend.ok()) {
    failed_ = backend.status();
    return failed_;
  }
  std::shared_ptr<Cache> cache;
  if (config_.cache && !db_.expired()) cache = std::make_shared<Cache>(db_, (*backend)->identity());
  BudgetLimits limits{config_.max_calls_per_run, config_.max_tokens_per_run, config_.max_calls_per_tenant_day,
                      config_.max_tokens_per_tenant_day};
  auto budget = std::make_shared<Budget>(limits, config_.tenant, db_);
  ServiceOptions options;
  options.sampling.seed = static_cast<uint32_t>(config_.seed);
  options.sampling.max_tokens = config_.max_tokens;
  service_ = std::make_shared<AiService>(std::move(*backend), std::move(cache), std::move(budget), options);
  return service_;
}

std::shared_ptr<AiService> AiRuntime::ServiceIfBuilt() const {
  std::lock_guard<std::mutex> lock(mu_);
  return service_;
}

}  // namespace custintel::ai
