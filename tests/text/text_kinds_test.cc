// Sentiment on the kinds of text customers write besides reviews (issue 21): social posts
// (emoji, emoticons, slang, elongation, CAPS, "!!!", hashtags, "but", negation, degree words)
// and formal prose (hedging, irony markers, reported speech). Hand-labelled sets written for the
// test before the engine was tuned on them: tests/data/text/social_posts.tsv and
// formal_prose.tsv. Prints the correlations with the labels; src/text/README.md has the figures
// before and after.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "core/strings.h"
#include "testing/testing.h"
#include "text/sentiment.h"

namespace custintel::text {
namespace {

struct Rated {
  double label = 0;
  std::string text;
};

std::vector<Rated> Load(const std::string& name) {
  std::string tsv = testing::ReadFile(CUSTINTEL_SOURCE_DIR "/tests/data/text/" + name);
  std::vector<Rated> out;
  for (const std::string& line : Split(tsv, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> c = Split(line, '\t');
    EXPECT_EQ(c.size(), 2u) << line;
    if (c.size() == 2) out.push_back({std::stod(c[0]), c[1]});
  }
  return out;
}

double Pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n, mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) * (a[i] - ma);
    bb += (b[i] - mb) * (b[i] - mb);
  }
  return ab / std::sqrt(aa * bb);
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

struct Figures {
  double pearson = 0, spearman = 0, polarity = 0;  // polarity: sign agreement on non-neutral texts
};

Figures Measure(const std::string& name) {
  const std::vector<Rated> set = Load(name);
  EXPECT_GE(set.size(), 60u);
  const SentimentAnalyzer analyzer;
  std::vector<double> gold, score;
  int polar = 0, agree = 0;
  const bool verbose = std::getenv("CUSTINTEL_TEXT_VERBOSE") != nullptr;
  for (const Rated& r : set) {
    const double s = analyzer.Analyze(r.text).compound;
    gold.push_back(r.label);
    score.push_back(s);
    if (r.label != 0) {
      ++polar;
      agree += (r.label > 0) == (s >= 0.05) && (r.label < 0) == (s <= -0.05);
    }
    if (verbose && std::abs(r.label / 2 - s) > 0.6) std::printf("MISS %+.0f %+.2f %s\n", r.label, s, r.text.c_str());
  }
  Figures f{Pearson(gold, score), Pearson(Ranks(gold), Ranks(score)), static_cast<double>(agree) / polar};
  std::printf("%s: n=%zu pearson %.3f spearman %.3f polarity %.3f\n", name.c_str(), set.size(), f.pearson, f.spearman,
              f.polarity);
  return f;
}

// Floors a little under the measured figures (README): social 0.942 / 0.970 (before the issue-21
// rules 0.912 / 0.940), formal 0.670 / 0.709 (before 0.534 / 0.545).
TEST(SentimentKinds, SocialPosts) {
  Figures f = Measure("social_posts.tsv");
  EXPECT_GE(f.spearman, 0.93);
  EXPECT_GE(f.polarity, 0.95);
}

TEST(SentimentKinds, FormalProse) {
  Figures f = Measure("formal_prose.tsv");
  EXPECT_GE(f.spearman, 0.64);
  EXPECT_GE(f.polarity, 0.68);
}

TEST(SentimentKinds, RulesOfSocialAndFormalText) {
  const SentimentAnalyzer a;
  // Elongation reads the word, emphasised.
  EXPECT_GT(a.Analyze("I loooove it").compound, a.Analyze("I love it").compound - 1e-9);
  EXPECT_GT(a.Analyze("I loooove it").compound, 0.5);
  // Glued hashtags.
  EXPECT_LT(a.Analyze("ordered twice #neveragain").compound, -0.3);
  EXPECT_LT(a.Analyze("#worstserviceever").compound, -0.3);
  // Irony: a lone positive opener before only-negative text with a cue; a sincere one stays.
  EXPECT_LT(a.Analyze("Oh great, another delay.").compound, -0.1);
  EXPECT_LT(a.Analyze("Brilliant. The system crashed again.").compound, a.Analyze("The system crashed again.").compound);
  EXPECT_GT(a.Analyze("Great product. It arrived on time.").compound, 0.5);
  // Hedges soften.
  EXPECT_LT(a.Analyze("It is arguably excellent.").compound, a.Analyze("It is excellent.").compound);
}

}  // namespace
}  // namespace custintel::text
