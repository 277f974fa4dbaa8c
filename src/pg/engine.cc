#include "pg/engine.h"

#include <pthread.h>

#include <atomic>
#include <type_traits>

#include <span>
#include <vector>

#include <fmt/format.h>

#include "ai/make_backend.h"
#include "ai/masking_backend.h"

namespace custintel::pg {
namespace {

// Set by AbortOnCancelSignal when it stopped a decode; read and cleared on the main thread.
std::atomic<bool> g_aborted{false};

// The abort check given to the backend (ai::Backend::SetAbortCheck): true when a signal that
// may cancel the query is pending. Every signal is blocked while the backend runs, so
// pg_cancel_backend's SIGINT, pg_terminate_backend's SIGTERM, statement_timeout's SIGALRM
// (its handler sends the SIGINT) and the postmaster's SIGQUIT wait as pending signals of the
// process, visible to sigpending() from any thread. Reading the pending set is a system call,
// not a PostgreSQL call, so no thread but the main one ever touches PostgreSQL's state.
bool AbortOnCancelSignal(void*) {
  sigset_t pending;
  if (sigpending(&pending) != 0) return false;
  for (int sig : {SIGINT, SIGTERM, SIGALRM, SIGQUIT}) {
    if (sigismember(&pending, sig) == 1) {
      g_aborted.store(true);
      return true;
    }
  }
  return false;
}

// The configured backend with every call made under SignalsBlocked: threads it starts (http
// requests, ggml workers) never take PostgreSQL's signals. The cache's SPI calls, between
// backend calls, run with the signals unblocked (lock waits stay cancellable).
//
// A call the abort check stopped: once the mask is restored the pending signals' handlers run
// (setting QueryCancelPending / ProcDiePending), and `raise_interrupts` (PostgreSQL's
// CHECK_FOR_INTERRUPTS, through pg_door) throws the cancel as a PgError. A signal that asked
// for nothing (a timer of another timeout) raises nothing: the call runs again.
class SignalSafeBackend final : public ai::Backend {
 public:
  SignalSafeBackend(std::shared_ptr<ai::Backend> inner, void (*raise_interrupts)())
      : inner_(std::move(inner)), raise_interrupts_(raise_interrupts) {}
  const ai::ModelIdentity& identity() const override { return inner_->identity(); }
  ai::Batch<ai::Completion> Generate(std::span<const std::string> prompts, const ai::Sampling& s) override {
    return Run([&] { return inner_->Generate(prompts, s); });
  }
  ai::Batch<ai::Scored> Choose(std::span<const std::string> prompts, std::span<const std::string> choices) override {
    return Run([&] { return inner_->Choose(prompts, choices); });
  }
  ai::Batch<ai::Completion> GenerateJson(std::span<const std::string> prompts, const std::string& schema,
                                         const ai::Sampling& s) override {
    return Run([&] { return inner_->GenerateJson(prompts, schema, s); });
  }
  ai::Batch<ai::Embedding> Embed(std::span<const std::string> texts) override {
    return Run([&] { return inner_->Embed(texts); });
  }
  Result<std::vector<double>> Rerank(const std::string& query, std::span<const std::string> docs) override {
    return Run([&] { return inner_->Rerank(query, docs); });
  }
  std::vector<ai::MixedAnswers> RunMixed(std::span<const ai::MixedRequest> requests) override {
    return Run([&] { return inner_->RunMixed(requests); });
  }
  bool native_text_tasks() const override { return inner_->native_text_tasks(); }

 private:
  template <class F>
  std::invoke_result_t<F&> Run(F&& call) {
    for (;;) {
      g_aborted.store(false);
      auto out = [&] {
        SignalsBlocked blocked;
        return call();
      }();
      if (!g_aborted.load() || !raise_interrupts_) return out;
      raise_interrupts_();  // throws when the query was cancelled or the backend must die
    }
  }

  std::shared_ptr<ai::Backend> inner_;
  void (*raise_interrupts_)();
};

}  // namespace

Engine& Engine::Get() {
  static Engine engine;
  return engine;
}

std::string Engine::Fingerprint(const AiConfig& c) {
  std::string urls;
  for (const auto& u : c.base_urls) urls += u + ",";
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", c.backend, c.model, urls, c.api_key_env, c.threads, c.n_parallel,
                     c.n_ctx, c.http_concurrency, c.timeout_ms, c.max_retries);
}

Result<std::shared_ptr<ai::Backend>> Engine::Backend() {
  const std::string fp = Fingerprint(settings_.ai) + (settings_.mask_pii ? "|mask" : "|raw");
  if (backend_ && fp == backend_fingerprint_) return backend_;
  backend_.reset();
  SignalsBlocked blocked;  // a llama backend starts its threads while loading
  auto made = ai::MakeBackend(settings_.ai);
  if (!made.ok()) {
    return made.status().WithContext("custintel.backend = '" + settings_.ai.backend + "'");
  }
  std::shared_ptr<ai::Backend> backend = *made;
  backend->SetAbortCheck(&AbortOnCancelSignal, nullptr);
  // Model backends never see raw PII unless a superuser turns masking off (the text engine
  // never leaves the process).
  if (settings_.mask_pii && !backend->native_text_tasks()) backend = std::make_shared<ai::MaskingBackend>(backend);
  backend_ = std::make_shared<SignalSafeBackend>(backend, raise_interrupts_);
  backend_fingerprint_ = fp;
  return backend_;
}

Result<std::unique_ptr<ai::AiService>> Engine::Service(const CallOptions& call, std::shared_ptr<ai::Cache> cache,
                                                       const std::string& role,
                                                       std::shared_ptr<ai::UsageStore> usage) {
  CI_ASSIGN_OR_RETURN(auto backend, Backend());
  ai::ServiceOptions o;
  o.sampling.max_tokens = call.max_tokens > 0 ? call.max_tokens : settings_.default_max_tokens;
  o.sampling.seed = static_cast<uint32_t>(call.seed);
  o.cache_builtin = settings_.cache_builtin;
  if (!call.use_cache || !settings_.cache) cache.reset();
  std::shared_ptr<ai::Budget> budget;
  if (usage && (settings_.max_calls_per_role_day > 0 || settings_.max_tokens_per_role_day > 0)) {
    ai::BudgetLimits limits;
    limits.max_calls_per_tenant_day = settings_.max_calls_per_role_day;
    limits.max_tokens_per_tenant_day = settings_.max_tokens_per_role_day;
    budget = std::make_shared<ai::Budget>(limits, "role " + role, std::move(usage));
  }
  return std::make_unique<ai::AiService>(std::move(backend), std::move(cache), std::move(budget), o);
}

Result<ai::ModelIdentity> Engine::Identity() {
  CI_ASSIGN_OR_RETURN(auto backend, Backend());
  return backend->identity();
}

SignalsBlocked::SignalsBlocked() {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &saved_);
}

SignalsBlocked::~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }

}  // namespace custintel::pg
