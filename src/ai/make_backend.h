// MakeBackend: the AI backend that configuration names ([ai] backend = builtin | llama | http,
// with its model, servers and threads). Every host builds its backend here: the DuckDB
// pipeline (store/ai/runtime.h), the server, the PostgreSQL extension.
#pragma once

#include <memory>

#include "ai/backend.h"
#include "core/config.h"
#include "core/status.h"

namespace custintel::ai {

// Errors: InvalidArgument (unknown backend, llama without a model path, http without a base
// URL), and whatever loading the model reports.
Result<std::shared_ptr<Backend>> MakeBackend(const AiConfig& config);

}  // namespace custintel::ai
