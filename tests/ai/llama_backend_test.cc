// LlamaModel against tiny random-weight models written by MakeGguf: real loading, tokenising
// and decoding; the text is noise, so the tests check counts, determinism and errors.
#include "ai/llama/llama_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "ai/llama/llama_make_gguf.h"
#include "testing/testing.h"

namespace custintel::ai {
namespace {

using custintel::testing::TempDir;
using custintel::testing::WriteFile;

// One temp folder with the tiny models, written once for the whole test program.
class TinyModels {
 public:
  static TinyModels& Get() {
    static TinyModels models;
    return models;
  }
  std::string llama;
  std::string bert;
  TempDir dir;

 private:
  TinyModels() {
    llama = Write("llama", dir.File("tiny-llama.gguf"));
    bert = Write("bert", dir.File("tiny-bert.gguf"));
  }
  static std::string Write(const std::string& arch, const std::string& path) {
    MakeGgufOptions o;
    o.out_path = path;
    o.arch = arch;
    o.vocab_dir = CUSTINTEL_LLAMA_VOCAB_DIR;
    Status s = MakeGguf(o);
    EXPECT_TRUE(s.ok()) << s.message();
    return path;
  }
};

LlamaOptions Small() {
  LlamaOptions o;
  o.n_ctx = 512;
  o.n_threads = 1;  // tiny model; and ggml threads spin-wait, which stalls on a busy machine
  return o;
}

std::shared_ptr<LlamaModel> LoadOrDie(const std::string& path, const LlamaOptions& o = Small()) {
  auto m = LlamaModel::Load(path, o);
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? *m : nullptr;
}

TEST(LlamaSmoke, GeneratesEightTokensFromTinyRandomModel) {
  auto model = LoadOrDie(TinyModels::Get().llama);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->architecture(), "llama");
  EXPECT_FALSE(model->is_embedder());
  GenerateOptions g;
  g.max_tokens = 8;
  g.ignore_eog = true;  // random weights may pick </s> first; the smoke test wants 8 tokens
  auto out = model->GenerateTokens("The customer said the delivery was", g);
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->tokens.size(), 8u);
  for (int32_t t : out->tokens) {
    EXPECT_GE(t, 0);
    EXPECT_LT(t, model->VocabSize());
  }
  EXPECT_GT(out->prompt_tokens, 1);  // BOS plus the words
}

TEST(LlamaGenerate, SamePromptTwiceGivesSameTokens) {
  auto model = LoadOrDie(TinyModels::Get().llama);
  ASSERT_NE(model, nullptr);
  GenerateOptions g;
  g.max_tokens = 16;
  g.ignore_eog = true;
  auto first = model->GenerateTokens("Refund request for order 812", g);
  auto other = model->GenerateTokens("Completely different words here", g);
  auto second = model->GenerateTokens("Refund request for order 812", g);
  ASSERT_TRUE(first.ok() && second.ok() && other.ok());
  EXPECT_EQ(first->tokens, second->tokens);
  EXPECT_EQ(first->text, second->text);
}

TEST(LlamaGenerate, StopsAtEndOfGenerationUnlessTold) {
  auto model = LoadOrDie(TinyModels::Get().llama);
  ASSERT_NE(model, nullptr);
  GenerateOptions g;
  g.max_tokens = 64;
  auto out = model->GenerateTokens("hello", g);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_LE(out->tokens.size(), 64u);
  for (int32_t t : out->tokens) EXPECT_NE(t, 2) << "</s> must end generation, not appear in it";
  auto text = model->Generate("hello", 64);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, out->text);
}

TEST(LlamaGenerate, ZeroMaxTokensGivesNothing) {
  auto model = LoadOrDie(TinyModels::Get().llama);
  ASSERT_NE(model, nullptr);
  auto out = model->Generate("hello", 0);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, "");
}

TEST(LlamaGenerate, PromptBeyondContextIsAClearError) {
  auto model = LoadOrDie(TinyModels::Get().llama);
  ASSERT_NE(model, nullptr);
  std::string long_prompt;
  for (int i = 0; i < 600; ++i) long_prompt += "word ";
  auto out = model->Generate(long_prompt, 8);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("context of 512 tokens"), std::string::npos)
      << out.status().message();
  // The model is still usable afterwards.
  EXPECT_TRUE(model->Generate("short", 4).ok());
}

TEST(LlamaLoad, SameFileAndOptionsShareOneInstance) {
  auto a = LoadOrDie(TinyModels::Get().llama);
  auto b = LoadOrDie(TinyModels::Get().llama);
  EXPECT_EQ(a.get(), b.get());
  LlamaOptions other = Small();
  other.n_ctx = 256;
  auto c = LoadOrDie(TinyModels::Get().llama, other);
  EXPECT_NE(a.get(), c.get());
  EXPECT_EQ(c->ContextSize(), 256);
}

TEST(LlamaLoad, ContextIsCappedAtTrainingContext) {
  LlamaOptions big = Small();
  big.n_ctx = 100000;
  auto model = LoadOrDie(TinyModels::Get().llama, big);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->ContextSize(), 512);  // MakeGguf's default n_ctx
}

TEST(LlamaLoad, MissingFileIsNotFound) {
  TempDir dir;
  auto m = LlamaModel::Load(dir.File("absent.gguf"), Small());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  EXPECT_NE(m.status().message().find("absent.gguf"), std::string::npos) << m.status().message();
}

TEST(LlamaLoad, NonGgufFileIsInvalidArgument) {
  TempDir dir;
  WriteFile(dir.File("notes.txt"), "this is not a model\n");
  auto m = LlamaModel::Load(dir.File("notes.txt"), Small());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("not a GGUF"), std::string::npos) << m.status().message();
}

TEST(LlamaLoad, TruncatedGgufIsCorruptionWithLlamaReason) {
  TempDir dir;
  std::string bytes = custintel::testing::ReadFile(TinyModels::Get().llama);
  WriteFile(dir.File("cut.gguf"), bytes.substr(0, bytes.size() / 2));
  auto m = LlamaModel::Load(dir.File("cut.gguf"), Small());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kCorruption);
  EXPECT_NE(m.status().message().find("cut.gguf"), std::string::npos) << m.status().message();
  EXPECT_EQ(m.status().message().find("gave no reason"), std::string::npos) << m.status().message();
}

TEST(LlamaLoad, BadOptionsAreInvalidArgument) {
  LlamaOptions o = Small();
  o.n_parallel = 0;
  auto m = LlamaModel::Load(TinyModels::Get().llama, o);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
}

TEST(LlamaLoad, F16ModelGeneratesTheSameCountAsF32) {
  TempDir dir;
  MakeGgufOptions o;
  o.out_path = dir.File("f16.gguf");
  o.vocab_dir = CUSTINTEL_LLAMA_VOCAB_DIR;
  o.tensor_type = "f16";
  o.n_head_kv = 2;  // grouped-query attention too
  ASSERT_TRUE(MakeGguf(o).ok());
  auto model = LoadOrDie(o.out_path);
  ASSERT_NE(model, nullptr);
  GenerateOptions g;
  g.max_tokens = 8;
  g.ignore_eog = true;
  auto out = model->GenerateTokens("hello there", g);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->tokens.size(), 8u);
}

TEST(LlamaEmbed, BertEmbedsToUnitNormWithModelDimension) {
  auto model = LoadOrDie(TinyModels::Get().bert);
  ASSERT_NE(model, nullptr);
  EXPECT_TRUE(model->is_embedder());
  EXPECT_EQ(model->EmbeddingSize(), 64);  // MakeGguf's default n_embd
  auto a = model->Embed("the parcel arrived broken");
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_EQ(a->size(), 64u);
  double norm = 0;
  for (float x : *a) norm += static_cast<double>(x) * x;
  EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-4);
}

TEST(LlamaEmbed, SameTextSameVectorDifferentTextDifferentVector) {
  auto model = LoadOrDie(TinyModels::Get().bert);
  ASSERT_NE(model, nullptr);
  auto a = model->Embed("great support, fast refund");
  auto b = model->Embed("great support, fast refund");
  auto c = model->Embed("the app crashes on login");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
}

TEST(LlamaEmbed, GeneratorRefusesToEmbedAndEmbedderRefusesToGenerate) {
  auto llama = LoadOrDie(TinyModels::Get().llama);
  auto bert = LoadOrDie(TinyModels::Get().bert);
  ASSERT_NE(llama, nullptr);
  ASSERT_NE(bert, nullptr);
  auto e = llama->Embed("text");
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  auto g = bert->Generate("text", 4);
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(g.status().message().find("embedding model"), std::string::npos) << g.status().message();
}

}  // namespace
}  // namespace custintel::ai
