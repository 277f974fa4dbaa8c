// AiRuntime: builds the AI layer from configuration ([ai] in custintel.toml, overridden by
// --backend/--model/--base-url) for one DuckDB database: the backend (ai::MakeBackend), the
// cache and the tenant's usage over that database (ai_cache.h, ai_usage.h), the budget, and
// the AiService over them. The service is built on first use, so commands that
// never touch AI never load a model.
//
//   auto runtime = std::make_shared<AiRuntime>(config.ai, db);
//   CI_ASSIGN_OR_RETURN(auto ai, runtime->Service());
//
// Thread safety: Service() may be called from any thread; it builds once.
#pragma once

#include <memory>
#include <mutex>

#include "ai/service.h"
#include "core/config.h"
#include "store/database.h"

namespace custintel::store {

class AiRuntime {
 public:
  // Holds the database weakly (the runtime lives in the database's function catalog).
  AiRuntime(AiConfig config, std::weak_ptr<Database> db);

  Result<std::shared_ptr<ai::AiService>> Service();
  // The service when it was built, else null (for reporting counters without building one).
  std::shared_ptr<ai::AiService> ServiceIfBuilt() const;
  const AiConfig& config() const { return config_; }

 private:
  const AiConfig config_;
  std::weak_ptr<Database> db_;
  mutable std::mutex mu_;
  std::shared_ptr<ai::AiService> service_;
  Status failed_;  // a build that failed stays failed (one clear error, not one per chunk)
  bool tried_ = false;
};

}  // namespace custintel::store
