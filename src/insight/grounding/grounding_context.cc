// The wrong-place check of numbers (see grounding_context.h).
#include "insight/grounding/grounding_context.h"

#include <fmt/format.h>

#include <algorithm>

#include "insight/grounding/grounding_words.h"
#include "text/themes.h"

namespace custintel::insight {
namespace {

bool IsContent(const std::string& bare) {
  if (bare.size() < 2 || (bare[0] >= '0' && bare[0] <= '9')) return false;
  return !text::IsStopWord(bare) && !IsFramingWord(bare);
}

std::unordered_set<std::string> ContentStems(std::string_view s) {
  std::unordered_set<std::string> out;
  std::shared_ptr<const TextWords> words = WordsOf(s);
  for (size_t i = 0; i < words->keys.size(); ++i) {
    if (IsContent(words->keys[i])) out.insert(words->stems[i]);
  }
  return out;
}

// A fact with the unit of one of the matches: a candidate for what the sentence meant.
bool SameUnit(const Fact& other, const std::vector<const Fact*>& matches) {
  return std::any_of(matches.begin(), matches.end(), [&](const Fact* f) { return f->unit == other.unit; });
}

}  // namespace

std::unordered_set<std::string> ClauseStems(const text::TokenizedText& tt, const text::Sentence& s, size_t pos,
                                            const SpanList& names) {
  uint32_t clause = 0;
  for (uint32_t i = s.first_token; i < s.end_token && tt.tokens[i].begin <= pos; ++i) clause = tt.tokens[i].clause;
  auto in_name = [&](const text::Token& t) {
    return std::any_of(names.begin(), names.end(), [&](const auto& n) { return t.begin >= n.first && t.end <= n.second; });
  };
  std::unordered_set<std::string> out;
  for (uint32_t i = s.first_token; i < s.end_token; ++i) {
    const text::Token& t = tt.tokens[i];
    std::string bare = BareNorm(t);
    if (t.clause == clause && t.kind == text::TokenKind::kWord && IsContent(bare) && !in_name(t)) out.insert(Stem(bare));
  }
  return out;
}

FactContext::FactContext(const FactSheet& sheet) : sheet_(sheet) {
  for (const Fact& f : sheet.facts) {
    std::string name = f.name;
    std::replace(name.begin(), name.end(), '_', ' ');
    std::unordered_set<std::string> stems = ContentStems(f.label);
    for (const auto& s : ContentStems(name)) stems.insert(s);
    stems_.push_back(std::move(stems));
  }
}

bool FactContext::Talks(const Fact& f, const std::unordered_set<std::string>& sentence) const {
  const auto& stems = stems_[Index(f)];
  return std::any_of(stems.begin(), stems.end(), [&](const std::string& s) { return sentence.count(s) > 0; });
}

std::string FactContext::WrongPlace(const NumberMention& m, const std::vector<const Fact*>& matches,
                                    const std::unordered_set<std::string>& sentence) const {
  if (matches.empty()) return "";
  for (const Fact* f : matches) {
    // A fact whose label has no word of its own ("customers in the segment") cannot be judged.
    if (Talks(*f, sentence) || stems_[Index(*f)].empty()) return "";
  }
  for (const Fact& other : sheet_.facts) {
    if (!SameUnit(other, matches) || !Talks(other, sentence)) continue;
    if (std::find(matches.begin(), matches.end(), &other) != matches.end()) continue;
    return fmt::format("'{}' equals {} ({}), but the sentence is about {} ({}) = {}: state that fact's value",
                       m.surface, matches[0]->name, matches[0]->label, other.name, other.label, FormatFact(other));
  }
  return "";
}

}  // namespace custintel::insight
