// Accuracy of sentiment and themes on the hand-labelled set tests/data/text/sentences.tsv
// (written before any tuning; see src/text/README.md for the figures before and after).
// Prints the figures and asserts floors that the current lexicon reaches.
#include <gtest/gtest.h>

#include "text/macro_f1.h"

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/strings.h"
#include "testing/testing.h"
#include "text/clean.h"
#include "text/sentiment.h"
#include "text/themes.h"

namespace custintel::text {
namespace {

struct Labelled {
  std::string kind, label, text;
  std::map<std::string, int> themes;  // id -> polarity
};

std::vector<Labelled> LoadSet() {
  std::string tsv = testing::ReadFile(CUSTINTEL_SOURCE_DIR "/tests/data/text/sentences.tsv");
  std::vector<Labelled> out;
  for (const std::string& line : Split(tsv, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> c = Split(line, '\t');
    if (c.size() != 4) continue;
    Labelled l{c[0], c[1], c[3], {}};
    if (c[2] != "-") {
      for (const std::string& t : Split(c[2], '|')) {
        std::vector<std::string> kv = Split(t, ':');
        l.themes[kv[0]] = kv[1] == "+" ? 1 : (kv[1] == "-" ? -1 : 0);
      }
    }
    out.push_back(std::move(l));
  }
  return out;
}

int ThreeClass(const std::string& label) {
  if (label == "neutral") return 0;
  return label.find("positive") != std::string::npos ? 1 : -1;
}

TEST(Accuracy, HandLabelledSentencesMeetFloors) {
  std::vector<Labelled> set = LoadSet();
  ASSERT_GE(set.size(), 300u);
  SentimentAnalyzer sentiment;
  ThemeExtractor themes;
  std::vector<std::pair<int, int>> three;
  std::vector<std::pair<std::string, std::string>> five;
  double theme_tp = 0, theme_fp = 0, theme_fn = 0, pol_ok = 0, pol_n = 0;
  bool verbose = std::getenv("CUSTINTEL_TEXT_VERBOSE") != nullptr;
  for (const Labelled& l : set) {
    CleanedText clean = CleanText(l.text);
    TokenizedText t = Tokenize(clean.text);
    SentimentDetail d = sentiment.Score(t);
    ThemeResult tr = themes.Extract(t, d);
    std::string pred(ToString(d.result.label));
    three.emplace_back(ThreeClass(l.label), ThreeClass(pred));
    five.emplace_back(l.label, pred);
    std::set<std::string> predicted;
    for (const ThemeSummary& s : tr.themes) predicted.insert(s.id);
    for (const std::string& p : predicted) (l.themes.count(p) ? theme_tp : theme_fp) += 1;
    for (const auto& [id, pol] : l.themes) {
      if (!predicted.count(id)) theme_fn += 1;
      if (!predicted.count(id) || pol == 0) continue;
      pol_n += 1;
      for (const ThemeSummary& s : tr.themes) {
        if (s.id == id) pol_ok += (pol > 0 ? s.score >= 0.05 : s.score <= -0.05);
      }
    }
    if (verbose && ThreeClass(l.label) != ThreeClass(pred)) {
      std::printf("MISS gold=%s pred=%s (%.2f): %s\n", l.label.c_str(), pred.c_str(), d.result.compound, l.text.c_str());
    }
  }
  double f1_3 = MacroF1<int>(three, {-1, 0, 1});
  double f1_5 = MacroF1<std::string>(five, {"very_negative", "negative", "neutral", "positive", "very_positive"});
  double precision = theme_tp / std::max(1.0, theme_tp + theme_fp);
  double recall = theme_tp / std::max(1.0, theme_tp + theme_fn);
  double acc3 = 0;
  for (const auto& [g, p] : three) acc3 += g == p;
  acc3 /= static_cast<double>(three.size());
  std::printf("sentences=%zu sentiment 3-class macro-F1=%.3f accuracy=%.3f 5-class macro-F1=%.3f\n",
              set.size(), f1_3, acc3, f1_5);
  std::printf("themes precision=%.3f recall=%.3f mention polarity accuracy=%.3f (n=%.0f)\n", precision,
              recall, pol_n > 0 ? pol_ok / pol_n : 0.0, pol_n);
  // Floors a little under the measured figures (0.846 / 0.592 / 0.795 / 0.911 / 0.912).
  EXPECT_GE(f1_3, 0.82);
  EXPECT_GE(f1_5, 0.55);
  EXPECT_GE(precision, 0.77);
  EXPECT_GE(recall, 0.88);
  EXPECT_GE(pol_ok / pol_n, 0.88);
}

}  // namespace
}  // namespace custintel::text
