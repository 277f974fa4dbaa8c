// AiRuntime: builds the AI layer from configuration ([ai] in custintel.toml, overridden by
// --backend/--model/--base-url) for one database: the backend, the cache over that database,
// the budget, and the AiService over them. The service is built on first use, so commands that
// never touch AI never load a model.
//
//   auto runtime = std::make_shared<AiRuntime>(config.ai, db);
//   CI_ASSIGN_OR_RETURN(auto ai, runtime->Service());
//
// Thread safety: Service() may be called from any thread; it builds once.
#pragma once

#include <memory>
#include <mutex>

#include "ai/backend.h"
#include "ai/service.h"
#include "core/config.h"
#include "store/database.h"

namespace custintel::ai {

// The backend named by config.backend. Errors: InvalidArgument (unknown backend, llama without
// a model path, http without a base URL), and whatever loading the model reports.
Result<std::shared_ptr<Backend>> MakeBackend(const AiConfig& config);

class AiRuntime {
 public:
  // Holds the database weakly (the runtime lives in the database's function catalog).
  AiRuntime(AiConfig config, std::weak_ptr<store::Database> db);

  Result<std::shared_ptr<AiService>> Service();
  // The service when it was built, else null (for reporting counters without building one).
  std::shared_ptr<AiService> ServiceIfBuilt() const;
  const AiConfig& config() const { return config_; }

 private:
  const AiConfig config_;
  std::weak_ptr<store::Database> db_;
  mutable std::mutex mu_;
  std::shared_ptr<AiService> service_;
  Status failed_;  // a build that failed stays failed (one clear error, not one per chunk)
  bool tried_ = false;
};

}  // namespace custintel::ai
