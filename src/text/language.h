// Which language a text is written in, without a model: the share of its words that are
// function words (articles, pronouns, prepositions, auxiliaries) of each supported language,
// plus the English sentiment lexicon as evidence for English. Deterministic.
//
//   DetectLanguage("Die Lieferung kam zu spät und der Karton war kaputt").code;  // "de"
//
// Supported: en, de, fr, es, it, nl, pt, sv, da, pl. A text with fewer than two words of any
// of them (or a tie) is undetermined: code empty, and callers say they cannot tell.
//
// Thread safety: pure function over immutable tables.
#pragma once

#include <string>
#include <string_view>

namespace custintel::text {

struct DetectedLanguage {
  std::string code;    // ISO 639-1 ("en"), empty when undetermined
  std::string name;    // English name ("English"), empty when undetermined
  double share = 0;    // share of the text's words that voted for it
};

DetectedLanguage DetectLanguage(std::string_view text);

}  // namespace custintel::text
