// Choice scores from chat logprobs (ai/http_choice_scores.h), on answers shaped like
// llama-server's /v1/chat/completions with logprobs: the label's first-token alternatives
// become probabilities over the choices, or nothing when they cannot.
#include <gtest/gtest.h>

#include <cmath>

#include "ai/http/http_choice_scores.h"

namespace custintel::ai {
namespace {

using nlohmann::json;

// An answer whose content is spelled by `tokens`; `alternatives` are the top_logprobs at the
// token `at` (every other position gets none).
json Answer(const std::vector<std::pair<std::string, double>>& tokens, size_t at,
            const std::vector<std::pair<std::string, double>>& alternatives) {
  std::string content;
  json lp = json::array();
  for (size_t i = 0; i < tokens.size(); ++i) {
    content += tokens[i].first;
    json top = json::array();
    if (i == at) {
      for (const auto& [t, l] : alternatives) top.push_back({{"token", t}, {"logprob", l}});
    }
    lp.push_back({{"token", tokens[i].first}, {"logprob", tokens[i].second}, {"top_logprobs", top}});
  }
  return {{"choices", {{{"message", {{"role", "assistant"}, {"content", content}}}, {"logprobs", {{"content", lp}}}}}}};
}

const std::vector<std::string> kChoices = {"positive", "negative", "neutral"};

TEST(ChoiceScores, FirstTokenAlternativesBecomeProbabilitiesOverTheChoices) {
  // {"label":"positive"} with the value's first token "pos" (after a separate quote token).
  json a = Answer({{"{", -1}, {"\"", -1}, {"label", -1}, {"\"", -1}, {":", -1}, {"\"", -1}, {"pos", std::log(0.6)},
                   {"itive", -0.1}, {"\"}", -0.1}},
                  6, {{"pos", std::log(0.6)}, {"neg", std::log(0.2)}, {"hello", std::log(0.1)}});
  auto p = ScoreChoicesFromLogprobs(a, kChoices, "positive");
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->size(), 3u);
  EXPECT_NEAR((*p)[0], 0.75, 1e-9);  // 0.6 / (0.6 + 0.2)
  EXPECT_NEAR((*p)[1], 0.25, 1e-9);
  EXPECT_EQ((*p)[2], 0.0);  // "neutral" has no token of its own among the alternatives
}

TEST(ChoiceScores, AQuoteInsideTheFirstTokenIsAllowedAndSeveralTokensAddUp) {
  json a = Answer({{"{\"label\":", -1}, {"\"neu", std::log(0.3)}, {"tral\"}", -0.1}}, 1,
                  {{"\"neu", std::log(0.3)}, {"\"neutral", std::log(0.1)}, {"\"pos", std::log(0.2)}, {"neu", -0.5}});
  auto p = ScoreChoicesFromLogprobs(a, kChoices, "neutral");
  ASSERT_TRUE(p.has_value());
  EXPECT_NEAR((*p)[2], 0.4 / 0.6, 1e-9);
  EXPECT_NEAR((*p)[0], 0.2 / 0.6, 1e-9);
  EXPECT_NEAR((*p)[0] + (*p)[1] + (*p)[2], 1.0, 1e-12);
}

TEST(ChoiceScores, NoScoresWithoutLogprobsOrWhenTheLabelsFirstTokenIsShared) {
  json plain = {{"choices", {{{"message", {{"content", R"({"label":"positive"})"}}}}}}};
  EXPECT_FALSE(ScoreChoicesFromLogprobs(plain, kChoices, "positive").has_value());
  // "ne" begins both negative and neutral: it says nothing about which.
  json shared = Answer({{"{\"label\":\"", -1}, {"ne", std::log(0.5)}, {"gative\"}", -0.1}}, 1,
                       {{"ne", std::log(0.5)}, {"pos", std::log(0.3)}});
  EXPECT_FALSE(ScoreChoicesFromLogprobs(shared, kChoices, "negative").has_value());
  // Tokens that do not spell the content.
  json a = Answer({{"{\"label\":\"", -1}, {"pos", -0.5}, {"itive\"}", -0.1}}, 1, {{"pos", -0.5}});
  a["choices"][0]["message"]["content"] = R"({"label": "positive"})";
  EXPECT_FALSE(ScoreChoicesFromLogprobs(a, kChoices, "positive").has_value());
}

}  // namespace
}  // namespace custintel::ai
