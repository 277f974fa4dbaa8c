// Themes (aspects): taxonomy matching with per-mention polarity, RAKE-style key phrases, and
// discovery of frequent phrases the taxonomy does not know yet.
//
// A mention's polarity comes from its own clause (clauses split at punctuation, contrast
// markers and "and"), so "fast shipping but the case cracked" gives shipping +, quality -.
// A taxonomy is TSV (see text/assets/taxonomy.tsv): id, display name, '|'-separated synonyms;
// a '~' marks a weak synonym ("fast" for performance), used only when no plain synonym of
// another theme sits in the same clause.
//
//   ThemeExtractor themes;                                   // default taxonomy + lexicon
//   ThemeResult r = themes.Extract("Fast shipping but the case cracked");
//   // r.themes: shipping (positive), quality (negative)
//
// Thread safety: Taxonomy and ThemeExtractor are immutable; share them across threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "text/lexicon.h"
#include "text/sentiment.h"
#include "text/tokenizer.h"

namespace custintel::text {

struct Theme {
  std::string id;    // stable key, e.g. "shipping"
  std::string name;  // display name, e.g. "Shipping & delivery"
};

class Taxonomy {
 public:
  static Result<Taxonomy> Parse(std::string_view tsv);
  // The embedded default (text/assets/taxonomy.tsv).
  static const Taxonomy& Default();

  const std::vector<Theme>& themes() const { return themes_; }
  // Longest synonym starting at tokens[i] (plural 's' tolerated); returns its token count,
  // or 0. *theme is an index into themes().
  std::size_t Match(const std::vector<Token>& tokens, std::size_t i, std::size_t end, int* theme,
                    bool* weak) const;

 private:
  struct Synonym {
    std::vector<std::string> rest;  // tokens after the first
    int theme = 0;
    bool weak = false;
  };
  const std::vector<Synonym>* Candidates(std::string_view norm) const;

  std::vector<Theme> themes_;
  StringMap<std::vector<Synonym>> index_;  // by first token, longest first
};

struct ThemeMention {
  std::string theme_id;
  std::string phrase;        // the text that matched, as written
  std::uint32_t sentence = 0;
  double score = 0;          // clause sentiment in [-1, 1]
  int polarity = 0;          // -1, 0, +1
};

struct ThemeSummary {
  std::string id;
  std::string name;
  int mentions = 0;
  double score = 0;          // mean mention score
  std::string polarity;      // positive | negative | neutral | mixed
};

struct ThemeResult {
  std::vector<ThemeSummary> themes;  // in order of first mention
  std::vector<ThemeMention> mentions;
  std::vector<std::string> keyphrases;  // RAKE-scored phrases, best first

  // {"themes": [{"id","name","mentions","score","polarity"}], "mentions": [...], "keyphrases": [...]}
  nlohmann::json ToJson() const;
};

struct KeyPhrase {
  std::string phrase;  // case-folded words joined by one space
  double score = 0;    // RAKE: sum over words of degree / frequency
};

class ThemeExtractor {
 public:
  explicit ThemeExtractor(const Taxonomy& taxonomy = Taxonomy::Default(),
                          const Lexicon& lexicon = Lexicon::Default())
      : taxonomy_(&taxonomy), lexicon_(&lexicon) {}

  ThemeResult Extract(std::string_view text) const;
  ThemeResult Extract(const TokenizedText& t, const SentimentDetail& sentiment,
                      std::size_t max_keyphrases = 5) const;
  // Every stop-word-delimited candidate phrase of `t`, RAKE-scored, best first.
  std::vector<KeyPhrase> KeyPhrases(const TokenizedText& t) const;
  const Taxonomy& taxonomy() const { return *taxonomy_; }

 private:
  std::vector<std::uint32_t> ThemeClauses(const TokenizedText& t) const;
  bool IsPhraseBreak(const Token& tok) const;

  const Taxonomy* taxonomy_;
  const Lexicon* lexicon_;
};

struct CandidateTheme {
  std::string phrase;
  int documents = 0;  // texts the phrase occurs in
};

struct CandidateThemeOptions {
  int min_documents = 3;       // a phrase must recur to be worth a theme
  std::size_t max_results = 20;
};

// Phrases that recur across `texts` but match no taxonomy synonym, most frequent first:
// suggestions for new themes.
std::vector<CandidateTheme> DiscoverCandidateThemes(std::span<const std::string> texts,
                                                    const ThemeExtractor& extractor,
                                                    const CandidateThemeOptions& options = {});

// True for words of the embedded stop-word list (text/assets/stopwords.txt).
bool IsStopWord(std::string_view norm);

}  // namespace custintel::text
