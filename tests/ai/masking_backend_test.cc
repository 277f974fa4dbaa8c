#include "ai/masking_backend.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace custintel::ai {
namespace {

// Records what it is sent; answers by echoing the prompt (generate) or putting it in JSON.
class Recorder final : public Backend {
 public:
  const ModelIdentity& identity() const override { return id_; }
  Batch<Completion> Generate(std::span<const std::string> prompts, const Sampling&) override {
    Batch<Completion> out;
    for (const auto& p : prompts) {
      seen.push_back(p);
      out.push_back(Completion{"echo: " + p, 0, 0});
    }
    return out;
  }
  Batch<Scored> Choose(std::span<const std::string> prompts, std::span<const std::string> choices) override {
    Batch<Scored> out;
    for (const auto& p : prompts) {
      seen.push_back(p);
      Scored s;
      s.label = choices[0];
      out.push_back(s);
    }
    return out;
  }
  Batch<Completion> GenerateJson(std::span<const std::string> prompts, const std::string&, const Sampling&) override {
    Batch<Completion> out;
    for (const auto& p : prompts) {
      seen.push_back(p);
      out.push_back(Completion{nlohmann::json{{"contact", p.substr(p.find('['))}}.dump(), 0, 0});
    }
    return out;
  }
  Batch<Embedding> Embed(std::span<const std::string> texts) override {
    for (const auto& t : texts) seen.push_back(t);
    return Batch<Embedding>(texts.size(), Embedding{{1.0f}, 0});
  }
  Result<std::vector<double>> Rerank(const std::string& query, std::span<const std::string> docs) override {
    seen.push_back(query);
    for (const auto& d : docs) seen.push_back(d);
    return std::vector<double>(docs.size(), 0.5);
  }
  std::vector<std::string> seen;

 private:
  ModelIdentity id_{"fake", "fake", "", ""};
};

TEST(MaskingBackend, TheModelSeesPlaceholdersTheCallerSeesItsValues) {
  auto rec = std::make_shared<Recorder>();
  MaskingBackend b(rec);
  const std::string prompt = "Summarize: write to jane.doe@example.com, she said \"call me\"";
  auto g = b.Generate(std::vector<std::string>{prompt}, {});
  auto j = b.GenerateJson(std::vector<std::string>{prompt}, "{}", {});
  auto c = b.Choose(std::vector<std::string>{prompt}, std::vector<std::string>{"a", "b"});
  (void)b.Embed(std::vector<std::string>{prompt});
  (void)b.Rerank(prompt, std::vector<std::string>{prompt});
  for (const auto& s : rec->seen) EXPECT_EQ(s.find("jane.doe@example.com"), std::string::npos) << s;
  ASSERT_TRUE(g[0].ok() && j[0].ok() && c[0].ok());
  EXPECT_EQ(g[0]->text, "echo: " + prompt);
  auto parsed = nlohmann::json::parse(j[0]->text);
  EXPECT_NE(parsed["contact"].get<std::string>().find("jane.doe@example.com"), std::string::npos) << j[0]->text;
  EXPECT_EQ(c[0]->label, "a");
}

}  // namespace
}  // namespace custintel::ai
