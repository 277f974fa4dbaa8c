// What every SQL-callable body needs: who was called (name, the extension's schema) and an AI
// service for the call, over the configured backend and the extension's cache.
#pragma once

#include <memory>
#include <string>

#include "ai/service.h"
#include "pg/engine.h"
#include "pg/pg_door.h"

namespace custintel::pg {

struct Callee {
  std::string name;         // the SQL function's name, for messages
  std::string cache_table;  // "schema".custintel_ai_cache
  std::string schema;       // the extension's schema (the function's own), quoted
};
Callee CalleeOf(FunctionCallInfo fcinfo);

// Throws SqlError when the backend cannot be built.
std::unique_ptr<ai::AiService> ServiceFor(const Callee& callee, const CallOptions& call);

}  // namespace custintel::pg
