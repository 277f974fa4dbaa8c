#include "text/sentiment.h"

#include <gtest/gtest.h>

namespace custintel::text {
namespace {

double Score(std::string_view s) { return SentimentAnalyzer().Analyze(s).compound; }

TEST(Sentiment, PositiveAndNegativeWords) {
  EXPECT_GT(Score("The blender is great"), 0.3);
  EXPECT_LT(Score("The blender is terrible"), -0.3);
  EXPECT_EQ(SentimentAnalyzer().Analyze("I ordered the blue one.").label, SentimentLabel::kNeutral);
}

TEST(Sentiment, NegationFlipsPolarity) {
  EXPECT_LT(Score("not good"), 0);
  EXPECT_GT(Score("not bad at all"), 0);
  EXPECT_GT(Score("No problems so far"), 0);
  EXPECT_GT(Score("never had an issue with it"), 0);
  EXPECT_LT(Score("The package never arrived"), -0.2);
  EXPECT_LT(Score("It didn't work"), 0);
}

TEST(Sentiment, BoostersAndDampenersScaleMagnitude) {
  EXPECT_GT(Score("very good"), Score("good"));
  EXPECT_LT(Score("slightly good"), Score("good"));
  EXPECT_LT(Score("extremely bad"), Score("bad"));
}

TEST(Sentiment, ContrastShiftsWeightToWhatFollowsBut) {
  EXPECT_LT(Score("The design is nice but it broke after a week"), 0);
  EXPECT_GT(Score("Shipping was slow, but the quality is excellent"), 0);
  EXPECT_GT(Score("Although it was slow, the result is excellent"), 0);
}

TEST(Sentiment, CapsAndExclamationsAddEmphasis) {
  EXPECT_GT(Score("This is GREAT"), Score("This is great"));
  EXPECT_GT(Score("great!!!"), Score("great"));
  EXPECT_LT(Score("terrible!!!"), Score("terrible"));
}

TEST(Sentiment, EmoticonsAndEmojiCarrySentiment) {
  EXPECT_GT(Score("arrived today :)"), 0);
  EXPECT_LT(Score("arrived today :("), 0);
  EXPECT_GT(Score("Love it \xF0\x9F\x98\x8D"), Score("Love it"));  // 😍
  EXPECT_LT(Score("\xF0\x9F\x98\xA1"), 0);                           // 😡
  EXPECT_GT(Score("\xE2\x9D\xA4\xEF\xB8\x8F"), 0);                   // ❤️ with variation selector
}

TEST(Sentiment, IdiomsScoreAsAWhole) {
  EXPECT_LT(Score("Complete waste of money"), -0.5);
  EXPECT_GT(Score("Works like a charm"), 0.5);
  EXPECT_GT(Score("worth every penny"), 0.5);
  EXPECT_LT(Score("It fell apart"), -0.3);
}

TEST(Sentiment, PerSentenceScoresAndLabels) {
  SentimentResult r = SentimentAnalyzer().Analyze("Great phone. Terrible battery. It is black.");
  ASSERT_EQ(r.sentences.size(), 3u);
  EXPECT_GT(r.sentences[0].compound, 0);
  EXPECT_LT(r.sentences[1].compound, 0);
  EXPECT_DOUBLE_EQ(r.sentences[2].compound, 0);
  EXPECT_EQ(ToString(LabelForCompound(0.9)), "very_positive");
  EXPECT_EQ(ToString(LabelForCompound(-0.9)), "very_negative");
  EXPECT_EQ(ToString(LabelForCompound(0.0)), "neutral");
  nlohmann::json j = r.ToJson();
  EXPECT_TRUE(j.contains("score"));
  EXPECT_EQ(j["sentences"].size(), 3u);
}

TEST(Sentiment, CompoundStaysInRange) {
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "amazing! ";
  double c = Score(many);
  EXPECT_LE(c, 1.0);
  EXPECT_GT(c, 0.99);
}

TEST(Lexicon, DefaultHasThousandsOfEntriesAndRejectsBadValence) {
  EXPECT_GE(Lexicon::Default().size(), 2000u);
  EXPECT_FALSE(Lexicon::Parse("great\t9\n", "").ok());
  EXPECT_FALSE(Lexicon::Parse("great\tabc\n", "").ok());
  Result<Lexicon> custom = Lexicon::Parse("sticky\t-2\n", "negator\tnot\t0\n");
  ASSERT_TRUE(custom.ok());
  EXPECT_LT(SentimentAnalyzer(*custom).Analyze("the keys are sticky").compound, 0);
  EXPECT_GT(SentimentAnalyzer(*custom).Analyze("the keys are not sticky").compound, 0);
}

}  // namespace
}  // namespace custintel::text
