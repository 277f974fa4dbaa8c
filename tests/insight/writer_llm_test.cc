// The LLM writer with a scripted backend: an answer that passes grounding is kept and carries
// the provenance that reproduces it; one that fails twice falls back to the builtin text.
#include <gtest/gtest.h>

#include <atomic>

#include "ai/backend.h"
#include "ai/builtin_backend.h"
#include "ai/service.h"
#include "insight/writer_llm.h"

namespace custintel::insight {
namespace {

// Answers every JSON prompt with the same document.
class ScriptedBackend : public ai::Backend {
 public:
  explicit ScriptedBackend(std::string answer) : answer_(std::move(answer)) {}
  const ai::ModelIdentity& identity() const override { return id_; }
  ai::Batch<ai::Completion> Generate(std::span<const std::string> p, const ai::Sampling&) override {
    return ai::Batch<ai::Completion>(p.size(), Status::Unimplemented("not scripted"));
  }
  ai::Batch<ai::Scored> Choose(std::span<const std::string> p, std::span<const std::string>) override {
    return ai::Batch<ai::Scored>(p.size(), Status::Unimplemented("not scripted"));
  }
  ai::Batch<ai::Completion> GenerateJson(std::span<const std::string> p, const std::string&,
                                         const ai::Sampling&) override {
    calls += static_cast<int>(p.size());
    return ai::Batch<ai::Completion>(p.size(), ai::Completion{answer_, 10, 5});
  }
  ai::Batch<ai::Embedding> Embed(std::span<const std::string> t) override { return ai::BuiltinBackend().Embed(t); }
  Result<std::vector<double>> Rerank(const std::string& q, std::span<const std::string> d) override {
    return ai::BuiltinBackend().Rerank(q, d);
  }
  std::atomic<int> calls{0};

 private:
  std::string answer_;
  ai::ModelIdentity id_{"scripted", "tiny-test", "abc123", "engine-1"};
};

FactSheet Sheet() {
  FactSheet s;
  s.subject = {SubjectKind::kSegment, "At-risk churn"};
  s.title = "At-risk churn";
  s.facts = {{"size", 1035, FactUnit::kCount, "customers in the segment"},
             {"share", 0.345, FactUnit::kPercent, "share of all customers"}};
  s.entities = {"At-risk churn"};
  return s;
}

LlmBatch Write(const std::string& answer, ScriptedBackend** backend_out) {
  auto backend = std::make_shared<ScriptedBackend>(answer);
  *backend_out = backend.get();
  static std::vector<std::shared_ptr<ai::AiService>> keep;  // the batch's texts outlive this call
  keep.push_back(std::make_shared<ai::AiService>(backend, nullptr, nullptr));
  static const FactSheet sheet = Sheet();
  LlmRequest req;
  req.sheet = &sheet;
  req.builtin.text = "At-risk churn has 1,035 customers, 34.5% of all customers.";
  req.task = "Say who the segment is.";
  EntityCatalog catalog;
  catalog.segments = {"At-risk churn"};
  return WriteWithLlm(*keep.back(), std::span<const LlmRequest>(&req, 1), catalog, {});
}

TEST(LlmWriter, AGroundedAnswerIsKeptWithTheProvenanceThatReproducesIt) {
  ScriptedBackend* backend = nullptr;
  LlmBatch out = Write(R"({"summary":"At-risk churn counts 1,035 customers, 34.5% of all customers.",)"
                       R"("drivers":[],"actions":[],"cited_snippets":[]})",
                       &backend);
  ASSERT_EQ(out.texts.size(), 1u);
  const WrittenText& w = out.texts[0];
  EXPECT_EQ(w.writer, "llm") << w.grounding.FlagsText();
  EXPECT_EQ(out.llm, 1);
  EXPECT_EQ(backend->calls, 1);  // no retry
  ASSERT_TRUE(w.provenance.is_object()) << w.provenance.dump();
  EXPECT_EQ(w.provenance["backend"], "scripted");
  EXPECT_EQ(w.provenance["model_sha256"], "abc123");
  EXPECT_EQ(w.provenance["engine_version"], "engine-1");
  EXPECT_EQ(w.provenance["cache_key"].get<std::string>().size(), 64u);
}

TEST(LlmWriter, AnUngroundedAnswerIsRetriedOnceThenReplacedWithoutProvenance) {
  ScriptedBackend* backend = nullptr;
  LlmBatch out = Write(R"({"summary":"At-risk churn counts 9,999 customers.","drivers":[],"actions":[],)"
                       R"("cited_snippets":[]})",
                       &backend);
  ASSERT_EQ(out.texts.size(), 1u);
  EXPECT_EQ(out.texts[0].writer, "builtin_fallback");
  EXPECT_EQ(out.fell_back, 1);
  EXPECT_EQ(backend->calls, 2);
  EXPECT_TRUE(out.texts[0].provenance.is_null());
}

}  // namespace
}  // namespace custintel::insight
