#include "ai/http/http_backend.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "ai/http/http_choice_scores.h"
#include "ai/lexical_embed.h"
#include "core/hash.h"
#include "core/parallel.h"

namespace custintel::ai {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string Excerpt(const std::string& s, size_t n = 160) { return s.size() <= n ? s : s.substr(0, n) + "..."; }

}  // namespace

std::string ScrubSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.size() < 4) continue;  // too short to be a secret worth a false match
    for (size_t p = text.find(secret); p != std::string::npos; p = text.find(secret, p)) {
      text.replace(p, secret.size(), "[redacted]");
    }
  }
  // Echoed headers and key-looking values, in header, JSON or form shape; credentials in URLs.
  static const std::regex kHeader(
      R"re(((?:proxy-)?authorization|x-api-key|api[-_]?key|cookie|set-cookie|token|secret|password)(["']?\s*[:=]\s*["']?)[^"'\r\n,;}&]*)re",
      std::regex::icase);
  static const std::regex kBearer(R"re(\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+)re", std::regex::icase);
  static const std::regex kKeyLike(R"re(\bsk-[A-Za-z0-9_-]{8,})re");
  static const std::regex kUrlCredentials(R"re(//[^/@\s:]+:[^/@\s]+@)re");
  text = std::regex_replace(text, kHeader, "$1$2[redacted]");
  text = std::regex_replace(text, kBearer, "$1 [redacted]");
  text = std::regex_replace(text, kKeyLike, "[redacted]");
  text = std::regex_replace(text, kUrlCredentials, "//[redacted]@");
  return text;
}

namespace {

int JitteredBackoff(int base_ms, int attempt, int cap_ms) {
  thread_local std::mt19937 rng(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  double ms = base_ms * std::pow(2.0, attempt) * jitter(rng);
  return static_cast<int>(std::min<double>(ms, cap_ms));
}

void Normalise(std::vector<float>& v) {
  double n = 0;
  for (float x : v) n += static_cast<double>(x) * x;
  if (n <= 0) return;
  const double inv = 1.0 / std::sqrt(n);
  for (float& x : v) x = static_cast<float>(x * inv);
}

}  // namespace

struct HttpBackend::Endpoint {
  std::string url;
  int in_flight = 0;
  int consecutive_failures = 0;
  Clock::time_point open_until{};
  bool trial_in_flight = false;  // half-open: one request decides
};

HttpBackend::HttpBackend(HttpBackendOptions options) : options_(std::move(options)) {
  identity_.backend = "http";
  identity_.model = options_.model.empty() ? "default" : options_.model;
  // The server's weights are not visible from here; the model id stands for them.
  identity_.model_sha256 = Sha256Hex("http-model:" + identity_.model);
  identity_.engine_version = "openai-compatible";
  headers_.push_back({"Accept", "application/json"});
  if (!options_.api_key_env.empty()) {
    if (const char* key = std::getenv(options_.api_key_env.c_str()); key != nullptr && *key != '\0') {
      headers_.push_back({"Authorization", std::string("Bearer ") + key});
    }
  }
  for (const auto& url : options_.base_urls) {
    auto e = std::make_unique<Endpoint>();
    e->url = url;
    while (!e->url.empty() && e->url.back() == '/') e->url.pop_back();
    if (e->url.ends_with("/v1")) e->url.resize(e->url.size() - 3);
    endpoints_.push_back(std::move(e));
  }
}

HttpBackend::~HttpBackend() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  prober_wake_.notify_all();
  if (prober_.joinable()) prober_.join();
}

void HttpBackend::OpenBreaker(Endpoint* e) {
  e->open_until = Clock::now() + std::chrono::milliseconds(options_.breaker_cooldown_ms);
  if (options_.health_interval_ms <= 0 || prober_running_ || stopping_) return;
  // The last prober has left (it clears prober_running_ as its final act under mu_), so the
  // join returns at once. A thread started here inherits the caller's signal mask (pg: all
  // blocked during a backend call) and never calls back into the host.
  if (prober_.joinable()) prober_.join();
  prober_running_ = true;
  prober_ = std::thread([this] { ProbeLoop(); });
}

HttpBackend::Health HttpBackend::Probe(const std::string& url) {
  HttpRequestOptions o;
  o.connect_timeout_ms = std::min(options_.connect_timeout_ms, 1000);
  o.timeout_ms = std::min(options_.timeout_ms, 2000);
  ++health_probes_;
  Result<HttpResponse> r = HttpGet(url, options_.health_path, headers_, o);
  if (r.ok() && r->status == 404) r = HttpGet(url, "/v1/models", headers_, o);
  if (!r.ok() || r->status >= 500) return Health::kDown;
  return r->status == 200 ? Health::kUp : Health::kUnknown;
}

void HttpBackend::ProbeLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    prober_wake_.wait_for(lock, std::chrono::milliseconds(options_.health_interval_ms), [this] { return stopping_; });
    std::vector<Endpoint*> open;
    for (auto& e : endpoints_) {
      if (e->consecutive_failures >= options_.breaker_failures) open.push_back(e.get());
    }
    if (stopping_ || open.empty()) {
      prober_running_ = false;
      return;
    }
    for (Endpoint* e : open) {
      lock.unlock();
      const Health h = Probe(e->url);  // endpoints_ never changes after construction
      lock.lock();
      if (stopping_) break;
      if (e->consecutive_failures < options_.breaker_failures) continue;  // a live trial closed it meanwhile
      if (h == Health::kUp) {
        e->consecutive_failures = 0;
        e->open_until = {};
        ++readmitted_;
      } else if (h == Health::kDown) {
        e->open_until = std::max(e->open_until, Clock::now() + std::chrono::milliseconds(options_.breaker_cooldown_ms));
      }
    }
  }
}

std::string HttpBackend::Scrub(const std::string& upstream_text) const {
  std::vector<std::string> secrets;
  for (const auto& [name, value] : headers_) {
    if (name == "Accept") continue;
    secrets.push_back(value);
    if (value.rfind("Bearer ", 0) == 0) secrets.push_back(value.substr(7));
  }
  return ScrubSecrets(upstream_text, secrets);
}

HttpBackendStats HttpBackend::stats() const {
  return {requests_.load(), retries_.load(), breaker_rejections_.load(), health_probes_.load(), readmitted_.load()};
}

HttpBackend::Endpoint* HttpBackend::PickEndpoint() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = Clock::now();
  Endpoint* best = nullptr;
  for (auto& e : endpoints_) {
    const bool tripped = e->consecutive_failures >= options_.breaker_failures;
    if (tripped && (now < e->open_until || e->trial_in_flight)) continue;
    if (!best || e->in_flight < best->in_flight) best = e.get();
  }
  if (best) {
    ++best->in_flight;
    if (best->consecutive_failures >= options_.breaker_failures) best->trial_in_flight = true;
  }
  return best;
}

Result<json> HttpBackend::Post(const std::string& path, const std::string& body) {
  if (endpoints_.empty()) return Status::InvalidArgument("the http AI backend has no base URL (--base-url URL)");
  HttpRequestOptions o;
  o.timeout_ms = options_.timeout_ms;
  o.connect_timeout_ms = options_.connect_timeout_ms;
  std::string why;
  int attempts = 0;
  for (int attempt = 0; attempt <= options_.max_retries; ++attempt) {
    Endpoint* e = PickEndpoint();
    if (!e) {
      ++breaker_rejections_;
      return Status::Unavailable("every AI endpoint is failing (circuit breaker open); last error: " +
                                 (why.empty() ? std::string("none yet") : why));
    }
    ++requests_;
    ++attempts;
    Result<HttpResponse> r = HttpPostJson(e->url, path, body, headers_, o);
    int wait_ms = JitteredBackoff(options_.backoff_base_ms, attempt, options_.max_backoff_ms);
    bool failed_endpoint = true;  // counts toward the breaker
    if (r.ok() && r->status == 200) {
      json parsed = json::parse(r->body, nullptr, false);
      {
        std::lock_guard<std::mutex> lock(mu_);
        --e->in_flight;
        e->consecutive_failures = 0;
        e->trial_in_flight = false;
      }
      if (parsed.is_discarded()) return Status::Internal(Scrub(e->url + path + " answered 200 with a body that is not JSON"));
      return parsed;
    }
    if (!r.ok()) {
      why = Scrub(r.status().message());
    } else if (r->status == 429) {
      why = fmt::format("{}{} answered 429 (rate limited)", e->url, path);
      failed_endpoint = false;
      if (!r->retry_after.empty()) {
        char* end = nullptr;
        double seconds = std::strtod(r->retry_after.c_str(), &end);
        if (end != r->retry_after.c_str() && seconds >= 0) {
          wait_ms = static_cast<int>(std::min<double>(seconds * 1000, options_.max_backoff_ms));
        }
      }
    } else if (r->status >= 500) {
      why = Scrub(fmt::format("{}{} answered {}: {}", e->url, path, r->status, Excerpt(Scrub(r->body))));
    } else {
      std::lock_guard<std::mutex> lock(mu_);
      --e->in_flight;
      e->trial_in_flight = false;
      return Status::InvalidArgument(
          Scrub(fmt::format("{}{} refused the request ({}): {}", e->url, path, r->status, Excerpt(Scrub(r->body)))));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      --e->in_flight;
      e->trial_in_flight = false;
      if (failed_endpoint && ++e->consecutive_failures >= options_.breaker_failures) OpenBreaker(e);
    }
    if (attempt < options_.max_retries) {
      ++retries_;
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    }
  }
  return Status::Unavailable(fmt::format("gave up after {} attempts: {}", attempts, why));
}

Batch<Completion> HttpBackend::Chat(std::span<const std::string> prompts, const Sampling& sampling,
                                    const json* schema, const json& extra, std::vector<json>* raw) {
  Batch<Completion> out(prompts.size(), Status::Internal("not run"));
  if (raw) raw->assign(prompts.size(), json());
  const size_t workers = static_cast<size_t>(options_.concurrency) * std::max<size_t>(endpoints_.size(), 1);
  ParallelFor(prompts.size(), workers, 1, [&](size_t i) {
    json body = {{"messages", json::array({{{"role", "user"}, {"content", prompts[i]}}})},
                 {"max_tokens", sampling.max_tokens},
                 {"temperature", sampling.temperature},
                 {"top_p", sampling.top_p},
                 {"seed", sampling.seed}};
    if (!options_.model.empty()) body["model"] = options_.model;
    if (sampling.top_k > 0) body["top_k"] = sampling.top_k;
    if (schema) {
      body["response_format"] = {{"type", "json_schema"},
                                 {"json_schema", {{"name", "answer"}, {"strict", true}, {"schema", *schema}}}};
    }
    if (extra.is_object()) body.update(extra);
    Result<json> r = Post("/v1/chat/completions", body.dump());
    if (!r.ok()) {
      out[i] = r.status();
      return;
    }
    const json& j = *r;
    if (!j.contains("choices") || j["choices"].empty() || !j["choices"][0].contains("message") ||
        !j["choices"][0]["message"].value("content", json()).is_string()) {
      out[i] = Status::Internal(Scrub("chat answer without choices[0].message.content: " + Excerpt(j.dump())));
      return;
    }
    // A grammar-bound answer cut at max_tokens is not a document: say so rather than hand back
    // half a JSON text (a model that never closes a string, e.g. a random-weight test model).
    if (schema && j["choices"][0].value("finish_reason", json()) == "length") {
      out[i] = Status::InvalidArgument("the model reached max_tokens (" + std::to_string(sampling.max_tokens) +
                                       ") before closing the JSON document; raise max_tokens");
      return;
    }
    Completion c;
    c.text = j["choices"][0]["message"]["content"].get<std::string>();
    if (j.contains("usage") && j["usage"].is_object()) {
      c.prompt_tokens = j["usage"].value("prompt_tokens", 0);
      c.completion_tokens = j["usage"].value("completion_tokens", 0);
    }
    if (raw) (*raw)[i] = j;
    out[i] = std::move(c);
  });
  return out;
}

Batch<Completion> HttpBackend::Generate(std::span<const std::string> prompts, const Sampling& sampling) {
  return Chat(prompts, sampling, nullptr);
}

std::vector<MixedAnswers> HttpBackend::RunMixed(std::span<const MixedRequest> requests) {
  std::vector<MixedAnswers> out(requests.size());
  std::vector<std::pair<size_t, size_t>> rows;  // request, prompt
  for (size_t i = 0; i < requests.size(); ++i) {
    const size_t n = requests[i].prompts.size();
    if (requests[i].kind == MixedRequest::Kind::kChoose) out[i].scored.assign(n, Status::Internal("not run"));
    else out[i].completions.assign(n, Status::Internal("not run"));
    for (size_t k = 0; k < n; ++k) rows.emplace_back(i, k);
  }
  const size_t workers = static_cast<size_t>(options_.concurrency) * std::max<size_t>(endpoints_.size(), 1);
  ParallelFor(rows.size(), workers, 1, [&](size_t j) {
    const auto [i, k] = rows[j];
    const MixedRequest& r = requests[i];
    std::span<const std::string> one(&r.prompts[k], 1);  // a batch of one runs on this thread
    switch (r.kind) {
      case MixedRequest::Kind::kGenerate:
        out[i].completions[k] = std::move(Generate(one, r.sampling)[0]);
        break;
      case MixedRequest::Kind::kChoose:
        out[i].scored[k] = std::move(Choose(one, r.choices)[0]);
        break;
      case MixedRequest::Kind::kJson:
        out[i].completions[k] = std::move(GenerateJson(one, r.json_schema, r.sampling)[0]);
        break;
    }
  });
  return out;
}

Batch<Completion> HttpBackend::GenerateJson(std::span<const std::string> prompts, const std::string& json_schema,
                                            const Sampling& sampling) {
  json schema = json::parse(json_schema, nullptr, false);
  if (schema.is_discarded()) return Batch<Completion>(prompts.size(), Status::InvalidArgument("schema is not JSON"));
  return Chat(prompts, sampling, &schema);
}

namespace {

// The answer for choice `index`: scored when logprobs gave probabilities, else probability 1.
Scored ScoredAnswer(std::span<const std::string> choices, size_t index, std::optional<std::vector<double>> scores,
                    int prompt_tokens) {
  Scored s;
  s.label = choices[index];
  if (scores) {
    s.probabilities = std::move(*scores);
  } else {
    s.probabilities.assign(choices.size(), 0.0);
    s.probabilities[index] = 1;
  }
  s.probability = s.probabilities[index];
  double runner_up = 0;
  for (size_t c = 0; c < choices.size(); ++c) {
    if (c != index) runner_up = std::max(runner_up, s.probabilities[c]);
  }
  s.margin = s.probability - runner_up;
  s.prompt_tokens = prompt_tokens;
  return s;
}

}  // namespace

Batch<Scored> HttpBackend::Choose(std::span<const std::string> prompts, std::span<const std::string> choices) {
  json schema = {{"type", "object"},
                 {"properties", {{"label", {{"type", "string"}, {"enum", json(std::vector<std::string>(choices.begin(), choices.end()))}}}}},
                 {"required", {"label"}},
                 {"additionalProperties", false}};
  Sampling s;
  s.max_tokens = 64;
  std::vector<json> raw;
  Batch<Completion> got =
      Chat(prompts, s, &schema, {{"logprobs", true}, {"top_logprobs", kChooseTopLogprobs}}, &raw);
  Batch<Scored> out;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!got[i].ok()) {
      out.push_back(got[i].status());
      continue;
    }
    json j = json::parse(got[i]->text, nullptr, false);
    std::string label = j.is_object() ? j.value("label", std::string()) : std::string();
    auto it = std::find(choices.begin(), choices.end(), label);
    if (it == choices.end()) {
      out.push_back(Status::Internal("the server's choice '" + Excerpt(got[i]->text, 60) + "' is not one of the choices"));
      continue;
    }
    out.push_back(ScoredAnswer(choices, static_cast<size_t>(it - choices.begin()),
                               ScoreChoicesFromLogprobs(raw[i], choices, label), got[i]->prompt_tokens));
  }
  return out;
}

Batch<Embedding> HttpBackend::Embed(std::span<const std::string> texts) {
  Batch<Embedding> out(texts.size(), Status::Internal("not run"));
  const size_t per = static_cast<size_t>(std::max(options_.embed_batch, 1));
  const size_t requests = (texts.size() + per - 1) / per;
  const size_t workers = static_cast<size_t>(options_.concurrency) * std::max<size_t>(endpoints_.size(), 1);
  ParallelFor(requests, workers, 1, [&](size_t k) {
    const size_t begin = k * per, end = std::min(texts.size(), begin + per);
    json body = {{"input", json(std::vector<std::string>(texts.begin() + begin, texts.begin() + end))}};
    if (!options_.model.empty()) body["model"] = options_.model;
    Result<json> r = Post("/v1/embeddings", body.dump());
    for (size_t i = begin; i < end && !r.ok(); ++i) out[i] = r.status();
    if (!r.ok()) return;
    const json& data = (*r).value("data", json::array());
    int tokens = (*r).contains("usage") ? (*r)["usage"].value("prompt_tokens", 0) : 0;
    for (size_t d = 0; d < data.size(); ++d) {
      size_t index = data[d].value("index", d);
      if (begin + index >= end || !data[d].contains("embedding")) continue;
      Embedding e;
      e.vector = data[d]["embedding"].get<std::vector<float>>();
      Normalise(e.vector);
      e.tokens = tokens / static_cast<int>(end - begin);
      out[begin + index] = std::move(e);
    }
  });
  return out;
}

Result<std::vector<double>> HttpBackend::Rerank(const std::string& query, std::span<const std::string> docs) {
  std::vector<std::string> all = {query};
  all.insert(all.end(), docs.begin(), docs.end());
  Batch<Embedding> e = Embed(all);
  for (const auto& x : e) {
    if (!x.ok()) return x.status();
  }
  std::vector<double> scores;
  for (size_t i = 1; i < e.size(); ++i) scores.push_back(Cosine(e[0]->vector, e[i]->vector));
  return scores;
}

}  // namespace custintel::ai
