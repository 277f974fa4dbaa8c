// Engine: custintel's AI layer as one PostgreSQL backend process holds it. No PostgreSQL header
// here (pg/pg_door.h is the one door); this file is plain C++ over ai/.
//
//   Engine& e = Engine::Get();
//   e.Configure(settings);                        // from the custintel.* settings, every call
//   Result<ai::AiService> s = e.Service(call, cache);
//
// The backend is built lazily on the first call that needs it and kept for the life of the
// process (a GGUF file is loaded once per backend process); a change of any setting that shapes
// it (backend, model, servers, threads ...) builds a new one on the next call.
//
// Thread safety: a PostgreSQL backend is single-threaded; Engine is called from its main
// thread only. The AI backends may start threads of their own (http requests, ggml); those
// never call PostgreSQL, and are started with every signal blocked (SignalsBlocked below) so
// PostgreSQL's handlers keep running on the main thread.
//
// Query cancel: while a backend call runs, every signal is blocked; the llama backend's abort
// check (engine.cc AbortOnCancelSignal) sees a pending SIGINT / SIGTERM / SIGALRM / SIGQUIT and
// stops the decode within one graph operation; the signals are then handled on the main
// thread and the cancel raised as PostgreSQL's own error (57014).
#pragma once

#include <csignal>
#include <memory>
#include <string>

#include "ai/backend.h"
#include "ai/budget.h"
#include "ai/cache.h"
#include "ai/service.h"
#include "core/config.h"
#include "core/status.h"

namespace custintel::pg {

// The custintel.* settings (pg/settings.cc defines them; README.md lists them).
struct Settings {
  AiConfig ai;                  // backend, model, base_urls, api_key_env, threads, n_parallel, n_ctx, timeout
  int default_max_tokens = 512;  // pg_steadytext's default when max_tokens is NULL
  bool cache = true;            // custintel.cache: keep answers in the cache table
  bool cache_builtin = false;   // custintel.cache_builtin: also cache the text engine's answers
  bool mask_pii = true;         // custintel.mask_pii: model backends get PII-masked prompts
  int64_t max_calls_per_role_day = 0;   // custintel.max_calls_per_role_day (0 = no cap)
  int64_t max_tokens_per_role_day = 0;  // custintel.max_tokens_per_role_day
};

// What one call asks for besides its inputs: every field reaches the cache key.
struct CallOptions {
  int max_tokens = 0;  // 0 = the default
  int64_t seed = 42;
  bool use_cache = true;
};

class Engine {
 public:
  static Engine& Get();

  void Configure(const Settings& settings) { settings_ = settings; }
  // What runs on the main thread after a backend call was stopped by a pending cancel signal:
  // PostgreSQL's interrupt processing, which throws the cancel (pg_door.h RaisePendingInterrupts;
  // set by _PG_init). Without it a stopped call's rows just fail.
  void SetInterruptRaiser(void (*raise_interrupts)()) { raise_interrupts_ = raise_interrupts; }
  const Settings& settings() const { return settings_; }

  // A service over the configured backend for one call; `cache` may be null (no caching).
  // With a daily cap set, `usage` (may be null: no caps) keeps the calling role's totals.
  Result<std::unique_ptr<ai::AiService>> Service(const CallOptions& call, std::shared_ptr<ai::Cache> cache,
                                                 const std::string& role = "",
                                                 std::shared_ptr<ai::UsageStore> usage = nullptr);
  // The configured backend's identity (builds the backend).
  Result<ai::ModelIdentity> Identity();

 private:
  Result<std::shared_ptr<ai::Backend>> Backend();
  static std::string Fingerprint(const AiConfig& c);

  Settings settings_;
  std::shared_ptr<ai::Backend> backend_;
  std::string backend_fingerprint_;
  void (*raise_interrupts_)() = nullptr;
};

// Blocks every signal for its lifetime on this thread, so threads started meanwhile (http
// requests, ggml workers) inherit a mask that leaves PostgreSQL's signals to the main thread.
// Signals that arrive meanwhile stay pending and are handled when the mask is restored.
class SignalsBlocked {
 public:
  SignalsBlocked();
  ~SignalsBlocked();
  SignalsBlocked(const SignalsBlocked&) = delete;
  SignalsBlocked& operator=(const SignalsBlocked&) = delete;

 private:
  sigset_t saved_;
};

}  // namespace custintel::pg
