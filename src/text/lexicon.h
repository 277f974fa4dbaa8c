// The sentiment lexicon: word and phrase valences (-4..+4) with optional negated valences,
// plus the modifier words the rules need (boosters/dampeners, negators, contrast markers,
// resolvers such as "fixed").
// Loaded from embedded assets (text/assets/lexicon.tsv, text/assets/modifiers.tsv) or from
// caller-supplied TSV text, so a tenant can extend it.
//
//   const Lexicon& lex = Lexicon::Default();
//   const LexiconEntry* e = lex.Find("great");   // e->valence == 2.6
//
// Thread safety: immutable after construction; Default() is built once, thread-safely.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "text/tokenizer.h"

namespace custintel::text {

struct LexiconEntry {
  float valence = 0;
  float negated = 0;         // valence when negated; used when has_negated
  bool has_negated = false;
};

// A multi-token entry ("waste of money", "kind of"): the tokens after the first.
struct LexiconPhrase {
  std::vector<std::string> rest;
  float value = 0;
  float negated = 0;
  bool has_negated = false;
};

enum class ContrastKind : std::uint8_t { kNone, kAfter, kBefore };

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

class Lexicon {
 public:
  // Parses lexicon TSV (term, valence[, negated]) and modifiers TSV (kind, term, value).
  static Result<Lexicon> Parse(std::string_view lexicon_tsv, std::string_view modifiers_tsv);
  // The embedded default; aborts only if the compiled-in assets are broken (a build bug).
  static const Lexicon& Default();

  const LexiconEntry* Find(std::string_view term) const;
  std::size_t size() const { return words_.size() + phrase_count_; }

  // Longest phrase starting at tokens[i]; returns its length (0 if none) and fills *entry.
  std::size_t MatchPhrase(const std::vector<Token>& tokens, std::size_t i, std::size_t end,
                          LexiconEntry* entry) const;
  // Booster/dampener ending at tokens[i] (e.g. "very", "kind of"); 0 when none.
  float BoosterEndingAt(const std::vector<Token>& tokens, std::size_t i, std::size_t begin) const;
  bool IsNegator(std::string_view norm) const;
  // "fixed", "solved": a negative word right after one names the problem that went away.
  bool IsResolver(std::string_view norm) const { return resolvers_.find(norm) != resolvers_.end(); }
  bool IsModifier(std::string_view norm) const;
  // Contrast marker starting at tokens[i]; *length receives its token count.
  ContrastKind ContrastAt(const std::vector<Token>& tokens, std::size_t i, std::size_t end,
                          std::size_t* length) const;

 private:
  static std::size_t MatchRest(const std::vector<Token>& tokens, std::size_t i, std::size_t end,
                               const std::vector<std::string>& rest);
  Status AddLexiconLine(std::string_view line, std::size_t line_no);
  Status AddModifierLine(std::string_view line, std::size_t line_no);

  StringMap<LexiconEntry> words_;
  StringMap<std::vector<LexiconPhrase>> phrases_;  // by first token, longest first
  StringMap<float> boosters_;
  StringMap<std::vector<LexiconPhrase>> booster_phrases_;  // by LAST token; rest = earlier tokens
  StringMap<bool> negators_;
  StringMap<bool> resolvers_;
  StringMap<std::vector<LexiconPhrase>> contrast_;  // by first token; value 1 = after, 2 = before
  std::size_t phrase_count_ = 0;
};

}  // namespace custintel::text
