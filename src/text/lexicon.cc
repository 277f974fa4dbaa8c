#include "text/lexicon.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "core/embedded.h"
#include "core/strings.h"

namespace custintel::text {
namespace {

std::vector<std::string> TermTokens(std::string_view term) {
  TokenizedText t = Tokenize(term);
  std::vector<std::string> out;
  out.reserve(t.tokens.size());
  for (Token& tok : t.tokens) out.push_back(std::move(tok.norm));
  return out;
}

bool ParseFloat(std::string_view s, float* out) {
  s = Trim(s);
  std::string copy(s);  // from_chars for float is not in every libstdc++ we build with
  char* end = nullptr;
  *out = std::strtof(copy.c_str(), &end);
  return !copy.empty() && end == copy.c_str() + copy.size();
}

Status LineError(const char* file, std::size_t line_no, const std::string& what) {
  return Status::InvalidArgument(std::string(file) + " line " + std::to_string(line_no) + ": " + what);
}

void SortLongestFirst(StringMap<std::vector<LexiconPhrase>>* map) {
  for (auto& [key, list] : *map) {
    std::stable_sort(list.begin(), list.end(), [](const LexiconPhrase& a, const LexiconPhrase& b) {
      return a.rest.size() > b.rest.size();
    });
  }
}

}  // namespace

Status Lexicon::AddLexiconLine(std::string_view line, std::size_t line_no) {
  std::vector<std::string> cols = Split(line, '\t');
  if (cols.size() < 2) return LineError("lexicon", line_no, "expected 'term<TAB>valence[<TAB>negated]'");
  LexiconEntry e;
  if (!ParseFloat(cols[1], &e.valence) || e.valence < -4 || e.valence > 4) {
    return LineError("lexicon", line_no, "valence '" + cols[1] + "' is not a number in -4..4");
  }
  if (cols.size() >= 3 && !Trim(cols[2]).empty()) {
    if (!ParseFloat(cols[2], &e.negated)) return LineError("lexicon", line_no, "bad negated valence");
    e.has_negated = true;
  }
  std::vector<std::string> toks = TermTokens(cols[0]);
  if (toks.empty()) return LineError("lexicon", line_no, "empty term");
  if (toks.size() == 1) {
    words_.emplace(toks[0], e);
    return Status::Ok();
  }
  LexiconPhrase p{std::vector<std::string>(toks.begin() + 1, toks.end()), e.valence, e.negated, e.has_negated};
  phrases_[toks[0]].push_back(std::move(p));
  ++phrase_count_;
  return Status::Ok();
}

Status Lexicon::AddModifierLine(std::string_view line, std::size_t line_no) {
  std::vector<std::string> cols = Split(line, '\t');
  if (cols.size() < 3) return LineError("modifiers", line_no, "expected 'kind<TAB>term<TAB>value'");
  float value = 0;
  if (!ParseFloat(cols[2], &value)) return LineError("modifiers", line_no, "bad value");
  std::vector<std::string> toks = TermTokens(cols[1]);
  if (toks.empty()) return LineError("modifiers", line_no, "empty term");
  const std::string& kind = cols[0];
  if (kind == "booster") {
    if (toks.size() == 1) {
      boosters_[toks[0]] = value;
    } else {
      std::string last = toks.back();
      toks.pop_back();
      std::reverse(toks.begin(), toks.end());  // matched walking backwards
      booster_phrases_[last].push_back({toks, value, 0, false});
    }
  } else if (kind == "negator") {
    negators_[toks[0]] = true;
  } else if (kind == "resolver") {
    resolvers_[toks[0]] = true;
  } else if (kind == "contrast_after" || kind == "contrast_before") {
    float k = kind == "contrast_after" ? 1.0f : 2.0f;
    contrast_[toks[0]].push_back({std::vector<std::string>(toks.begin() + 1, toks.end()), k, 0, false});
  } else {
    return LineError("modifiers", line_no, "unknown kind '" + kind + "'");
  }
  return Status::Ok();
}

Result<Lexicon> Lexicon::Parse(std::string_view lexicon_tsv, std::string_view modifiers_tsv) {
  Lexicon lex;
  std::size_t n = 0;
  for (const std::string& line : Split(lexicon_tsv, '\n')) {
    ++n;
    if (Trim(line).empty() || line[0] == '#') continue;
    CI_RETURN_IF_ERROR(lex.AddLexiconLine(line, n));
  }
  n = 0;
  for (const std::string& line : Split(modifiers_tsv, '\n')) {
    ++n;
    if (Trim(line).empty() || line[0] == '#') continue;
    CI_RETURN_IF_ERROR(lex.AddModifierLine(line, n));
  }
  SortLongestFirst(&lex.phrases_);
  SortLongestFirst(&lex.booster_phrases_);
  SortLongestFirst(&lex.contrast_);
  return lex;
}

const Lexicon& Lexicon::Default() {
  static const Lexicon* lexicon = [] {
    auto words = embedded::Find("text/assets/lexicon.tsv");
    auto mods = embedded::Find("text/assets/modifiers.tsv");
    Result<Lexicon> r = Parse(words.value_or(""), mods.value_or(""));
    if (!r.ok() || !words || !mods) {
      std::fprintf(stderr, "custintel: embedded sentiment lexicon is broken: %s\n", r.status().message().c_str());
      std::abort();
    }
    return new Lexicon(std::move(r).value());
  }();
  return *lexicon;
}

const LexiconEntry* Lexicon::Find(std::string_view term) const {
  auto it = words_.find(term);
  return it == words_.end() ? nullptr : &it->second;
}

std::size_t Lexicon::MatchRest(const std::vector<Token>& tokens, std::size_t i, std::size_t end,
                               const std::vector<std::string>& rest) {
  if (i + 1 + rest.size() > end) return 0;
  for (std::size_t k = 0; k < rest.size(); ++k) {
    if (tokens[i + 1 + k].norm != rest[k]) return 0;
  }
  return rest.size() + 1;
}

std::size_t Lexicon::MatchPhrase(const std::vector<Token>& tokens, std::size_t i, std::size_t end,
                                 LexiconEntry* entry) const {
  auto it = phrases_.find(tokens[i].norm);
  if (it == phrases_.end()) return 0;
  for (const LexiconPhrase& p : it->second) {
    std::size_t len = MatchRest(tokens, i, end, p.rest);
    if (len == 0) continue;
    *entry = {p.value, p.negated, p.has_negated};
    return len;
  }
  return 0;
}

float Lexicon::BoosterEndingAt(const std::vector<Token>& tokens, std::size_t i, std::size_t begin) const {
  const std::string& norm = tokens[i].norm;
  auto ph = booster_phrases_.find(norm);
  if (ph != booster_phrases_.end()) {
    for (const LexiconPhrase& p : ph->second) {
      if (i < begin + p.rest.size()) continue;
      bool ok = true;
      for (std::size_t k = 0; k < p.rest.size() && ok; ++k) ok = tokens[i - 1 - k].norm == p.rest[k];
      if (ok) return p.value;
    }
  }
  auto it = boosters_.find(norm);
  return it == boosters_.end() ? 0.0f : it->second;
}

bool Lexicon::IsNegator(std::string_view norm) const {
  if (norm.size() > 3 && norm.substr(norm.size() - 3) == "n't") return true;
  return negators_.find(norm) != negators_.end();
}

bool Lexicon::IsModifier(std::string_view norm) const {
  return boosters_.find(norm) != boosters_.end() || IsNegator(norm);
}

ContrastKind Lexicon::ContrastAt(const std::vector<Token>& tokens, std::size_t i, std::size_t end,
                                 std::size_t* length) const {
  auto it = contrast_.find(tokens[i].norm);
  if (it == contrast_.end()) return ContrastKind::kNone;
  for (const LexiconPhrase& p : it->second) {
    std::size_t len = MatchRest(tokens, i, end, p.rest);
    if (len == 0) continue;
    *length = len;
    return p.value == 1.0f ? ContrastKind::kAfter : ContrastKind::kBefore;
  }
  return ContrastKind::kNone;
}

}  // namespace custintel::text
