// `custintel dev make-gguf` end to end: the real binary writes a model that LlamaModel loads
// in the shape asked for; bad flag values exit 2 with one line on stderr.
#include <gtest/gtest.h>

#include "ai/llama/llama_model.h"
#include "testing/testing.h"

namespace custintel::ai {
namespace {

using custintel::testing::RunCli;
using custintel::testing::TempDir;

TEST(DevMakeGguf, WritesALlamaModelOfTheShapeAsked) {
  TempDir dir;
  const std::string out = dir.File("gqa.gguf");
  auto r = RunCli("dev make-gguf --out " + out +
                  " --arch llama --n-embd 96 --n-layer 1 --n-head 6 --n-head-kv 2 --n-ff 160 --n-ctx 256 --seed 7 --type f16");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote " + out), std::string::npos) << r.out;
  LlamaOptions o;
  o.n_ctx = 256;
  o.n_threads = 1;
  auto model = LlamaModel::Load(out, o);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ((*model)->EmbeddingSize(), 96);
  EXPECT_EQ((*model)->ContextSize(), 256);
  EXPECT_TRUE((*model)->Generate("hello", 3).ok());
}

TEST(DevMakeGguf, WritesABertEmbedder) {
  TempDir dir;
  const std::string out = dir.File("e.gguf");
  auto r = RunCli("dev make-gguf --out " + out + " --arch bert --n-embd 32 --n-head 2 --n-head-kv 2 --n-ff 64 --pooling cls");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  LlamaOptions o;
  o.n_ctx = 128;
  o.n_threads = 1;
  auto model = LlamaModel::Load(out, o);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_TRUE((*model)->is_embedder());
  EXPECT_EQ((*model)->EmbeddingSize(), 32);
}

TEST(DevMakeGguf, BadShapeIsAUsageError) {
  TempDir dir;
  auto r = RunCli("dev make-gguf --out " + dir.File("x.gguf") + " --n-embd 65");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("multiple of n_head"), std::string::npos) << r.err;
  auto arch = RunCli("dev make-gguf --out " + dir.File("x.gguf") + " --arch gpt2");
  EXPECT_EQ(arch.exit_code, 2);
}

}  // namespace
}  // namespace custintel::ai
