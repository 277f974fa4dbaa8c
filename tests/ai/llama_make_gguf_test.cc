// MakeGguf: random-weight test models are reproducible and refuse impossible shapes.
#include "ai/llama/llama_make_gguf.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "testing/testing.h"

namespace custintel::ai {
namespace {

using custintel::testing::ReadFile;
using custintel::testing::TempDir;

MakeGgufOptions Tiny(const std::string& out, const std::string& arch = "llama") {
  MakeGgufOptions o;
  o.out_path = out;
  o.arch = arch;
  o.vocab_dir = CUSTINTEL_LLAMA_VOCAB_DIR;
  return o;
}

TEST(MakeGguf, SameSeedGivesIdenticalBytes) {
  for (const std::string arch : {"llama", "bert"}) {
    TempDir dir;
    ASSERT_TRUE(MakeGguf(Tiny(dir.File("a.gguf"), arch)).ok()) << arch;
    ASSERT_TRUE(MakeGguf(Tiny(dir.File("b.gguf"), arch)).ok()) << arch;
    const std::string a = ReadFile(dir.File("a.gguf"));
    ASSERT_GT(a.size(), 1000u);
    EXPECT_EQ(a.substr(0, 4), "GGUF");
    EXPECT_TRUE(a == ReadFile(dir.File("b.gguf"))) << arch;
  }
}

TEST(MakeGguf, DifferentSeedGivesDifferentWeightsSameSize) {
  TempDir dir;
  MakeGgufOptions other = Tiny(dir.File("b.gguf"));
  other.seed = 7;
  ASSERT_TRUE(MakeGguf(Tiny(dir.File("a.gguf"))).ok());
  ASSERT_TRUE(MakeGguf(other).ok());
  const std::string a = ReadFile(dir.File("a.gguf"));
  const std::string b = ReadFile(dir.File("b.gguf"));
  EXPECT_EQ(a.size(), b.size());
  EXPECT_FALSE(a == b);
}

TEST(MakeGguf, F16HalvesTheMatrices) {
  TempDir dir;
  MakeGgufOptions f16 = Tiny(dir.File("h.gguf"));
  f16.tensor_type = "f16";
  ASSERT_TRUE(MakeGguf(Tiny(dir.File("f.gguf"))).ok());
  ASSERT_TRUE(MakeGguf(f16).ok());
  const double ratio = static_cast<double>(ReadFile(dir.File("h.gguf")).size()) /
                       static_cast<double>(ReadFile(dir.File("f.gguf")).size());
  EXPECT_GT(ratio, 0.45);
  EXPECT_LT(ratio, 0.6);
}

TEST(MakeGguf, RejectsHiddenSizeNotDivisibleByHeads) {
  TempDir dir;
  MakeGgufOptions o = Tiny(dir.File("x.gguf"));
  o.n_embd = 66;
  Status s = MakeGguf(o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("n_head"), std::string::npos) << s.message();
}

TEST(MakeGguf, RejectsUnknownArch) {
  TempDir dir;
  Status s = MakeGguf(Tiny(dir.File("x.gguf"), "gpt9"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("gpt9"), std::string::npos) << s.message();
}

TEST(MakeGguf, MissingVocabularyIsNotFoundAndWritesNothing) {
  TempDir dir;
  MakeGgufOptions o = Tiny(dir.File("x.gguf"));
  o.vocab_path = dir.File("no-such-vocab.gguf");
  Status s = MakeGguf(o);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("no-such-vocab.gguf"), std::string::npos) << s.message();
  EXPECT_FALSE(std::filesystem::exists(dir.File("x.gguf")));
}

}  // namespace
}  // namespace custintel::ai
