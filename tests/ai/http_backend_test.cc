// The http backend against a loopback fake OpenAI-compatible server (cpp-httplib) that can
// answer normally, fail with 500, rate-limit with 429 + Retry-After, or hang: retries,
// timeouts, the circuit breaker, load spreading, the API key, and the cache in front of it.
#include <httplib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "ai/http/http_backend.h"
#include "ai/service.h"
#include "store/ai/ai_cache.h"
#include "store/migrations.h"

namespace custintel::ai {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// A fake /v1/chat/completions + /v1/embeddings. `fail_next` requests answer `fail_status`
// (or hang for hang_ms when fail_status is 0) before normal answers resume.
class FakeServer {
 public:
  // port 0: any free port. health: also answer GET /health (as llama.cpp's server does).
  explicit FakeServer(int port = 0, bool health = false) {
    if (health) {
      server_.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
        ++health_checks;
        res.set_content(R"({"status":"ok"})", "application/json");
      });
    }
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests;
      last_auth = req.get_header_value("Authorization");
      if (Injected(res)) return;
      json body = json::parse(req.body);
      std::string prompt = body["messages"][0]["content"];
      std::string content = "reply to " + prompt;
      if (body.contains("response_format")) {
        const json& schema = body["response_format"]["json_schema"]["schema"];
        content = schema["properties"].contains("label")
                      ? json{{"label", schema["properties"]["label"]["enum"][0]}}.dump()
                      : json{{"n", 1}}.dump();
      }
      json out = {{"choices", {{{"message", {{"role", "assistant"}, {"content", content}}}}}},
                  {"usage", {{"prompt_tokens", 5}, {"completion_tokens", 3}}}};
      res.set_content(out.dump(), "application/json");
    });
    server_.Post("/v1/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests;
      if (Injected(res)) return;
      json body = json::parse(req.body);
      json data = json::array();
      for (size_t i = 0; i < body["input"].size(); ++i) data.push_back({{"index", i}, {"embedding", {3.0, 4.0}}});
      res.set_content(json{{"data", data}, {"usage", {{"prompt_tokens", 2}}}}.dump(), "application/json");
    });
    port_ = port == 0 ? server_.bind_to_any_port("127.0.0.1") : (server_.bind_to_port("127.0.0.1", port) ? port : -1);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~FakeServer() {
    stop_hang = true;
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  std::atomic<int> requests{0}, fail_next{0}, fail_status{500}, hang_ms{0}, health_checks{0};
  std::atomic<bool> stop_hang{false};
  std::string last_auth;

 private:
  bool Injected(httplib::Response& res) {
    if (fail_next.load() <= 0) return false;
    --fail_next;
    if (fail_status == 0) {  // hang, but bounded so the server can stop
      for (int waited = 0; waited < hang_ms && !stop_hang; waited += 10) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      res.status = 200;
      res.set_content("{}", "application/json");
      return true;
    }
    res.status = fail_status;
    if (fail_status == 429) res.set_header("Retry-After", "1");
    res.set_content(R"({"error":"injected"})", "application/json");
    return true;
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

HttpBackendOptions Fast(const std::vector<std::string>& urls) {
  HttpBackendOptions o;
  o.base_urls = urls;
  o.model = "tiny";
  o.timeout_ms = 2000;
  o.backoff_base_ms = 10;
  o.max_backoff_ms = 2000;
  o.max_retries = 3;
  o.concurrency = 2;
  return o;
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

TEST(HttpBackend, GeneratesChoosesJsonAndEmbeds) {
  FakeServer server;
  HttpBackend b(Fast({server.url()}));
  std::vector<std::string> prompts = {"a", "b", "c"};
  auto g = b.Generate(prompts, {});
  ASSERT_TRUE(g[1].ok()) << g[1].status().message();
  EXPECT_EQ(g[1]->text, "reply to b");
  EXPECT_EQ(g[1]->prompt_tokens, 5);
  std::vector<std::string> choices = {"yes", "no"};
  auto c = b.Choose(prompts, choices);
  ASSERT_TRUE(c[0].ok()) << c[0].status().message();
  EXPECT_EQ(c[0]->label, "yes");
  EXPECT_DOUBLE_EQ(c[0]->probabilities[0] + c[0]->probabilities[1], 1.0);
  auto e = b.Embed(prompts);
  ASSERT_TRUE(e[2].ok());
  EXPECT_NEAR(e[2]->vector[0], 0.6, 1e-6);  // (3,4) normalised
}

TEST(HttpBackend, RetriesServerErrorsThenSucceeds) {
  FakeServer server;
  server.fail_next = 2;
  server.fail_status = 500;
  HttpBackend b(Fast({server.url()}));
  std::vector<std::string> prompts = {"x"};
  auto g = b.Generate(prompts, {});
  ASSERT_TRUE(g[0].ok()) << g[0].status().message();
  EXPECT_EQ(b.stats().retries, 2);
  EXPECT_EQ(server.requests.load(), 3);
}

TEST(HttpBackend, HonoursRetryAfterOn429) {
  FakeServer server;
  server.fail_next = 1;
  server.fail_status = 429;
  HttpBackend b(Fast({server.url()}));
  std::vector<std::string> prompts = {"x"};
  auto start = Clock::now();
  auto g = b.Generate(prompts, {});
  ASSERT_TRUE(g[0].ok()) << g[0].status().message();
  EXPECT_GE(Seconds(start), 0.9);  // Retry-After: 1
  EXPECT_LT(Seconds(start), 5.0);
}

TEST(HttpBackend, AHangingServerTimesOutAndIsRetried) {
  FakeServer server;
  server.fail_next = 1;
  server.fail_status = 0;
  server.hang_ms = 3000;
  auto o = Fast({server.url()});
  o.timeout_ms = 300;
  HttpBackend b(o);
  std::vector<std::string> prompts = {"x"};
  auto start = Clock::now();
  auto g = b.Generate(prompts, {});
  ASSERT_TRUE(g[0].ok()) << g[0].status().message();
  EXPECT_EQ(b.stats().retries, 1);
  EXPECT_LT(Seconds(start), 2.5);  // did not wait out the hang
}

TEST(HttpBackend, GivesUpAfterMaxRetriesAndNeverRetriesClientErrors) {
  FakeServer server;
  server.fail_next = 100;
  server.fail_status = 503;
  HttpBackend b(Fast({server.url()}));
  std::vector<std::string> prompts = {"x"};
  auto g = b.Generate(prompts, {});
  ASSERT_FALSE(g[0].ok());
  EXPECT_EQ(g[0].status().code(), StatusCode::kUnavailable);
  EXPECT_NE(g[0].status().message().find("gave up after 4 attempts"), std::string::npos) << g[0].status().message();
  FakeServer bad;
  bad.fail_next = 100;
  bad.fail_status = 400;
  HttpBackend b2(Fast({bad.url()}));
  auto g2 = b2.Generate(prompts, {});
  ASSERT_FALSE(g2[0].ok());
  EXPECT_EQ(bad.requests.load(), 1);
}

TEST(HttpBackend, CircuitBreakerFailsFastOnceAServerKeepsFailing) {
  FakeServer server;
  server.fail_next = 1000;
  server.fail_status = 500;
  auto o = Fast({server.url()});
  o.breaker_failures = 3;
  o.breaker_cooldown_ms = 60000;
  o.max_retries = 10;
  o.concurrency = 1;
  HttpBackend b(o);
  std::vector<std::string> prompts = {"a", "b", "c", "d"};
  auto start = Clock::now();
  auto g = b.Generate(prompts, {});
  for (const auto& r : g) EXPECT_FALSE(r.ok());
  EXPECT_EQ(server.requests.load(), 3);  // then the breaker opened: no more requests
  EXPECT_NE(g[3].status().message().find("circuit breaker open"), std::string::npos) << g[3].status().message();
  EXPECT_GE(b.stats().breaker_rejections, 4);
  EXPECT_LT(Seconds(start), 5.0);
}

TEST(HttpBackend, BreakerOfOneServerSendsTheWorkToTheOther) {
  FakeServer dead, alive;
  dead.fail_next = 1000;
  auto o = Fast({dead.url(), alive.url()});
  o.breaker_failures = 2;
  o.breaker_cooldown_ms = 60000;
  HttpBackend b(o);
  std::vector<std::string> prompts(20, "p");
  for (size_t i = 0; i < prompts.size(); ++i) prompts[i] += std::to_string(i);
  auto g = b.Generate(prompts, {});
  for (const auto& r : g) EXPECT_TRUE(r.ok()) << r.status().message();
  EXPECT_LE(dead.requests.load(), 4);
  EXPECT_GE(alive.requests.load(), 20);
}

// Issue 24: a server that dies is taken out of the pool by its breaker, probed in the background
// (GET /health) and put back when it answers — not by a live request risked on it.
TEST(HttpBackend, AServerThatDiesIsProbedAndReturnsToThePoolWhenItAnswers) {
  auto first = std::make_unique<FakeServer>(0, /*health=*/true);
  FakeServer other(0, /*health=*/true);
  const int port = first->port();
  auto o = Fast({first->url(), other.url()});
  o.breaker_failures = 2;
  o.breaker_cooldown_ms = 600000;  // no live trial within the test: only a probe can readmit it
  o.health_interval_ms = 100;
  HttpBackend b(o);
  auto prompts = [](int n, const std::string& tag) {
    std::vector<std::string> p;
    for (int i = 0; i < n; ++i) p.push_back(tag + std::to_string(i));
    return p;
  };
  auto g = b.Generate(prompts(10, "before"), {});
  for (const auto& r : g) ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_GT(first->requests.load(), 0);
  EXPECT_EQ(b.stats().health_probes, 0) << "no probes while every breaker is closed";

  first.reset();  // the server dies: connections refused
  g = b.Generate(prompts(20, "down"), {});
  for (const auto& r : g) EXPECT_TRUE(r.ok()) << r.status().message();  // retried on the other
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const int64_t probes_while_down = b.stats().health_probes;
  EXPECT_GE(probes_while_down, 2) << "the dead server is probed in the background";
  EXPECT_EQ(b.stats().readmitted, 0);
  const int64_t sent_while_down = b.stats().requests;
  g = b.Generate(prompts(10, "still-down"), {});
  for (const auto& r : g) EXPECT_TRUE(r.ok());
  EXPECT_EQ(b.stats().requests - sent_while_down, 10) << "no live request goes to the dead server";

  FakeServer back(port, /*health=*/true);  // the same address answers again
  ASSERT_EQ(back.port(), port);
  const auto start = Clock::now();
  while (b.stats().readmitted == 0 && Seconds(start) < 5) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(b.stats().readmitted, 1) << "a health check returned it to the pool";
  EXPECT_GE(back.health_checks.load(), 1);
  EXPECT_EQ(back.requests.load(), 0) << "readmitted without a live request";
  g = b.Generate(prompts(20, "after"), {});
  for (const auto& r : g) EXPECT_TRUE(r.ok()) << r.status().message();
  EXPECT_GT(back.requests.load(), 0) << "work flows to it again, long before the 600 s cooldown";
  // Once every breaker is closed the prober stops: no more probes.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int64_t probes = b.stats().health_probes;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(b.stats().health_probes, probes);
}

TEST(HttpBackend, AServerWithoutAHealthRouteKeepsTheLiveTrialAfterTheCooldown) {
  FakeServer flaky, steady;  // no /health, no /v1/models: probes learn nothing
  flaky.fail_next = 2;
  auto o = Fast({flaky.url(), steady.url()});
  o.breaker_failures = 2;
  o.breaker_cooldown_ms = 300;
  o.health_interval_ms = 50;
  o.concurrency = 1;
  HttpBackend b(o);
  std::vector<std::string> p(8, "x");
  for (size_t i = 0; i < p.size(); ++i) p[i] += std::to_string(i);
  for (const auto& r : b.Generate(p, {})) EXPECT_TRUE(r.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_GT(b.stats().health_probes, 0);
  EXPECT_EQ(b.stats().readmitted, 0);
  const int before = flaky.requests.load();
  for (const auto& r : b.Generate(p, {})) EXPECT_TRUE(r.ok());
  EXPECT_GT(flaky.requests.load(), before) << "after the cooldown a live trial readmits it, as before";
}

TEST(HttpBackend, RunMixedAnswersEveryOperationAsItsOwnCall) {
  FakeServer server;
  HttpBackend b(Fast({server.url()}));
  std::vector<MixedRequest> requests(3);
  requests[0].prompts = {"a", "b"};
  requests[1].kind = MixedRequest::Kind::kChoose;
  requests[1].prompts = {"c"};
  requests[1].choices = {"yes", "no"};
  requests[2].kind = MixedRequest::Kind::kJson;
  requests[2].prompts = {"d", "e", "f"};
  requests[2].json_schema = R"({"type":"object","properties":{"n":{"type":"integer"}}})";
  auto got = b.RunMixed(requests);
  ASSERT_EQ(got.size(), 3u);
  ASSERT_EQ(got[0].completions.size(), 2u);
  ASSERT_EQ(got[1].scored.size(), 1u);
  ASSERT_EQ(got[2].completions.size(), 3u);
  EXPECT_EQ(got[0].completions[1]->text, "reply to b");
  EXPECT_EQ(got[1].scored[0]->label, "yes");
  EXPECT_EQ(json::parse(got[2].completions[2]->text)["n"], 1);
  EXPECT_EQ(server.requests.load(), 6);  // one request per row, as the separate calls
}

TEST(HttpBackend, SendsTheApiKeyFromTheEnvironmentAndNeverShowsIt) {
  FakeServer server;
  setenv("CUSTINTEL_TEST_KEY", "sk-secret-123", 1);
  auto o = Fast({server.url()});
  o.api_key_env = "CUSTINTEL_TEST_KEY";
  HttpBackend b(o);
  std::vector<std::string> prompts = {"x"};
  ASSERT_TRUE(b.Generate(prompts, {})[0].ok());
  EXPECT_EQ(server.last_auth, "Bearer sk-secret-123");
  server.fail_next = 100;
  auto g = b.Generate(prompts, {});
  ASSERT_FALSE(g[0].ok());
  EXPECT_EQ(g[0].status().message().find("sk-secret"), std::string::npos);
  unsetenv("CUSTINTEL_TEST_KEY");
}

TEST(HttpBackend, SecondRunThroughTheCacheMakesZeroRequests) {
  FakeServer server;
  auto db = store::OpenEngineDatabase(":memory:");
  ASSERT_TRUE(db.ok());
  auto backend = std::make_shared<HttpBackend>(Fast({server.url()}));
  auto cache = std::make_shared<store::AiCache>(*db, backend->identity());
  std::vector<std::string> texts = {"great", "awful", "great", "fine"};
  AiService first(backend, cache, nullptr);
  auto s1 = first.Sentiment(texts);
  ASSERT_TRUE(s1[0].ok()) << s1[0].status().message();
  const int after_first = server.requests.load();
  EXPECT_EQ(after_first, 3);
  AiService second(backend, cache, nullptr);
  auto s2 = second.Sentiment(texts);
  EXPECT_EQ(*s2[1], *s1[1]);
  EXPECT_EQ(server.requests.load(), after_first);
  EXPECT_EQ(second.stats().backend_calls, 0);
  std::cout << "first run: " << first.stats().ToString() << "\nsecond run: " << second.stats().ToString() << '\n';
}

}  // namespace
}  // namespace custintel::ai
