// Words of a question: tokenizing, spelling distance and the closed word classes the builtin
// parser knows besides the semantic model (fillers, time words, superlatives, comparators).
//
// Thread safety: pure functions over constant tables.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace custintel::ask {

struct Token {
  std::string text;      // lower case, after spelling correction
  std::string original;  // as typed (case kept: customer ids)
};

// Lower-cases, drops punctuation except inside words (us-east, can't, 2025-10-01, 0.9, &),
// removes thousands separators (1,000) and possessive 's.
std::vector<Token> Tokenize(std::string_view question);
// Tokens of a model phrase (synonym or value), through the same rules.
std::vector<std::string> PhraseTokens(std::string_view phrase);

// Damerau-Levenshtein (optimal string alignment) distance, stopping early above `max`.
int EditDistance(std::string_view a, std::string_view b, int max);

bool IsNumber(std::string_view token);
// Words that carry no meaning of their own in a question ("what", "show", "the", "average").
bool IsFiller(std::string_view token);
// Filler words that may be targets of spelling correction ("avrage" → "average").
const std::vector<std::string>& CorrectableFillers();
// Words of time phrases (units, month names, "last", "since"...), also correction targets.
const std::vector<std::string>& TimeWords();
// 1..12 for a month name or abbreviation, else 0.
int MonthNumber(std::string_view token);
// day week month quarter year for "days", "month", "monthly"...; "" otherwise.
std::string TimeUnit(std::string_view token);

// Direction words: "desc" (highest, most, top), "asc" (lowest, least), "best", "worst", or "".
std::string Superlative(std::string_view token);
// Words that turn a question into a count ("how many", "number", "count").
bool IsCountWord(std::string_view token);
// Words that ask for a list of entities ("which", "who", "list").
bool IsListWord(std::string_view token);
// Words after which a model phrase is a grouping ("by region", "per plan", "across regions").
bool IsGroupingWord(std::string_view token);
// Words that mark a question this model can never answer honestly ("why", "predict").
bool IsRefusalWord(std::string_view token);

}  // namespace custintel::ask
