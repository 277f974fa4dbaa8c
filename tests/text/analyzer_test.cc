#include "text/analyzer.h"

#include <gtest/gtest.h>

#include "text/clean.h"
#include "text/domain_sentiment.h"

namespace custintel::text {
namespace {

TEST(Analyzer, EverythingForOneTextInOneJson) {
  AnalyzeOptions o;
  o.rating = 2;
  o.triage = true;
  Analysis a = Analyze("Fast shipping but the case cracked within a week. Very disappointed.", o);
  nlohmann::json j = a.ToJson();
  EXPECT_LT(j["score"].get<double>(), 0);
  EXPECT_EQ(j["label"], a.label);
  EXPECT_EQ(j["rating"], 2) << "the rating is reported, not blended";
  EXPECT_DOUBLE_EQ(a.score, a.sentiment.compound);
  EXPECT_GE(j["themes"].size(), 2u);
  EXPECT_FALSE(j["summary"].get<std::string>().empty());
  EXPECT_TRUE(j.contains("triage"));
  EXPECT_EQ(j["input"]["invalid_utf8_replaced"], 0);
}

TEST(Analyzer, EmptyTextIsNeutralAndValid) {
  Analysis a = Analyze("");
  EXPECT_EQ(a.label, "neutral");
  EXPECT_TRUE(a.themes.themes.empty());
  EXPECT_EQ(a.summary, "");
  EXPECT_NO_THROW(a.ToJson().dump());
}

TEST(Analyzer, InvalidUtf8IsReplacedAndReported) {
  Analysis a = Analyze("great \xFF\xFE product \xC3");
  EXPECT_EQ(a.invalid_utf8_replaced, 3u) << "FF and FE are separate invalid sequences";
  EXPECT_GT(a.score, 0);
  EXPECT_NO_THROW(a.ToJson().dump()) << "JSON output must be valid UTF-8";
  EXPECT_EQ(CleanText("a\xED\xA0\x80z").text, "a\xEF\xBF\xBDz") << "surrogates are invalid";
}

TEST(Analyzer, HtmlIsStripped) {
  Analysis a = Analyze("<p>Terrible <b>quality</b>&amp; slow</p><script>var great=1;</script>");
  EXPECT_TRUE(a.html_stripped);
  EXPECT_LT(a.score, 0);
  EXPECT_EQ(a.summary.find('<'), std::string::npos);
  EXPECT_EQ(a.summary.find("great"), std::string::npos);
}

TEST(Analyzer, EmojiOnlyText) {
  Analysis a = Analyze("\xF0\x9F\x98\x8D\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD");  // 😍👍🏽
  EXPECT_GT(a.score, 0.3);
}

TEST(Analyzer, OneMegabyteTextIsFine) {
  std::string big;
  while (big.size() < (1u << 20)) big += "The delivery was late but the quality is great. ";
  Analysis a = Analyze(big);
  EXPECT_GT(a.sentiment.sentences.size(), 10000u);
  EXPECT_FALSE(a.themes.themes.empty());
  EXPECT_LE(a.summary.size(), 400u);
}

TEST(Analyzer, MaskedAnalysisNeverSerialisesPii) {
  AnalyzeOptions o;
  o.mask_pii = true;
  o.pii.names = {"Jane Doe"};
  Analysis a = Analyze("Jane Doe here, email jane@x.io. The refund never arrived!", o);
  std::string json = a.ToJson().dump();
  EXPECT_EQ(json.find("jane@x.io"), std::string::npos);
  EXPECT_EQ(json.find("Jane"), std::string::npos);
  EXPECT_EQ(a.pii_counts.at("EMAIL"), 1);
  EXPECT_EQ(a.pii_counts.at("NAME"), 1);
  EXPECT_EQ(a.pii_mapping.size(), 2u);
}

std::vector<RatedText> DomainCorpus() {
  // A keyboard shop where "sticky", "mushy" and "ghosting" are complaints and "thocky" praise:
  // words the general lexicon does not know.
  std::vector<RatedText> out;
  const char* neg[] = {"keys feel sticky", "switches are mushy", "ghosting on fast typing", "sticky spacebar",
                       "mushy and sticky keys", "ghosting again", "the stabilisers are mushy"};
  const char* pos[] = {"so thocky", "thocky switches", "crisp thocky sound", "thocky and smooth feel",
                       "typing feels thocky", "lovely thocky keys", "thocky board"};
  for (int round = 0; round < 6; ++round) {
    for (const char* n : neg) out.push_back({std::string(n) + " on unit " + std::to_string(round), 1 + round % 2});
    for (const char* p : pos) out.push_back({std::string(p) + " on unit " + std::to_string(round), 4 + round % 2});
  }
  return out;
}

TEST(DomainSentiment, LearnsTenantWordsAndTheBlendIsMeasured) {
  std::vector<RatedText> corpus = DomainCorpus();
  Result<DomainModel> m = DomainModel::Train(corpus);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_LT(m->Weight("sticky"), 0);
  EXPECT_GT(m->Weight("thocky"), 0);
  EXPECT_LT(m->Score("a bit mushy"), 0);
  Result<BlendReport> r = EvaluateBlend(corpus, SentimentAnalyzer());
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::printf("domain blend: %s\n", r->ToJson().dump().c_str());
  EXPECT_GT(r->blended.macro_f1, r->lexicon.macro_f1);
}

TEST(DomainSentiment, TooFewRatedTextsIsAnActionableError) {
  std::vector<RatedText> few = {{"good", 5}, {"bad", 1}};
  Result<DomainModel> m = DomainModel::Train(few);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("at least 5 positive"), std::string::npos);
}

TEST(DomainSentiment, AnalyzerBlendsWhenAModelIsGiven) {
  std::vector<RatedText> corpus = DomainCorpus();
  Result<DomainModel> m = DomainModel::Train(corpus);
  ASSERT_TRUE(m.ok());
  AnalyzeOptions o;
  o.domain = &*m;
  Analysis a = Analyze("the keys are sticky", o);
  ASSERT_TRUE(a.domain_score.has_value());
  EXPECT_LT(a.score, a.sentiment.compound);
}

}  // namespace
}  // namespace custintel::text
