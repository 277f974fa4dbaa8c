// Lexicon-and-rules sentiment (VADER-style, with our own lexicon): negation, boosters and
// dampeners, contrast ("but" shifts weight to what follows, "although" away from its clause),
// emphasis (CAPS words, "!!", elongation "loooove"), emoticons, emoji, idioms, slang, glued
// hashtags ("#neveragain"), and irony markers (a lone "Oh great," or "Brilliant." before a
// negative clause with a cue such as "another", "again", "as usual" reads as its opposite).
// Deterministic and explainable.
//
//   SentimentAnalyzer analyzer;                       // embedded default lexicon
//   SentimentResult r = analyzer.Analyze("Fast shipping but the case cracked");
//   // r.compound < 0, r.label == SentimentLabel::kNegative, r.sentences.size() == 1
//
// Thread safety: an analyzer is immutable; share one across threads.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "text/lexicon.h"
#include "text/tokenizer.h"

namespace custintel::text {

enum class SentimentLabel : std::uint8_t { kVeryNegative, kNegative, kNeutral, kPositive, kVeryPositive };

std::string_view ToString(SentimentLabel label);
// Thresholds on the compound score: |c| < 0.05 neutral, |c| >= 0.6 "very".
SentimentLabel LabelForCompound(double compound);
// Three-way polarity of a label: -1, 0, +1.
int Polarity(SentimentLabel label);
// Maps an unbounded valence sum into (-1, 1): raw / sqrt(raw^2 + 15).
double NormalizeValence(double raw);

struct SentenceSentiment {
  std::uint32_t begin = 0;  // byte range of the sentence in the analysed (cleaned) text
  std::uint32_t end = 0;
  double compound = 0;
};

struct SentimentResult {
  double compound = 0;  // in [-1, 1]
  SentimentLabel label = SentimentLabel::kNeutral;
  double positive = 0;  // shares of positive / negative / neutral tokens (sum to 1, or all 0)
  double negative = 0;
  double neutral = 0;
  std::vector<SentenceSentiment> sentences;

  // {"score", "label", "positive", "negative", "neutral", "sentences": [{"begin","end","score"}]}
  nlohmann::json ToJson() const;
};

// Per-token detail that themes and summaries reuse, so the text is scored once.
struct SentimentDetail {
  SentimentResult result;
  std::vector<float> token_valence;  // valence after negation/boosters/caps, before contrast weight
  std::vector<double> sentence_raw;  // weighted valence sum per sentence, with emphasis
};

class SentimentAnalyzer {
 public:
  explicit SentimentAnalyzer(const Lexicon& lexicon = Lexicon::Default()) : lexicon_(&lexicon) {}

  // Cleans (UTF-8 repair, HTML) and tokenises `text`, then scores it.
  SentimentResult Analyze(std::string_view text) const;
  SentimentDetail Score(const TokenizedText& tokens) const;
  const Lexicon& lexicon() const { return *lexicon_; }

 private:
  double ScoreSentence(const TokenizedText& t, const Sentence& s, std::vector<float>* valence) const;
  void ContrastWeights(const TokenizedText& t, const Sentence& s, std::vector<float>* weight) const;
  float ApplyModifiers(const TokenizedText& t, const Sentence& s, std::size_t i, std::size_t len,
                       const LexiconEntry& e) const;
  // A word the lexicon lacks as written: elongated ("loooove") or a glued hashtag
  // ("#neveragain"). Fills *e and returns true when a variant is found.
  bool FindVariant(const TokenizedText& t, std::size_t i, LexiconEntry* e) const;
  void ApplyIrony(const TokenizedText& t, SentimentDetail* d) const;

  const Lexicon* lexicon_;
};

}  // namespace custintel::text
