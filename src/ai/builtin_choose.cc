#include "ai/builtin_choose.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <unordered_set>

#include "ai/choose_scales.h"
#include "ai/lexical_embed.h"
#include "core/embedded.h"
#include "core/strings.h"
#include "text/clean.h"
#include "text/sentiment.h"
#include "text/themes.h"
#include "text/triage.h"

namespace custintel::ai {
namespace {

// Cut points of the compound score between the five sentiment positions (-2|-1, -1|0, 0|1,
// 1|2), the width of the probability fall-off and its floor, fitted on
// tests/data/text/sentences.tsv (363 hand-labelled sentences) by src/ai/tools/calibrate_choose.py:
// cuts maximise the 5-class macro-F1, tau and the floor maximise the likelihood of the labels.
constexpr double kSentimentCuts[4] = {-0.72, -0.05, 0.065, 0.77};
constexpr double kSentimentTau = 0.08;
constexpr double kSentimentFloor = 0.07;
// The mood's cuts (text/triage.h TicketMood) above the angry one, which depends on the text.
constexpr double kMoodCuts[3] = {-0.05, 0.05, 0.6};
// Urgency is a level, not a score: bands are the levels, tau in levels. Fitted by the same tool
// on the even rows of tests/data/ai/choose_labels.tsv (the test checks the odd rows).
constexpr double kUrgencyTau = 0.25;
constexpr double kUrgencyFloor = 0.04;
// Yes/no answers that come from a rule (a phrase, a tag) rather than a score: the share of the
// even rows of the same set whose "refund requested" answer agrees with the label.
constexpr double kRuleConfidence = 0.98;

constexpr double kThemeEvidence = 0.3;
constexpr double kZeroShotTemperature = 0.05;
// Below this best score (cosine + theme evidence) no label is spoken to at all.
constexpr double kMinZeroShotScore = 0.08;

// One analysis of the text, everything the scales read.
struct Measure {
  double score = 0;
  double angry_cut = -0.8;
  text::TicketTriage triage;
};

Measure MeasureText(std::string_view text_in) {
  static const text::SentimentAnalyzer analyzer;
  static const text::ThemeExtractor extractor;
  text::CleanedText clean = text::CleanText(text_in);
  text::TokenizedText t = text::Tokenize(clean.text);
  text::SentimentDetail d = analyzer.Score(t);
  text::ThemeResult themes = extractor.Extract(t, d);
  Measure m;
  m.score = d.result.compound;
  m.angry_cut = text::AngryMoodCut(t, d);
  m.triage = text::TriageTicket(t, d, themes);
  return m;
}

// Answers `choices` whose positions are `position` from a measure `x` on a line cut into the
// bands of consecutive positions lo..lo+cuts.size() at `cuts`. Missing positions merge into
// their neighbours: the cut between present positions a < b is the cut a|a+1 when b = a+1,
// else the middle of the cuts a|a+1 and b-1|b.
Scored FromBands(std::span<const std::string> choices, const std::vector<int>& position, int lo,
                 std::span<const double> cuts, double x, double tau, double floor) {
  std::vector<int> present(position);
  std::sort(present.begin(), present.end());
  present.erase(std::unique(present.begin(), present.end()), present.end());
  const size_t n = present.size();
  std::vector<double> lower(n, -1e300), upper(n, 1e300);
  for (size_t k = 0; k + 1 < n; ++k) {
    const int a = present[k] - lo, b = present[k + 1] - lo;
    const double cut = b == a + 1 ? cuts[a] : (cuts[a] + cuts[b - 1]) / 2;
    upper[k] = cut;
    lower[k + 1] = cut;
  }
  std::vector<double> band_p(n);
  size_t hit = 0;
  double total = 0;
  for (size_t k = 0; k < n; ++k) {
    const double d = x < lower[k] ? lower[k] - x : (x >= upper[k] ? x - upper[k] : 0.0);
    if (d == 0) hit = k;
    band_p[k] = std::exp(-d * d / (2 * tau * tau));
    total += band_p[k];
  }
  Scored out;
  out.probabilities.resize(choices.size());
  std::map<int, int> per_position;
  for (int p : position) ++per_position[p];
  size_t label = choices.size();
  for (size_t i = 0; i < choices.size(); ++i) {
    const size_t k = static_cast<size_t>(std::lower_bound(present.begin(), present.end(), position[i]) - present.begin());
    const double p = (1 - floor) * band_p[k] / total + floor / static_cast<double>(n);
    out.probabilities[i] = p / per_position[position[i]];
    if (k == hit && label == choices.size()) label = i;
  }
  double runner_up = 0;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (position[i] != position[label]) runner_up = std::max(runner_up, out.probabilities[i]);
  }
  out.label = choices[label];
  out.probability = out.probabilities[label];
  out.margin = std::max(0.0, out.probability - runner_up);
  return out;
}

bool RuleAnswer(const Measure& m, YesNoQuestion q) {
  auto tagged = [&](std::string_view tag) {
    return std::find(m.triage.tags.begin(), m.triage.tags.end(), tag) != m.triage.tags.end();
  };
  switch (q) {
    case YesNoQuestion::kFollowUp: return m.triage.follow_up_needed;
    // "the refund showed up" mentions a refund without asking for one.
    case YesNoQuestion::kRefund: return tagged("refund_request") && m.score < 0.05;
    case YesNoQuestion::kCancellation: return tagged("cancellation_risk") || m.triage.root_cause == "cancellation";
    case YesNoQuestion::kEscalation: return tagged("escalation") || tagged("legal_threat");
    case YesNoQuestion::kLegalThreat: return tagged("legal_threat");
    case YesNoQuestion::kBug: return tagged("bug") || m.triage.root_cause == "performance";
    case YesNoQuestion::kFeatureRequest: return tagged("feature_request");
    case YesNoQuestion::kQuestion: return tagged("question");
    default: return false;
  }
}

Scored ChooseYesNo(std::span<const std::string> choices, const LabelScale& scale, const Measure& m) {
  const int yes = scale.position[0] == 1 ? 0 : 1;
  const std::vector<int> yes_high = {scale.position[0], scale.position[1]};  // 1 = yes
  switch (scale.question) {
    case YesNoQuestion::kNegative: {  // yes below the neutral band
      const double cut[1] = {kSentimentCuts[1]};
      return FromBands(choices, {1 - scale.position[0], 1 - scale.position[1]}, 0, cut, m.score, kSentimentTau, kSentimentFloor);
    }
    case YesNoQuestion::kPositive: {
      const double cut[1] = {kSentimentCuts[2]};
      return FromBands(choices, yes_high, 0, cut, m.score, kSentimentTau, kSentimentFloor);
    }
    case YesNoQuestion::kUrgent: {
      const double cut[1] = {1.5};  // high or critical
      return FromBands(choices, yes_high, 0, cut, static_cast<double>(m.triage.urgency), kUrgencyTau, kUrgencyFloor);
    }
    default: break;
  }
  const bool answer = RuleAnswer(m, scale.question);
  Scored out;
  const size_t pick = answer ? static_cast<size_t>(yes) : static_cast<size_t>(1 - yes);
  out.probabilities = {1 - kRuleConfidence, 1 - kRuleConfidence};
  out.probabilities[pick] = kRuleConfidence;
  out.label = choices[pick];
  out.probability = kRuleConfidence;
  out.margin = 2 * kRuleConfidence - 1;
  return out;
}

Scored ChooseOnScale(std::span<const std::string> choices, const LabelScale& scale, const Measure& m) {
  switch (scale.kind) {
    case ScaleKind::kSentiment: return FromBands(choices, scale.position, -2, kSentimentCuts, m.score, kSentimentTau, kSentimentFloor);
    case ScaleKind::kEmotion: {
      // The mood says angry at or below its cut; bands put the cut value in the upper band.
      const double cuts[4] = {std::nextafter(m.angry_cut, 0.0), kMoodCuts[0], kMoodCuts[1], kMoodCuts[2]};
      return FromBands(choices, scale.position, -2, cuts, m.score, kSentimentTau, kSentimentFloor);
    }
    case ScaleKind::kUrgency: {
      const double cuts[3] = {0.5, 1.5, 2.5};
      return FromBands(choices, scale.position, 0, cuts, static_cast<double>(m.triage.urgency), kUrgencyTau, kUrgencyFloor);
    }
    case ScaleKind::kYesNo: return ChooseYesNo(choices, scale, m);
  }
  return {};
}

// --- zero-shot ---------------------------------------------------------------------------------

struct LabelTopic {
  std::string theme_id;     // a taxonomy theme or triage root cause the label names; may be empty
  std::string description;  // words describing it
};

// Taxonomy themes and triage causes by every name a label may use: id, display name, synonym.
const std::map<std::string, LabelTopic, std::less<>>& Topics() {
  static const auto* topics = [] {
    auto* m = new std::map<std::string, LabelTopic, std::less<>>();
    for (const std::string& line : Split(embedded::Find("text/assets/taxonomy.tsv").value_or(""), '\n')) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> c = Split(line, '\t');
      if (c.size() < 3) continue;
      LabelTopic topic{c[0], c[1]};
      std::vector<std::string> names = {c[0], ToLower(c[1])};
      for (std::string syn : Split(c[2], '|')) {
        if (!syn.empty() && syn[0] == '~') syn = syn.substr(1);
        topic.description += " " + syn;
        names.push_back(syn);
      }
      for (const std::string& n : names) m->emplace(NormalizeLabel(n), topic);
    }
    std::map<std::string, std::string> causes;
    for (const std::string& line : Split(embedded::Find("text/assets/triage.tsv").value_or(""), '\n')) {
      std::vector<std::string> c = Split(line, '\t');
      if (c.size() >= 3 && (c[0] == "cause" || c[0] == "resolution") && !m->contains(c[1])) causes[c[1]] += " " + c[2];
    }
    for (const auto& [cause, words] : causes) m->emplace(cause, LabelTopic{cause, cause + words});
    return m;
  }();
  return *topics;
}

// Content words of `s` (not stop words, 3+ letters), a plural 's' dropped.
std::unordered_set<std::string> ContentWords(std::string_view s) {
  text::CleanedText clean = text::CleanText(s);
  text::TokenizedText t = text::Tokenize(clean.text);
  std::unordered_set<std::string> out;
  for (const text::Token& tok : t.tokens) {
    if (tok.kind != text::TokenKind::kWord || tok.norm.size() < 3 || text::IsStopWord(tok.norm)) continue;
    std::string w = tok.norm;
    if (w.size() > 3 && w.back() == 's') w.pop_back();
    out.insert(std::move(w));
  }
  return out;
}

bool IsFallbackLabel(const std::string& label) {
  static const char* kFallbacks[] = {"other", "others", "unknown", "none", "unsure", "general", "n/a", "na",
                                     "misc", "miscellaneous", "not sure", "none of the above", "uncertain"};
  const std::string n = NormalizeLabel(label);
  return std::any_of(std::begin(kFallbacks), std::end(kFallbacks), [&](const char* f) { return n == f; });
}

Scored ChooseZeroShot(std::string_view text, std::span<const std::string> choices) {
  static const text::ThemeExtractor extractor;
  const std::vector<float> t = LexicalEmbed(text);
  const text::ThemeResult themes = extractor.Extract(text);
  const std::unordered_set<std::string> words = ContentWords(text);
  std::vector<double> score(choices.size(), 0.0);
  double best = -1e300;
  bool spoken = false;  // some label shares a word with the text, or its theme is found
  for (size_t i = 0; i < choices.size(); ++i) {
    const std::string n = NormalizeLabel(choices[i]);
    std::string description = n;
    auto it = Topics().find(n);
    // "Account access": the first of its words that names a theme or cause.
    for (const std::string& word : Split(n, ' ')) {
      if (it != Topics().end()) break;
      it = Topics().find(word);
    }
    if (it != Topics().end()) {
      description += " " + it->second.description;
      for (const auto& th : themes.themes) {
        if (th.id != it->second.theme_id) continue;
        score[i] += kThemeEvidence;
        spoken = true;
      }
    }
    if (!IsFallbackLabel(choices[i])) {
      for (const std::string& w : ContentWords(description)) spoken = spoken || words.contains(w);
    }
    score[i] += IsFallbackLabel(choices[i]) ? 0.0 : Cosine(t, LexicalEmbed(description));
    best = std::max(best, score[i]);
  }
  Scored out;
  out.probabilities.resize(choices.size());
  if (!spoken || best < kMinZeroShotScore) {
    // Nothing in the text speaks to any label: every choice equally likely, margin 0.
    size_t pick = 0;
    for (size_t i = 0; i < choices.size(); ++i) {
      out.probabilities[i] = 1.0 / static_cast<double>(choices.size());
      if (IsFallbackLabel(choices[i]) && !IsFallbackLabel(choices[pick])) pick = i;
    }
    out.label = choices[pick];
    out.probability = out.probabilities[pick];
    out.margin = 0;
    return out;
  }
  double total = 0;
  for (size_t i = 0; i < choices.size(); ++i) total += (out.probabilities[i] = std::exp((score[i] - best) / kZeroShotTemperature));
  size_t arg = 0, runner = choices.size();
  for (size_t i = 0; i < choices.size(); ++i) {
    out.probabilities[i] /= total;
    if (out.probabilities[i] > out.probabilities[arg]) arg = i;
  }
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i != arg && (runner == choices.size() || out.probabilities[i] > out.probabilities[runner])) runner = i;
  }
  out.margin = runner == choices.size() ? out.probabilities[arg] : out.probabilities[arg] - out.probabilities[runner];
  if (out.margin < kUnsureMargin) {
    for (size_t i = 0; i < choices.size(); ++i) {
      if (!IsFallbackLabel(choices[i])) continue;
      // Unsure: the offered fallback takes the answer, with the best guess's share.
      std::swap(out.probabilities[i], out.probabilities[arg]);
      arg = i;
      break;
    }
  }
  out.label = choices[arg];
  out.probability = out.probabilities[arg];
  return out;
}

}  // namespace

Scored BuiltinChoose(std::string_view prompt, std::span<const std::string> choices) {
  PromptParts parts = SplitTaskWords(prompt);
  return BuiltinChooseFor(parts.instruction, parts.text, choices);
}

namespace {

// A rating stated in the instruction, on [-1, 1].
std::optional<double> StatedRating(std::string_view instruction) {
  // "rating 3/5", "3 out of 5", "4 stars", "rated 2": the digit, with its scale when given.
  static const std::regex kRating(R"((\d+(?:\.\d+)?)\s*(?:/|out of)\s*(\d+)|(\d(?:\.\d+)?)\s*stars?\b|\brat(?:ing|ed)\s*:?\s*(\d(?:\.\d+)?)\b)",
                                  std::regex::icase);
  // "from 1 to 5 stars", "on a 1-5 scale" describe the scale asked for, not a rating given.
  static const std::regex kRange(R"(\d\s*(?:to|-|\xE2\x80\x93)\s*\d)", std::regex::icase);
  std::cmatch m;
  const char* b = instruction.data();
  const char* e = b + instruction.size();
  if (std::regex_search(b, e, m, kRange) || !std::regex_search(b, e, m, kRating)) return std::nullopt;
  double value = 0, scale = 5;
  if (m[1].matched) {
    value = std::stod(m[1].str());
    scale = std::stod(m[2].str());
  } else {
    value = std::stod(m[m[3].matched ? 3 : 4].str());
  }
  if (scale < 2 || value < 1 || value > scale) return std::nullopt;
  return 2 * (value - 1) / (scale - 1) - 1;  // 1 -> -1, the middle -> 0, the top -> 1
}

}  // namespace

Scored BuiltinChooseFor(std::string_view instruction, std::string_view text, std::span<const std::string> choices) {
  if (std::optional<LabelScale> scale = RecognizeScale(choices, instruction)) {
    Measure m = MeasureText(text);
    // The customer's own rating, stated with the task ("Classify sentiment of this review
    // (rating 3/5):"), counts as much as the text's wording.
    if (scale->kind == ScaleKind::kSentiment) {
      if (std::optional<double> rating = StatedRating(instruction)) m.score = (m.score + *rating) / 2;
    }
    return ChooseOnScale(choices, *scale, m);
  }
  return ChooseZeroShot(text, choices);
}

}  // namespace custintel::ai
