// The http backend against a real OpenAI-compatible server: llama.cpp's own llama-server, built
// by scripts/deps.sh from the same source as the in-process backend, serving tiny random GGUF
// models on a free loopback port. Chat completions, json_schema answers that validate, choose
// returning a listed choice and scoring the choices from the server's logprobs, unit-length embeddings from a bert model. Each server is stopped
// when its test ends, failed or not.
//
// llama-server runs with --no-jinja: the tiny models carry no chat template, and this build's
// jinja path puts the ChatML generation prompt into the json_schema grammar, which then fails
// to initialise ("Failed to initialize samplers"); the legacy template path constrains the
// answer alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "ai/http/http_backend.h"
#include "ai/http/http_choice_scores.h"
#include "ai/http/http_client.h"
#include "ai/json_schema.h"
#include "ai/llama/llama_make_gguf.h"
#include "testing/llama_server.h"
#include "testing/testing.h"

namespace custintel::ai {
namespace {

using custintel::testing::TempDir;

using custintel::testing::LlamaServer;

class LlamaServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(CUSTINTEL_LLAMA_SERVER)) {
      GTEST_SKIP() << CUSTINTEL_LLAMA_SERVER << " is not built: run scripts/deps.sh";
    }
  }
  std::string Model(const std::string& arch, const std::string& pooling = "") {
    MakeGgufOptions o;
    o.out_path = dir_.File(arch + ".gguf");
    o.arch = arch;
    if (!pooling.empty()) o.pooling = pooling;
    o.vocab_dir = CUSTINTEL_LLAMA_VOCAB_DIR;
    Status s = MakeGguf(o);
    EXPECT_TRUE(s.ok()) << s.message();
    return o.out_path;
  }
  std::unique_ptr<LlamaServer> Serve(const std::string& model, std::vector<std::string> extra = {}) {
    auto server = std::make_unique<LlamaServer>(model, std::move(extra), dir_.File("server.log"));
    Status ready = server->WaitReady(std::chrono::seconds(60));
    EXPECT_TRUE(ready.ok()) << ready.message() << "\n" << testing::ReadFile(dir_.File("server.log"));
    return ready.ok() ? std::move(server) : nullptr;
  }
  HttpBackend Backend(const LlamaServer& server) {
    HttpBackendOptions o;
    o.base_urls = {server.url()};
    o.concurrency = 2;
    o.max_retries = 1;
    return HttpBackend(o);
  }
  TempDir dir_;
};

TEST_F(LlamaServerTest, ChatJsonSchemaAndChooseThroughTheHttpBackend) {
  auto server = Serve(Model("llama"));
  ASSERT_TRUE(server);
  HttpBackend backend = Backend(*server);
  Sampling s;
  s.max_tokens = 8;
  std::vector<std::string> prompts = {"Say hello.", "Name a colour.", "Say hello."};
  Batch<Completion> chat = backend.Generate(prompts, s);
  ASSERT_EQ(chat.size(), 3u);
  for (const auto& c : chat) {
    ASSERT_TRUE(c.ok()) << c.status().message();
    EXPECT_GT(c->completion_tokens, 0);
    EXPECT_GT(c->prompt_tokens, 0);
  }
  EXPECT_EQ(chat[0]->text, chat[2]->text);  // greedy, fixed seed: same prompt, same text

  const std::string schema = R"({"type":"object","properties":{"label":{"type":"string","enum":["bug","billing"]},
      "urgent":{"type":"boolean"},"tags":{"type":"array","items":{"type":"string","enum":["a","b"]},"maxItems":2}},
      "required":["label","urgent","tags"],"additionalProperties":false})";
  s.max_tokens = 64;
  Batch<Completion> json = backend.GenerateJson(prompts, schema, s);
  for (const auto& c : json) {
    ASSERT_TRUE(c.ok()) << c.status().message();
    nlohmann::json parsed = nlohmann::json::parse(c->text, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << c->text;
    Status valid = ValidateJson(nlohmann::json::parse(schema), parsed);
    EXPECT_TRUE(valid.ok()) << valid.message() << ": " << c->text;
  }

  const std::vector<std::string> choices = {"positive", "negative", "neutral"};
  Batch<Scored> chosen = backend.Choose(prompts, choices);
  for (const auto& c : chosen) {
    ASSERT_TRUE(c.ok()) << c.status().message();
    EXPECT_NE(std::find(choices.begin(), choices.end(), c->label), choices.end()) << c->label;
    double sum = 0;
    for (double p : c->probabilities) sum += p;
    EXPECT_NEAR(sum, 1.0, 1e-6);
  }
}

// The model's own top alternatives where a {"label": ...} value begins, learnt from one raw
// answer (enum ["x"]): plain lower-case words, so each can be a choice that begins with itself.
std::vector<std::string> TopValueTokens(const std::string& url, const std::string& prompt) {
  nlohmann::json body = {
      {"messages", {{{"role", "user"}, {"content", prompt}}}}, {"max_tokens", 16}, {"temperature", 0},
      {"logprobs", true}, {"top_logprobs", kChooseTopLogprobs},
      {"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "answer"}, {"schema", {
          {"type", "object"}, {"properties", {{"label", {{"type", "string"}, {"enum", {"x"}}}}}},
          {"required", {"label"}}}}}}}}};
  auto r = HttpPostJson(url, "/v1/chat/completions", body.dump(), {}, {});
  std::vector<std::string> out;
  if (!r.ok() || r->status != 200) return out;
  nlohmann::json a = nlohmann::json::parse(r->body);
  for (const auto& t : a["choices"][0]["logprobs"]["content"]) {
    const std::string token = t["token"];
    if (token != "x" && token != "\"x") continue;  // the value's token
    for (const auto& alt : t["top_logprobs"]) {
      const std::string w = alt["token"];
      bool word = w.size() >= 3 && std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
      if (word) out.push_back(w);
    }
  }
  return out;
}

TEST_F(LlamaServerTest, ChooseScoresTheChoicesFromTheServersLogprobs) {
  auto server = Serve(Model("llama"));
  ASSERT_TRUE(server);
  const std::string prompt = "Pick one word.";
  std::vector<std::string> choices = TopValueTokens(server->url(), prompt);
  if (choices.size() > 3) choices.resize(3);
  ASSERT_GE(choices.size(), 2u) << "the tiny model's top alternatives hold fewer than two plain words";
  HttpBackend backend = Backend(*server);
  std::vector<std::string> prompts = {prompt};
  Batch<Scored> got = backend.Choose(prompts, choices);
  ASSERT_TRUE(got[0].ok()) << got[0].status().message();
  int scored = 0;
  double sum = 0;
  for (double p : got[0]->probabilities) {
    scored += p > 0;
    sum += p;
  }
  EXPECT_GE(scored, 2) << "every choice begins with one of the model's top tokens, so each gets a score";
  EXPECT_NEAR(sum, 1.0, 1e-9);
  EXPECT_LT(got[0]->probability, 1.0);
  EXPECT_NEAR(got[0]->margin, got[0]->probability - [&] {
    double r = 0;
    for (size_t i = 0; i < choices.size(); ++i) if (choices[i] != got[0]->label) r = std::max(r, got[0]->probabilities[i]);
    return r;
  }(), 1e-12);
}

TEST_F(LlamaServerTest, EmbeddingsFromABertModelHaveItsDimensionAndUnitLength) {
  auto server = Serve(Model("bert", "mean"), {"--embeddings"});
  ASSERT_TRUE(server);
  HttpBackend backend = Backend(*server);
  std::vector<std::string> texts = {"the parcel arrived late", "refund please", "the parcel arrived late"};
  Batch<Embedding> e = backend.Embed(texts);
  ASSERT_EQ(e.size(), 3u);
  for (const auto& x : e) {
    ASSERT_TRUE(x.ok()) << x.status().message();
    ASSERT_EQ(x->vector.size(), 64u);  // MakeGguf's default n_embd
    double norm = 0;
    for (float v : x->vector) norm += double(v) * v;
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-4);
  }
  // The same text in another slot of the server's batch: equal up to float rounding.
  auto dot = [](const std::vector<float>& a, const std::vector<float>& b) {
    double d = 0;
    for (size_t i = 0; i < a.size(); ++i) d += double(a[i]) * b[i];
    return d;
  };
  EXPECT_GT(dot(e[0]->vector, e[2]->vector), 1 - 1e-6);
  EXPECT_LT(dot(e[0]->vector, e[1]->vector), 0.999);
}

}  // namespace
}  // namespace custintel::ai
