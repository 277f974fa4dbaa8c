// The batch-first API of LlamaModel (GenerateBatch, ChooseBatch, GenerateJsonBatch,
// EmbedBatch, Rerank) on tiny random-weight models: the text is noise, so the tests check what
// must hold for any weights — row alignment, determinism, valid choices and JSON, unit norms.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <memory>
#include <numeric>

#include "ai/json_schema_subset.h"
#include "ai/llama/llama_make_gguf.h"
#include "ai/llama/llama_model.h"
#include "core/hash.h"
#include "testing/testing.h"

namespace custintel::ai {
namespace {

using custintel::testing::ReadFile;
using custintel::testing::TempDir;

struct BatchModels {
  static BatchModels& Get() {
    static BatchModels m;
    return m;
  }
  TempDir dir;
  std::string llama;
  std::string bert;
  std::string reranker;  // bert with rank pooling: a classification head, one score per pair

 private:
  BatchModels() {
    llama = Write("llama", dir.File("batch-llama.gguf"));
    bert = Write("bert", dir.File("batch-bert.gguf"));
    reranker = Write("bert", dir.File("batch-reranker.gguf"), "rank");
  }
  std::string Write(const std::string& arch, const std::string& path, const std::string& pooling = "mean") {
    MakeGgufOptions o;
    o.out_path = path;
    o.arch = arch;
    o.pooling = pooling;
    o.vocab_dir = CUSTINTEL_LLAMA_VOCAB_DIR;
    o.n_ctx = 2048;
    Status s = MakeGguf(o);
    EXPECT_TRUE(s.ok()) << s.message();
    return path;
  }
};

LlamaOptions Parallel(int n_parallel = 16) {
  LlamaOptions o;
  o.n_ctx = 2048;
  o.n_threads = 1;
  o.n_parallel = n_parallel;
  return o;
}

std::shared_ptr<LlamaModel> Load(const std::string& path, const LlamaOptions& o = Parallel()) {
  auto m = LlamaModel::Load(path, o);
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? *m : nullptr;
}

const char* kInstruction =
    "You are a customer-support analyst. Read the customer review below and classify its "
    "sentiment as positive, negative or neutral. Answer with one word.\n\nReview: ";

std::vector<std::string> Reviews(int n) {
  const std::vector<std::string> bodies = {
      "the parcel arrived late and damaged", "great quality, will buy again", "it is fine I guess",
      "refund took three weeks", "support answered within minutes", "wrong size, returning it",
      "love the colour", "never arrived", "okay value for the price", "the app keeps crashing"};
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(kInstruction + bodies[i % bodies.size()] + " #" + std::to_string(i));
  return out;
}

GenerateOptions Tokens(int n) {
  GenerateOptions g;
  g.max_tokens = n;
  g.ignore_eog = true;  // a fixed amount of work per row, whatever noise the model emits
  return g;
}

TEST(LlamaBatch, GenerateIsRowAlignedAndSharesThePrefix) {
  auto model = Load(BatchModels::Get().llama);
  ASSERT_NE(model, nullptr);
  const auto prompts = Reviews(16);
  auto out = model->GenerateBatch(prompts, Tokens(6));
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), prompts.size());
  const BatchStats stats = model->last_batch_stats();
  EXPECT_EQ(stats.sequences, 16);
  EXPECT_GT(stats.shared_prefix_tokens, 30) << "the instruction is evaluated once";
  // Each row's prompt tokens beyond the prefix plus its generated tokens, and the prefix once.
  auto one = model->Tokenize(prompts[0]);
  ASSERT_TRUE(one.ok());
  EXPECT_LT(stats.tokens_evaluated, 16 * static_cast<int64_t>(one->size()));
}

TEST(LlamaBatch, SameInputTwiceGivesSameOutput) {
  auto model = Load(BatchModels::Get().llama);
  ASSERT_NE(model, nullptr);
  const auto prompts = Reviews(8);
  auto first = model->GenerateBatch(prompts, Tokens(8));
  auto second = model->GenerateBatch(prompts, Tokens(8));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
  auto c1 = model->ChooseBatch(prompts, std::vector<std::string>{"positive", "negative", "neutral"});
  auto c2 = model->ChooseBatch(prompts, std::vector<std::string>{"positive", "negative", "neutral"});
  ASSERT_TRUE(c1.ok() && c2.ok());
  for (size_t i = 0; i < c1->size(); ++i) {
    EXPECT_EQ((*c1)[i].label, (*c2)[i].label);
    EXPECT_EQ((*c1)[i].probability, (*c2)[i].probability);
  }
}

// Measured, not assumed: a row decoded alone vs inside a batch of 16 (other rows in the same
// llama_decode calls, the prefix copied). See src/ai/README.md "Determinism".
TEST(LlamaBatch, RowAloneEqualsRowInBatchOfSixteen) {
  auto model = Load(BatchModels::Get().llama);
  ASSERT_NE(model, nullptr);
  const auto prompts = Reviews(16);
  auto batch = model->GenerateBatch(prompts, Tokens(8));
  ASSERT_TRUE(batch.ok()) << batch.status().message();
  int differ = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto alone = model->GenerateBatch(std::span(&prompts[i], 1), Tokens(8));
    ASSERT_TRUE(alone.ok());
    differ += (*alone)[0] != (*batch)[i];
  }
  EXPECT_EQ(differ, 0) << differ << " of 16 rows differ alone vs in a batch of 16";
  auto choose_batch = model->ChooseBatch(prompts, std::vector<std::string>{"yes", "no"});
  ASSERT_TRUE(choose_batch.ok());
  double max_diff = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto alone = model->ChooseBatch(std::span(&prompts[i], 1), std::vector<std::string>{"yes", "no"});
    ASSERT_TRUE(alone.ok());
    EXPECT_EQ((*alone)[0].label, (*choose_batch)[i].label);
    max_diff = std::max(max_diff, std::abs((*alone)[0].probability - (*choose_batch)[i].probability));
  }
  EXPECT_LT(max_diff, 1e-4) << "choose probability alone vs in batch";
  RecordProperty("choose_probability_max_diff", std::to_string(max_diff));
}

TEST(LlamaBatch, BatchRowMatchesSingleSequenceGenerate) {
  auto model = Load(BatchModels::Get().llama);
  ASSERT_NE(model, nullptr);
  GenerateOptions raw = Tokens(8);
  raw.chat_template = false;
  const std::vector<std::string> prompts = {"The customer said the delivery was"};
  auto batch = model->GenerateBatch(prompts, raw);
  auto single = model->GenerateTokens(prompts[0], raw);
  ASSERT_TRUE(batch.ok() && single.ok());
  EXPECT_EQ((*batch)[0], single->text);
}

TEST(LlamaBatch, MoreRowsThanParallelSlotsAndStopsAtEog) {
  auto model = Load(BatchModels::Get().llama, Parallel(4));
  ASSERT_NE(model, nullptr);
  const auto prompts = Reviews(11);
  GenerateOptions g;
  g.max_tokens = 12;  // rows stop at </s> or 12 tokens, whichever first
  auto out = model->GenerateBatch(prompts, g);
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), 11u);
  auto wide = Load(BatchModels::Get().llama);
  auto same = wide->GenerateBatch(prompts, g);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*out, *same) << "n_parallel 4 vs 16";
}

// A choose prompt's choices share the prompt's KV cells (BatchDecoder step 4): prompts with
// nothing in common but the chat template still evaluate each prompt once, not once per choice.
TEST(LlamaBatch, ChoicesOfOnePromptShareItsCells) {
  auto model = Load(BatchModels::Get().llama);
  ASSERT_NE(model, nullptr);
  const std::vector<std::string> prompts = {"Blender crushed ice in seconds, easy to clean.",
                                            "Shipping took forever and the box was damaged.",
                                            "Support refused the warranty after one week."};
  const std::vector<std::string> choices = {"very positive", "somewhat negative", "neutral overall"};
  auto out = model->ChooseBatch(prompts, choices);
  ASSERT_TRUE(out.ok()) << out.status().message();
  const BatchStats stats = model->last_batch_stats();
  EXPECT_EQ(stats.sequences, 9);
  // Every prompt's own tokens (all but the shared prefix and its last token) are copied to its
  // other two choices' sequences.
  int64_t expected = 0;
  for (const auto& p : prompts) {
    auto t = model->Tokenize("<|im_start|>user\n" + p + "<|im_end|>\n<|im_start|>assistant\n");
    ASSERT_TRUE(t.ok());
    expected += 2 * (static_cast<int64_t>(t->size()) - 1 - stats.shared_prefix_tokens);
  }
  EXPECT_GE(stats.reused_tokens, expected - 6) << "tokenisation at the template's joins may differ by a token";
  // The same answers as each prompt alone (where the prompt is the whole shared prefix).
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto alone = model->ChooseBatch(std::span(&prompts[i], 1), choices);
    ASSERT_TRUE(alone.ok());
    EXPECT_EQ((*alone)[0].label, (*out)[i].label);
    EXPECT_NEAR((*alone)[0].probability, (*out)[i].probability, 1e-4);
  }
}

// Several operations in one decoder run answer what each one's own call answers.
TEST(LlamaBatch, MixedBatchAnswersAsEachPartAlone) {
  auto model = Load(BatchModels::Get().llama);
  ASSERT_NE(model, nullptr);
  const auto reviews = Reviews(6);
  std::vector<std::string> summarize, classify;
  for (const auto& r : reviews) {
    summarize.push_back("Summarize this customer review in one sentence: " + r);
    classify.push_back("Classify the sentiment of this review: " + r);
  }
  const std::vector<std::string> multi = {"very positive", "negative", "neutral"};
  const std::vector<std::string> single = {"yes", "no"};
  const std::string schema = R"({"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]})";
  std::vector<MixedPart> parts(5);
  parts[0].kind = MixedPart::Kind::kGenerate;
  parts[0].prompts = summarize;
  parts[0].max_tokens = 8;
  parts[1].kind = MixedPart::Kind::kChoose;
  parts[1].prompts = classify;
  parts[1].choices = multi;
  parts[2].kind = MixedPart::Kind::kJson;
  parts[2].prompts = reviews;
  parts[2].json_schema = schema;
  parts[2].max_tokens = 16;
  parts[3].kind = MixedPart::Kind::kChoose;
  parts[3].prompts = classify;
  parts[3].choices = single;
  parts[4].kind = MixedPart::Kind::kChoose;  // invalid: its own error, the others go on
  parts[4].prompts = classify;
  auto mixed = model->MixedBatch(parts);
  ASSERT_TRUE(mixed.ok()) << mixed.status().message();
  ASSERT_EQ(mixed->size(), 5u);
  const BatchStats stats = model->last_batch_stats();
  EXPECT_EQ(stats.sequences, 6 + 6 * 3 + 6 + 6);
  EXPECT_GT(stats.reused_tokens, 0) << "each operation's instruction and each prompt's choices share cells";
  ASSERT_FALSE((*mixed)[4].ok());
  EXPECT_EQ((*mixed)[4].status().code(), StatusCode::kInvalidArgument);
  for (int p = 0; p < 4; ++p) ASSERT_TRUE((*mixed)[p].ok()) << p << ": " << (*mixed)[p].status().message();

  GenerateOptions g;
  g.max_tokens = 8;
  auto gen = model->GenerateBatch(summarize, g);
  auto ch = model->ChooseBatch(classify, multi);
  auto js = model->GenerateJsonBatch(reviews, schema, 16);
  auto yes_no = model->ChooseBatch(classify, single);
  ASSERT_TRUE(gen.ok() && ch.ok() && js.ok() && yes_no.ok());
  EXPECT_EQ((*mixed)[0]->texts, *gen);
  EXPECT_EQ((*mixed)[2]->texts, *js);
  for (size_t i = 0; i < reviews.size(); ++i) {
    EXPECT_EQ((*mixed)[1]->choices[i].label, (*ch)[i].label);
    EXPECT_NEAR((*mixed)[1]->choices[i].probability, (*ch)[i].probability, 1e-4);
    EXPECT_EQ((*mixed)[3]->choices[i].label, (*yes_no)[i].label);
    EXPECT_NEAR((*mixed)[3]->choices[i].probability, (*yes_no)[i].probability, 1e-4);
    EXPECT_TRUE(nlohmann::json::accept((*mixed)[2]->texts[i]));
  }
}

TEST(LlamaBatch, ChatTemplateFallsBackToChatml) {
  auto model = Load(BatchModels::Get().llama);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->chat_template_id(), "chatml");  // the spm vocab file carries no template
}

TEST(LlamaBatch, IdentityForTheCacheKey) {
  auto model = Load(BatchModels::Get().llama);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->file_sha256(), Sha256Hex(ReadFile(BatchModels::Get().llama)));
  EXPECT_NE(LlamaModel::LlamaCppVersion().find("llama.cpp b"), std::string::npos);
}

TEST(LlamaChoose, TwoHundredCallsReturnAListedChoiceWithProbabilitiesSummingToOne) {
  auto model = Load(BatchModels::Get().llama);
  ASSERT_NE(model, nullptr);
  const std::vector<std::vector<std::string>> choice_sets = {
      {"positive", "negative", "neutral"}, {"yes", "no"}, {"billing", "delivery", "product quality", "account"},
      {"A"}, {"urgent", "not urgent"}, {"1", "2", "3", "4", "5"}, {"refund", "replacement", "apology", "none"},
      {"churn risk", "loyal"}, {"en", "de", "fr"}, {"short answer", "a much longer answer with many tokens"}};
  int calls = 0;
  for (size_t s = 0; s < choice_sets.size(); ++s) {
    std::vector<std::string> prompts;
    for (int i = 0; i < 20; ++i) prompts.push_back("Pick one. Case " + std::to_string(s * 20 + i) + ": the order was late");
    auto out = model->ChooseBatch(prompts, choice_sets[s]);
    ASSERT_TRUE(out.ok()) << out.status().message();
    ASSERT_EQ(out->size(), prompts.size());
    for (const Choice& c : *out) {
      ++calls;
      EXPECT_NE(std::find(choice_sets[s].begin(), choice_sets[s].end(), c.label), choice_sets[s].end());
      ASSERT_EQ(c.probabilities.size(), choice_sets[s].size());
      EXPECT_NEAR(std::accumulate(c.probabilities.begin(), c.probabilities.end(), 0.0), 1.0, 1e-9);
      EXPECT_GE(c.margin, 0.0);
      EXPECT_LE(c.margin, 1.0);
      EXPECT_EQ(c.probability, *std::max_element(c.probabilities.begin(), c.probabilities.end()));
    }
  }
  EXPECT_EQ(calls, 200);
}

TEST(LlamaChoose, BadChoicesAreClearErrors) {
  auto model = Load(BatchModels::Get().llama);
  ASSERT_NE(model, nullptr);
  const std::vector<std::string> prompts = {"x"};
  EXPECT_EQ(model->ChooseBatch(prompts, std::vector<std::string>{}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(model->ChooseBatch(prompts, std::vector<std::string>{"a", "a"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(model->ChooseBatch(prompts, std::vector<std::string>{"a", ""}).status().code(),
            StatusCode::kInvalidArgument);
}

// Schemas over the supported subset; every output must parse and validate.
std::vector<std::string> Schemas() {
  return {
      R"({"type":"object","properties":{"sentiment":{"type":"string","enum":["positive","negative","neutral"]}},"required":["sentiment"]})",
      R"({"type":"object","properties":{"score":{"type":"integer"},"reason":{"type":"string","maxLength":20}},"required":["score","reason"]})",
      R"({"type":"object","properties":{"themes":{"type":"array","items":{"type":"string","maxLength":12},"minItems":1,"maxItems":3}},"required":["themes"]})",
      R"({"type":"object","properties":{"urgent":{"type":"boolean"},"confidence":{"type":"number"}},"required":["urgent","confidence"]})",
      R"({"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":4})",
      R"({"type":"string","enum":["refund","replacement","none"]})",
      R"({"type":"object","properties":{"customer":{"type":"object","properties":{"tier":{"type":"string","enum":["gold","silver"]},"years":{"type":"integer"}},"required":["tier","years"]},"note":{"type":"string","maxLength":8}},"required":["customer"]})",
      R"({"type":"object","properties":{"label":{"type":["string","null"],"maxLength":10},"ok":{"type":"boolean"}},"required":["label","ok"],"additionalProperties":false})",
      R"({"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string","minLength":2,"maxLength":6},"qty":{"type":"integer"}},"required":["sku","qty"]},"maxItems":2}},"required":["items"]})",
      R"({"type":"string","minLength":3})",
  };
}

TEST(LlamaJson, TwoHundredCallsOverVariedSchemasAllParseAndValidate) {
  auto model = Load(BatchModels::Get().llama);
  ASSERT_NE(model, nullptr);
  int checked = 0;
  const auto schemas = Schemas();
  for (size_t s = 0; s < schemas.size(); ++s) {
    auto schema = JsonSchema::Parse(schemas[s]);
    ASSERT_TRUE(schema.ok()) << schema.status().message();
    std::vector<std::string> prompts;
    for (int i = 0; i < 20; ++i) prompts.push_back("Extract the fields as JSON. Ticket " + std::to_string(s * 20 + i));
    const int max_tokens = 40 + 8 * static_cast<int>(s % 3);
    auto out = model->GenerateJsonBatch(prompts, schemas[s], max_tokens);
    ASSERT_TRUE(out.ok()) << "schema " << s << ": " << out.status().message();
    ASSERT_EQ(out->size(), prompts.size());
    if (getenv("CUSTINTEL_TEST_SHOW")) printf("schema %zu: %s\n", s, (*out)[0].c_str());
    for (const std::string& text : *out) {
      ++checked;
      EXPECT_FALSE(nlohmann::json::parse(text, nullptr, false).is_discarded()) << text;
      Status v = schema->Validate(text);
      EXPECT_TRUE(v.ok()) << "schema " << s << ": " << v.message();
      auto tokens = model->Tokenize(text);
      ASSERT_TRUE(tokens.ok());
      EXPECT_LE(static_cast<int>(tokens->size()) - 1, max_tokens + 4) << text;  // re-tokenised: approx.
    }
  }
  EXPECT_EQ(checked, 200);
}

TEST(LlamaJson, SchemaErrorsAreClear) {
  auto model = Load(BatchModels::Get().llama);
  ASSERT_NE(model, nullptr);
  const std::vector<std::string> prompts = {"x"};
  auto bad = model->GenerateJsonBatch(prompts, R"({"type":"string","pattern":"^a+$"})", 16);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("pattern"), std::string::npos) << bad.status().message();
  EXPECT_FALSE(model->GenerateJsonBatch(prompts, "not json", 16).ok());
  auto tight = model->GenerateJsonBatch(
      prompts, R"({"type":"object","properties":{"a_long_property_name":{"type":"string"}},"required":["a_long_property_name"]})", 4);
  ASSERT_FALSE(tight.ok());
  EXPECT_NE(tight.status().message().find("raise max_tokens"), std::string::npos) << tight.status().message();
}

TEST(JsonSchemaValidator, CatchesEachKindOfViolation) {
  auto s = JsonSchema::Parse(
      R"({"type":"object","properties":{"n":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"},"maxItems":1},"e":{"enum":["a","b"]}},"required":["n"],"additionalProperties":false})");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE(s->Validate(R"({"n":3,"tags":["x"],"e":"a"})").ok());
  EXPECT_FALSE(s->Validate(R"({"tags":[]})").ok());           // required
  EXPECT_FALSE(s->Validate(R"({"n":1.5})").ok());             // integer
  EXPECT_FALSE(s->Validate(R"({"n":1,"tags":["a","b"]})").ok());  // maxItems
  EXPECT_FALSE(s->Validate(R"({"n":1,"tags":[1]})").ok());    // items type
  EXPECT_FALSE(s->Validate(R"({"n":1,"e":"c"})").ok());       // enum
  EXPECT_FALSE(s->Validate(R"({"n":1,"x":0})").ok());         // additionalProperties
  EXPECT_FALSE(s->Validate(R"({"n":1)").ok());                // not JSON
}

TEST(LlamaEmbed, BatchHasModelDimensionUnitNormAndMatchesSingle) {
  auto model = Load(BatchModels::Get().bert);
  ASSERT_NE(model, nullptr);
  const std::vector<std::string> texts = {"late delivery", "great product, fast shipping", "refund please",
                                          "the support team was helpful and kind"};
  auto out = model->EmbedBatch(texts);
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto& v = (*out)[i];
    ASSERT_EQ(static_cast<int>(v.size()), model->EmbeddingSize());
    double norm = 0;
    for (float x : v) norm += static_cast<double>(x) * x;
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5);
    auto single = model->Embed(texts[i]);
    ASSERT_TRUE(single.ok());
    double dot = 0;
    for (size_t k = 0; k < v.size(); ++k) dot += static_cast<double>(v[k]) * (*single)[k];
    EXPECT_NEAR(dot, 1.0, 1e-4) << "batched and single embeddings of text " << i;
  }
}

TEST(LlamaRerank, NonRerankerIsUnimplemented) {
  auto model = Load(BatchModels::Get().bert);
  ASSERT_NE(model, nullptr);
  EXPECT_FALSE(model->is_reranker());
  const std::vector<std::string> docs = {"a", "b"};
  auto out = model->Rerank("q", docs);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnimplemented);
}

TEST(LlamaRerank, RerankerScoresEveryDocumentDeterministicallyInOneBatch) {
  auto model = Load(BatchModels::Get().reranker);
  ASSERT_NE(model, nullptr);
  EXPECT_TRUE(model->is_reranker());
  const std::vector<std::string> docs = {"the parcel arrived late", "great quality", "refund took three weeks",
                                         "the parcel arrived late"};
  auto out = model->Rerank("late delivery", docs);
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), docs.size());
  for (float s : *out) EXPECT_TRUE(std::isfinite(s));
  EXPECT_FLOAT_EQ((*out)[0], (*out)[3]);  // same pair, same score, wherever it sits in the batch
  EXPECT_NE((*out)[0], (*out)[1]);        // the document changes the score
  auto again = model->Rerank("late delivery", std::vector<std::string>{docs[2]});
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_NEAR((*again)[0], (*out)[2], 1e-4);  // alone or in a batch of four
  auto other = model->Rerank("great quality", std::vector<std::string>{docs[0]});
  ASSERT_TRUE(other.ok());
  EXPECT_NE((*other)[0], (*out)[0]);  // the query changes the score too
}

TEST(LlamaBatch, GeneratorRefusesEmbedAndEmbedderRefusesGenerate) {
  auto llama = Load(BatchModels::Get().llama);
  auto bert = Load(BatchModels::Get().bert);
  const std::vector<std::string> texts = {"x"};
  EXPECT_EQ(llama->EmbedBatch(texts).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bert->GenerateBatch(texts, Tokens(2)).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace custintel::ai
