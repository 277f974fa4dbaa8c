// The http backend against a loopback fake OpenAI-compatible server (cpp-httplib) that can
// answer normally, fail with 500, rate-limit with 429 + Retry-After, or hang: retries,
// timeouts, the circuit breaker, load spreading, the API key, and the cache in front of it.
#include <httplib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
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
  FakeServer() {
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
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~FakeServer() {
    stop_hang = true;
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::atomic<int> requests{0}, fail_next{0}, fail_status{500}, hang_ms{0};
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
