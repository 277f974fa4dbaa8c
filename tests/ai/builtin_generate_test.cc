#include "ai/builtin_generate.h"

#include <gtest/gtest.h>

#include "ai/builtin_backend.h"

namespace custintel::ai {
namespace {

const char* kBroken =
    "Product broke after just one week of use. Customer support was unhelpful and refused to honor the "
    "warranty. Will not buy from this company again.";

TEST(BuiltinGenerate, RecognisesSummariesInManyWordings) {
  for (std::string prefix : {"Summarize this customer review in one sentence: ", "Summarise the following review:\n",
                             "TL;DR: ", "Give a one-sentence summary of this feedback: ",
                             "Please sum up what this customer says: "}) {
    auto t = RecognizeGenerateTask(prefix + kBroken);
    ASSERT_TRUE(t.has_value()) << prefix;
    EXPECT_EQ(t->kind, GenerateTaskKind::kSummary) << prefix;
    EXPECT_EQ(t->text, kBroken) << prefix;
  }
  auto last = RecognizeGenerateTask(std::string(kBroken) + "\n\nSummarize the review above.");
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->text, kBroken);
}

TEST(BuiltinGenerate, RecognisesThemeListsWithTheirCount) {
  auto t = RecognizeGenerateTask(std::string("List 3 key themes from this review (comma-separated): ") + kBroken);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->kind, GenerateTaskKind::kThemes);
  EXPECT_EQ(t->count, 3);
  auto other = RecognizeGenerateTask(std::string("What are the two main topics of this comment? ") + kBroken);
  EXPECT_FALSE(other.has_value());  // a question mark is not an instruction/text separator here
  auto topics = RecognizeGenerateTask(std::string("Name two main topics of this comment:\n") + kBroken);
  ASSERT_TRUE(topics.has_value());
  EXPECT_EQ(topics->kind, GenerateTaskKind::kThemes);
  EXPECT_EQ(topics->count, 2);
}

TEST(BuiltinGenerate, LeavesOpenEndedWritingToAModel) {
  for (const char* p : {"Create retention strategy for customer with risk score 0.75 and factors: {\"a\": 1}",
                        "Analyze customer behavior: Sentiment: 0.50, Interactions: 2, Issues: 1",
                        "Executive summary: 3 customers, 1 at high risk, $1033.33 avg LTV",
                        "Create detailed profile for premium customer segment with 1 customers",
                        "Suggest product for: Customer: John Doe, Segment: premium", "write a poem"}) {
    EXPECT_FALSE(RecognizeGenerateTask(p).has_value()) << p;
  }
}

TEST(BuiltinGenerate, AnswersFromTheTextEngine) {
  GenerateTask themes{GenerateTaskKind::kThemes, kBroken, 3};
  std::string answer = AnswerGenerateTask(themes, 25);
  EXPECT_NE(answer.find("returns & warranty"), std::string::npos) << answer;
  EXPECT_NE(answer.find("customer service"), std::string::npos) << answer;
  EXPECT_EQ(std::count(answer.begin(), answer.end(), ','), 2) << answer;  // three items
  GenerateTask summary{GenerateTaskKind::kSummary, kBroken, 0};
  std::string s = AnswerGenerateTask(summary, 25);
  EXPECT_FALSE(s.empty());
  EXPECT_NE(std::string(kBroken).find(s.substr(0, 10)), std::string::npos) << s;  // extractive
}

TEST(BuiltinGenerate, BackendServesTasksAndRefusesTheRest) {
  BuiltinBackend b;
  std::vector<std::string> p = {std::string("Summarize this review: ") + kBroken, "Write a retention offer for Bob"};
  auto r = b.Generate(p, {});
  ASSERT_TRUE(r[0].ok()) << r[0].status().message();
  EXPECT_FALSE(r[0]->text.empty());
  ASSERT_FALSE(r[1].ok());
  EXPECT_NE(r[1].status().message().find("needs a model"), std::string::npos);
}

}  // namespace
}  // namespace custintel::ai

namespace custintel::ai {
namespace {

TEST(BuiltinChoose, AStatedRatingCountsAsMuchAsTheWording) {
  const std::string mixed =
      "The product works as advertised but the shipping took forever and the packaging was damaged. The product "
      "itself is okay for the price.";
  std::vector<std::string> labels = {"very_positive", "positive", "neutral", "negative", "very_negative"};
  BuiltinBackend b;
  auto alone = b.Choose(std::vector<std::string>{"Classify sentiment of this review: " + mixed}, labels);
  auto rated = b.Choose(std::vector<std::string>{"Classify sentiment of this review (rating 3/5): " + mixed}, labels);
  auto stars = b.Choose(std::vector<std::string>{"What is the sentiment of this 3 stars review? " + mixed}, labels);
  auto five = b.Choose(std::vector<std::string>{"Classify sentiment of this review (rating 5/5): " + mixed}, labels);
  ASSERT_TRUE(alone[0].ok() && rated[0].ok() && stars[0].ok() && five[0].ok());
  auto pos = [&](const std::string& l) { return std::find(labels.begin(), labels.end(), l) - labels.begin(); };
  // Labels run from very_positive (0) to very_negative (4): a middling rating pulls towards the middle.
  EXPECT_LT(pos(rated[0]->label), pos(alone[0]->label)) << alone[0]->label << " " << rated[0]->label;
  EXPECT_EQ(rated[0]->label, stars[0]->label);
  EXPECT_LT(pos(five[0]->label), pos(rated[0]->label)) << five[0]->label;
  // A scale described, not a rating given.
  auto scale = b.Choose(std::vector<std::string>{"Rate this review from 1 to 5 stars: " + mixed}, labels);
  ASSERT_TRUE(scale[0].ok());
  EXPECT_EQ(scale[0]->label, alone[0]->label);
}

}  // namespace
}  // namespace custintel::ai
