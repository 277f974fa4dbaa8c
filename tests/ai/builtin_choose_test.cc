// The builtin engine's choose (issue 21): task words, label scales, calibrated answers on the
// hand-labelled set tests/data/ai/choose_labels.tsv, and zero-shot with a margin.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>

#include "ai/builtin_backend.h"
#include "ai/builtin_choose.h"
#include "ai/choose_scales.h"
#include "core/strings.h"
#include "testing/testing.h"
#include "text/sentiment.h"

namespace custintel::ai {
namespace {

struct Case {
  std::string sentiment, emotion, urgency, refund, text;
};

std::vector<Case> LoadSet() {
  std::string tsv = testing::ReadFile(CUSTINTEL_SOURCE_DIR "/tests/data/ai/choose_labels.tsv");
  std::vector<Case> out;
  for (const std::string& line : Split(tsv, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> c = Split(line, '\t');
    EXPECT_EQ(c.size(), 5u) << line;
    if (c.size() == 5) out.push_back({c[0], c[1], c[2], c[3], c[4]});
  }
  return out;
}

int IndexOf(const std::vector<std::string>& v, const std::string& s) {
  auto it = std::find(v.begin(), v.end(), s);
  EXPECT_NE(it, v.end()) << s;
  return static_cast<int>(it - v.begin());
}

std::vector<double> Ranks(const std::vector<double>& x) {
  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && x[order[j]] == x[order[i]]) ++j;
    for (size_t k = i; k < j; ++k) r[order[k]] = (i + j - 1) / 2.0;
    i = j;
  }
  return r;
}

double Spearman(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> ra = Ranks(a), rb = Ranks(b);
  const double n = static_cast<double>(a.size());
  double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n, mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

// One ordinal label set over the whole file: agreement, and the calibration of probabilities.
struct Agreement {
  int n = 0, exact = 0, within_one = 0;
  double confidence = 0;  // sum of the answer's probability
  std::vector<double> gold, answered;
  void Add(int g, int a, double p) {
    ++n;
    exact += g == a;
    within_one += std::abs(g - a) <= 1;
    confidence += p;
    gold.push_back(g);
    answered.push_back(a);
  }
  double Exact() const { return static_cast<double>(exact) / n; }
  double WithinOne() const { return static_cast<double>(within_one) / n; }
  double MeanConfidence() const { return confidence / n; }
};

// Task prefixes written the way users write them; the rows rotate through them.
const std::vector<std::string> kSentimentPrompts = {
    "Classify sentiment of this review: ", "What is the sentiment of the following message?\n",
    "Review: ", "", "Determine the sentiment of this customer review.\n"};

Agreement RunLabelSet(const std::vector<Case>& set, const std::vector<std::string>& choices,
                      const std::vector<std::string>& prompts, std::string Case::*field,
                      const std::function<int(const std::string&)>& position) {
  Agreement a;
  for (size_t i = 0; i < set.size(); ++i) {
    std::string prompt = prompts[i % prompts.size()] + set[i].text;
    Scored s = BuiltinChoose(prompt, choices);
    a.Add(position(set[i].*field), position(s.label), s.probability);
    if (std::getenv("CUSTINTEL_TEXT_VERBOSE") && set[i].*field != s.label) {
      std::printf("MISS gold=%s got=%s p=%.2f: %s\n", (set[i].*field).c_str(), s.label.c_str(), s.probability,
                  set[i].text.c_str());
    }
  }
  return a;
}

void Report(const char* name, const Agreement& a) {
  std::printf("%-14s n=%d exact %.3f within-one %.3f mean p(answer) %.3f\n", name, a.n, a.Exact(), a.WithinOne(),
              a.MeanConfidence());
}

TEST(ChooseScales, TaskWordsAreSplitFromTheText) {
  PromptParts p = SplitTaskWords("Classify sentiment of this review: Product broke after a week.");
  EXPECT_EQ(p.instruction, "Classify sentiment of this review");
  EXPECT_EQ(p.text, "Product broke after a week.");
  p = SplitTaskWords("How urgent is this ticket? stopped working after one week, won't turn on");
  EXPECT_EQ(p.text, "stopped working after one week, won't turn on");
  p = SplitTaskWords("Classify the sentiment of the following review.\nReview: \"Great fit\"\nSentiment:");
  EXPECT_EQ(p.text, "Great fit");
  EXPECT_NE(p.instruction.find("Sentiment:"), std::string::npos);
  p = SplitTaskWords("Did the customer ask for a refund?\nThe handle snapped, please refund me.");
  EXPECT_EQ(p.text, "The handle snapped, please refund me.");
  // A customer's own question is text, not an instruction.
  p = SplitTaskWords("How do I reset my password? The link expired.");
  EXPECT_EQ(p.instruction, "");
  EXPECT_EQ(p.text, "How do I reset my password? The link expired.");
  p = SplitTaskWords("I need help: my order never came");
  EXPECT_EQ(p.text, "I need help: my order never came");
}

TEST(ChooseScales, LabelsInAnySpellingLandOnTheirScale) {
  EXPECT_EQ(NormalizeLabel(" Very_Positive"), "very positive");
  EXPECT_EQ(NormalizeLabel("follow-UP"), "follow up");
  auto s = RecognizeScale(std::vector<std::string>{"VERY-NEGATIVE", "Negative", "neutral", "positive", "Very Positive"}, "");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, ScaleKind::kSentiment);
  EXPECT_EQ(s->position, (std::vector<int>{-2, -1, 0, 1, 2}));
  s = RecognizeScale(std::vector<std::string>{"good", "bad"}, "");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->position, (std::vector<int>{1, -1}));
  s = RecognizeScale(std::vector<std::string>{"1 star", "2 stars", "3 stars", "4 stars", "5 stars"}, "");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->position, (std::vector<int>{-2, -1, 0, 1, 2}));
  s = RecognizeScale(std::vector<std::string>{"\xE2\x98\x85", "\xE2\x98\x85\xE2\x98\x85\xE2\x98\x85\xE2\x98\x85\xE2\x98\x85"}, "");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->position, (std::vector<int>{-2, 2}));
  EXPECT_FALSE(RecognizeScale(std::vector<std::string>{"1", "2", "3"}, "How many items are mentioned"));
  s = RecognizeScale(std::vector<std::string>{"1", "2", "3", "4", "5"}, "Rate this review from 1 to 5 stars");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, ScaleKind::kSentiment);
  s = RecognizeScale(std::vector<std::string>{"Angry", "frustrated", "neutral", "satisfied", "HAPPY"}, "");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, ScaleKind::kEmotion);
  s = RecognizeScale(std::vector<std::string>{"P0", "P1", "P2", "P3"}, "");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, ScaleKind::kUrgency);
  EXPECT_EQ(s->position, (std::vector<int>{3, 2, 1, 0}));
  s = RecognizeScale(std::vector<std::string>{"low_priority", "Medium", "high", "Critical"}, "");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, ScaleKind::kUrgency);
  s = RecognizeScale(std::vector<std::string>{"yes", "no"}, "Is follow-up needed");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, ScaleKind::kYesNo);
  EXPECT_EQ(s->question, YesNoQuestion::kFollowUp);
  s = RecognizeScale(std::vector<std::string>{"No", "Yes"}, "Did the customer request a refund");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->question, YesNoQuestion::kRefund);
  EXPECT_FALSE(RecognizeScale(std::vector<std::string>{"shipping", "billing", "other"}, ""));
  EXPECT_FALSE(RecognizeScale(std::vector<std::string>{"yes", "no"}, "Is the sky blue"));
}

TEST(BuiltinChoose, TheIssuesExamplesGetTheirScale) {
  const std::vector<std::string> five = {"very_positive", "positive", "neutral", "negative", "very_negative"};
  Scored s = BuiltinChoose(
      "Classify sentiment of this review: Product broke after just one week of use. Customer support was unhelpful.",
      five);
  EXPECT_TRUE(s.label == "negative" || s.label == "very_negative") << s.label;
  Scored u = BuiltinChoose("How urgent is this ticket? stopped working after one week, won't turn on",
                           std::vector<std::string>{"low", "medium", "high", "critical"});
  EXPECT_NE(u.label, "low");
  Scored f = BuiltinChoose("Is follow-up needed for this ticket?\nThanks, all sorted now!",
                           std::vector<std::string>{"yes", "no"});
  EXPECT_EQ(f.label, "no");
  f = BuiltinChoose("Is follow-up needed for this ticket?\nI was charged twice and nobody answers.",
                    std::vector<std::string>{"yes", "no"});
  EXPECT_EQ(f.label, "yes");
}

TEST(BuiltinChoose, AgreesWithTheHandLabelledSet) {
  const std::vector<Case> set = LoadSet();
  ASSERT_GE(set.size(), 200u);
  const std::vector<std::string> five = {"very_positive", "positive", "neutral", "negative", "very_negative"};
  const std::vector<std::string> three = {"positive", "neutral", "negative"};
  const std::vector<std::string> stars = {"1 star", "2 stars", "3 stars", "4 stars", "5 stars"};
  const std::vector<std::string> emotions = {"angry", "frustrated", "neutral", "satisfied", "happy"};
  const std::vector<std::string> urgency = {"low", "medium", "high", "critical"};
  auto five_pos = [&](const std::string& l) {
    auto it = std::find(stars.begin(), stars.end(), l);
    return it != stars.end() ? static_cast<int>(it - stars.begin()) - 2 : 2 - IndexOf(five, l);
  };
  auto three_pos = [&](const std::string& l) {
    if (l.find("positive") != std::string::npos) return 1;
    return l.find("negative") != std::string::npos ? -1 : 0;
  };
  Agreement s5 = RunLabelSet(set, five, kSentimentPrompts, &Case::sentiment, five_pos);
  Agreement s3 = RunLabelSet(set, three, kSentimentPrompts, &Case::sentiment, three_pos);
  Agreement st = RunLabelSet(set, stars, {"How many stars would this review get? "}, &Case::sentiment, five_pos);
  Agreement em = RunLabelSet(set, emotions, {"Which emotion does the customer express?\n", "Emotion of this message: "},
                             &Case::emotion, [&](const std::string& l) { return IndexOf(emotions, l); });
  Agreement ur = RunLabelSet(set, urgency, {"How urgent is this ticket? ", "Classify the urgency of this ticket:\n"},
                             &Case::urgency, [&](const std::string& l) { return IndexOf(urgency, l); });
  Agreement rf = RunLabelSet(set, {"yes", "no"}, {"Did the customer ask for a refund?\n"}, &Case::refund,
                             [](const std::string& l) { return l == "yes" ? 1 : 0; });
  Report("sentiment-5", s5);
  Report("sentiment-3", s3);
  Report("stars", st);
  Report("emotion", em);
  Report("urgency", ur);
  Report("refund yes/no", rf);
  for (const Agreement* a : {&s5, &s3, &st, &em, &ur}) {
    EXPECT_GE(a->WithinOne(), 0.95);
    EXPECT_GE(a->Exact(), 0.70);
  }
  EXPECT_GE(rf.Exact(), 0.90);
  // Probabilities mean something: the mean probability of the answer is the share answered right.
  // Sentiment and emotion are calibrated on another set (sentences.tsv); urgency and the rule
  // answers on the even rows of this one, so they are checked on the odd rows.
  for (const Agreement* a : {&s5, &s3, &st, &em}) EXPECT_NEAR(a->MeanConfidence(), a->Exact(), 0.1);
  std::vector<Case> odd;
  for (size_t i = 1; i < set.size(); i += 2) odd.push_back(set[i]);
  Agreement ur_odd = RunLabelSet(odd, urgency, {"How urgent is this ticket? "}, &Case::urgency,
                                 [&](const std::string& l) { return IndexOf(urgency, l); });
  Agreement rf_odd = RunLabelSet(odd, {"yes", "no"}, {"Did the customer ask for a refund?\n"}, &Case::refund,
                                 [](const std::string& l) { return l == "yes" ? 1 : 0; });
  Report("urgency (odd)", ur_odd);
  Report("refund (odd)", rf_odd);
  for (const Agreement* a : {&ur_odd, &rf_odd}) EXPECT_NEAR(a->MeanConfidence(), a->Exact(), 0.1);

  // The ranking follows ai_sentiment's (the builtin ai_sentiment is the analyzer's compound).
  const text::SentimentAnalyzer analyzer;
  std::vector<double> score;
  for (const Case& c : set) score.push_back(analyzer.Analyze(c.text).compound);
  const double score_rho = Spearman(score, s5.gold), label_rho = Spearman(s5.answered, s5.gold);
  std::printf("spearman with the gold 5-way label: ai_sentiment score %.3f, choose label %.3f\n", score_rho, label_rho);
  EXPECT_GE(label_rho, score_rho - 0.03);
  for (size_t i = 0; i < set.size(); ++i) {
    if (score[i] >= -0.5) continue;
    EXPECT_LT(s5.answered[i], 2) << set[i].text;
    EXPECT_LT(s3.answered[i], 1) << set[i].text;
    EXPECT_LT(st.answered[i], 2) << set[i].text;
  }
}

TEST(BuiltinChoose, ZeroShotPicksTheTopicOrSaysItIsUnsure) {
  const std::vector<std::string> topics = {"Shipping", "Billing", "Account access", "Product quality"};
  EXPECT_EQ(BuiltinChoose("The parcel is stuck in transit and tracking has not moved", topics).label, "Shipping");
  EXPECT_EQ(BuiltinChoose("Categorize this ticket: I was charged twice on my invoice", topics).label, "Billing");
  EXPECT_EQ(BuiltinChoose("I am locked out, the password reset link never arrives", topics).label, "Account access");
  EXPECT_EQ(BuiltinChoose("The stitching came apart and the fabric feels cheap", topics).label, "Product quality");
  Scored sure = BuiltinChoose("The parcel is stuck in transit and tracking has not moved", topics);
  EXPECT_GE(sure.margin, kUnsureMargin);
  // Nothing in the text speaks to any label: a small margin, or the offered fallback.
  Scored unsure = BuiltinChoose("Hello there, good morning", topics);
  EXPECT_LT(unsure.margin, kUnsureMargin);
  std::vector<std::string> with_other = topics;
  with_other.push_back("other");
  EXPECT_EQ(BuiltinChoose("Hello there, good morning", with_other).label, "other");
}

TEST(BuiltinChoose, IsDeterministicAndAlwaysAListedChoice) {
  const std::vector<std::string> choices = {"very_positive", "positive", "neutral", "negative", "very_negative"};
  for (const char* p : {"", "ok", "TERRIBLE!!!", "Classify sentiment of this review:", "\xFF\xFE bytes"}) {
    Scored a = BuiltinChoose(p, choices), b = BuiltinChoose(p, choices);
    EXPECT_EQ(a.label, b.label);
    EXPECT_EQ(a.probabilities, b.probabilities);
    EXPECT_NE(std::find(choices.begin(), choices.end(), a.label), choices.end());
    EXPECT_NEAR(std::accumulate(a.probabilities.begin(), a.probabilities.end(), 0.0), 1.0, 1e-9);
    EXPECT_GE(a.margin, 0);
  }
}

}  // namespace
}  // namespace custintel::ai
