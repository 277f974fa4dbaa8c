// HttpBackend: the Backend interface over OpenAI-compatible servers (llama.cpp server, vLLM,
// hosted APIs): POST /v1/chat/completions (JSON answers via response_format json_schema) and
// /v1/embeddings.
//
// - Concurrency: up to `concurrency` requests in flight per base URL; each row is one request
//   (embeddings go `embed_batch` texts per request).
// - Several base URLs: each request goes to the healthy URL with the fewest requests in flight.
// - Retries: 429, 5xx, transport errors and timeouts are retried up to max_retries times with
//   exponential backoff and jitter; a 429's Retry-After (seconds) is honoured, capped at
//   max_backoff_ms. Other 4xx answers fail at once (retrying cannot help).
// - Circuit breaker per URL: after breaker_failures consecutive failed attempts the URL is
//   skipped for breaker_cooldown_ms, then one trial request decides. When every URL is open,
//   rows fail fast with Unavailable instead of waiting on a dead server.
// - Active health checks: while a URL's breaker is open, a background thread (started when a
//   breaker opens, gone when none is open) probes it every health_interval_ms with GET
//   health_path (llama.cpp's server and vLLM answer /health), then GET /v1/models when that
//   route is missing. A 200 closes the breaker at once: the server is back in the pool without
//   a live request risked on it. No answer or a 5xx keeps it out (the cooldown is pushed back,
//   so no live trial goes to a dead server). A server with neither route keeps the live trial
//   after the cooldown.
// - The API key comes from the environment variable named in options (Authorization: Bearer)
//   and never appears in a message or log.
// - choose: the server is asked for {"label": <one of the choices>} by JSON schema, with
//   logprobs (top 20); the choices are scored from the label's first-token alternatives
//   (ai/http_choice_scores.h). A server without logprobs, or choices sharing their first
//   token, give the label probability 1 and margin 1.
//
//   HttpBackendOptions o;
//   o.base_urls = {"http://127.0.0.1:8080"};
//   HttpBackend b(o);
//   Batch<Completion> c = b.Generate(prompts, {});
//
// Thread safety: all methods may be called from any thread at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ai/backend.h"
#include "ai/http/http_client.h"

namespace custintel::ai {

struct HttpBackendOptions {
  std::vector<std::string> base_urls;  // e.g. "http://127.0.0.1:8080" (no trailing /v1)
  std::string model;                   // sent as "model"; "" lets the server pick
  std::string api_key_env;             // environment variable holding the API key; "" = none
  int concurrency = 4;                 // requests in flight per base URL
  int timeout_ms = 60000;              // per request (a hanging server costs this much per try)
  int connect_timeout_ms = 3000;
  int max_retries = 4;                 // retries after the first attempt
  int backoff_base_ms = 250;           // first retry waits about this long, doubling after
  int max_backoff_ms = 20000;          // cap on any single wait, Retry-After included
  int breaker_failures = 5;            // consecutive failures that open a URL's breaker
  int breaker_cooldown_ms = 15000;     // how long an open breaker skips its URL
  int embed_batch = 64;                // texts per /v1/embeddings request
  int health_interval_ms = 1000;       // probe period of a URL whose breaker is open; 0 = no probes
  std::string health_path = "/health";
};

// Counters for tests and reports.
struct HttpBackendStats {
  int64_t requests = 0;         // attempts sent, retries included
  int64_t retries = 0;
  int64_t breaker_rejections = 0;  // attempts not sent because every URL was open
  int64_t health_probes = 0;       // health checks sent to URLs whose breaker was open
  int64_t readmitted = 0;          // URLs a health check returned to the pool
};

// `text` with every value of `secrets` and anything shaped like a credential (echoed
// Authorization / API-key / cookie headers, "Bearer ..." tokens, sk-... keys, user:password@ in
// URLs) replaced by "[redacted]". Upstream error texts pass through it before they are kept,
// logged or returned: an OpenAI-compatible server may echo the request's headers.
std::string ScrubSecrets(std::string text, const std::vector<std::string>& secrets);

class HttpBackend final : public Backend {
 public:
  explicit HttpBackend(HttpBackendOptions options);
  ~HttpBackend() override;

  const ModelIdentity& identity() const override { return identity_; }
  Batch<Completion> Generate(std::span<const std::string> prompts, const Sampling& sampling) override;
  Batch<Scored> Choose(std::span<const std::string> prompts, std::span<const std::string> choices) override;
  Batch<Completion> GenerateJson(std::span<const std::string> prompts, const std::string& json_schema,
                                 const Sampling& sampling) override;
  Batch<Embedding> Embed(std::span<const std::string> texts) override;
  Result<std::vector<double>> Rerank(const std::string& query, std::span<const std::string> docs) override;
  // Every request's rows at once, over the same `concurrency` per URL as one call: a queue
  // step's choices, summaries and themes in flight together, not one operation after another.
  std::vector<MixedAnswers> RunMixed(std::span<const MixedRequest> requests) override;

  HttpBackendStats stats() const;

 private:
  struct Endpoint;
  // POSTs `body` to `path` on the best endpoint, with retries and the breaker; returns the
  // parsed JSON of a 200 answer.
  Result<nlohmann::json> Post(const std::string& path, const std::string& body);
  Endpoint* PickEndpoint();
  // Opens e's breaker for breaker_cooldown_ms and makes sure the prober runs. REQUIRES: mu_.
  void OpenBreaker(Endpoint* e);
  // The prober thread: probes every open URL each health_interval_ms until none is open.
  void ProbeLoop();
  enum class Health { kUp, kDown, kUnknown };
  Health Probe(const std::string& url);
  // ScrubSecrets with the headers this backend sends (the API key among them).
  std::string Scrub(const std::string& upstream_text) const;
  // One chat request per prompt; `extra` fields join each body; `raw` (when given) receives
  // each row's whole answer.
  Batch<Completion> Chat(std::span<const std::string> prompts, const Sampling& sampling,
                         const nlohmann::json* schema, const nlohmann::json& extra = {},
                         std::vector<nlohmann::json>* raw = nullptr);

  const HttpBackendOptions options_;
  ModelIdentity identity_;
  HttpHeaders headers_;  // with the API key: never logged
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::mutex mu_;  // guards endpoint breaker state and in-flight counts, and the prober's state
  std::condition_variable prober_wake_;
  std::thread prober_;
  bool prober_running_ = false;  // guarded by mu_
  bool stopping_ = false;        // guarded by mu_
  std::atomic<int64_t> requests_{0}, retries_{0}, breaker_rejections_{0}, health_probes_{0}, readmitted_{0};
};

}  // namespace custintel::ai
