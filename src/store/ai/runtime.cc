#include "store/ai/runtime.h"

#include "ai/make_backend.h"
#include "store/ai/ai_cache.h"
#include "store/ai/ai_usage.h"

namespace custintel::store {

AiRuntime::AiRuntime(AiConfig config, std::weak_ptr<Database> db)
    : config_(std::move(config)), db_(std::move(db)) {}

Result<std::shared_ptr<ai::AiService>> AiRuntime::Service() {
  std::lock_guard<std::mutex> lock(mu_);
  if (service_) return service_;
  if (tried_) return failed_;
  tried_ = true;
  auto backend = ai::MakeBackend(config_);
  if (!backend.ok()) {
    failed_ = backend.status();
    return failed_;
  }
  std::shared_ptr<ai::Cache> cache;
  if (config_.cache && !db_.expired()) cache = std::make_shared<AiCache>(db_, (*backend)->identity());
  ai::BudgetLimits limits{config_.max_calls_per_run, config_.max_tokens_per_run, config_.max_calls_per_tenant_day,
                      config_.max_tokens_per_tenant_day};
  auto usage = db_.expired() ? nullptr : std::make_shared<AiUsage>(db_);
  auto budget = std::make_shared<ai::Budget>(limits, config_.tenant, std::move(usage));
  ai::ServiceOptions options;
  options.sampling.seed = static_cast<uint32_t>(config_.seed);
  options.sampling.max_tokens = config_.max_tokens;
  service_ = std::make_shared<ai::AiService>(std::move(*backend), std::move(cache), std::move(budget), options);
  return service_;
}

std::shared_ptr<ai::AiService> AiRuntime::ServiceIfBuilt() const {
  std::lock_guard<std::mutex> lock(mu_);
  return service_;
}

}  // namespace custintel::store
