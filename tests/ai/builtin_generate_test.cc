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
