#include "insight/grounding/grounding_claims.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/embedded.h"
#include "core/strings.h"
#include "text/themes.h"

namespace custintel::insight {
namespace {

// Stem -> kind, from insight/assets/claim_words.tsv.
const std::unordered_map<std::string, std::string>& ClaimStems() {
  static const auto* stems = [] {
    auto* m = new std::unordered_map<std::string, std::string>();
    for (const std::string& line : Split(embedded::Find("insight/assets/claim_words.tsv").value_or(""), '\n')) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> c = Split(line, '\t');
      if (c.size() == 2) m->emplace(Stem(c[1]), c[0]);
    }
    return m;
  }();
  return *stems;
}

// Words after which a clause names a cause; "due"/"thanks"/"driven" need their particle.
bool IsCauseMarker(const text::TokenizedText& tt, uint32_t i, uint32_t end) {
  const std::string& w = tt.tokens[i].norm;
  auto next_is = [&](std::initializer_list<std::string_view> words) {
    for (uint32_t k = i + 1; k < end && k <= i + 2; ++k) {
      for (std::string_view x : words) {
        if (tt.tokens[k].norm == x) return true;
      }
    }
    return false;
  };
  if (w == "because" || w == "owing") return true;
  if (w == "due" || w == "thanks") return next_is({"to"});
  if (w == "driven" || w == "caused" || w == "explained" || w == "fuelled" || w == "fueled") return next_is({"by"});
  if (w == "reason" || w == "reasons") return true;
  return false;
}

// "N021", "C00042": an id or code, not a place or a brand (numbers' rule leaves them too).
bool HasDigit(const std::string& w) {
  return std::any_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool InSpans(const SpanList& spans, uint32_t begin) {
  return std::any_of(spans.begin(), spans.end(), [&](const auto& s) { return begin >= s.first && begin < s.second; });
}

bool IsContent(const std::string& bare) {
  if (bare.size() < 3 || (bare[0] >= '0' && bare[0] <= '9')) return false;
  return !text::IsStopWord(bare) && !IsFramingWord(bare) && !IsOrdinaryModifier(bare);
}

// A capitalised word that opens the sentence, a list label ("Size:"), a line, a bracket or a
// quote says nothing by being capitalised.
bool OpensSomething(const text::TokenizedText& tt, const text::Sentence& s, uint32_t i) {
  if (i == s.first_token) return true;
  const text::Token& prev = tt.tokens[i - 1];
  if (prev.kind == text::TokenKind::kPunct) return true;
  for (uint32_t k = prev.end; k < tt.tokens[i].begin; ++k) {
    if (tt.text[k] == '\n') return true;
  }
  for (uint32_t k = s.first_token; k < i; ++k) {
    if (tt.tokens[k].kind == text::TokenKind::kWord) return false;
  }
  return true;  // only punctuation or markup before it: "**Who", "- Size"
}

}  // namespace

std::vector<ClaimWord> UnsupportedClaimWords(const text::TokenizedText& tt, const text::Sentence& s,
                                             const StemSet& vocab, const SpanList& known_names) {
  std::vector<ClaimWord> out;
  std::unordered_set<std::string> seen;
  auto add = [&](uint32_t i, const std::string& stem, std::string kind) {
    if (!seen.insert(stem).second) return;
    out.push_back({std::string(tt.Surface(tt.tokens[i])), std::move(kind)});
  };
  uint32_t cause_clause = UINT32_MAX;  // the clause a cause marker opened
  for (uint32_t i = s.first_token; i < s.end_token; ++i) {
    const text::Token& t = tt.tokens[i];
    if (t.kind != text::TokenKind::kWord || InSpans(known_names, t.begin)) continue;
    const std::string bare = BareNorm(t);
    const std::string stem = Stem(bare);
    if (IsCauseMarker(tt, i, s.end_token)) {
      cause_clause = t.clause;
      continue;
    }
    if (vocab.Has(stem)) continue;
    if (auto it = ClaimStems().find(stem); it != ClaimStems().end()) {
      add(i, stem, it->second);
    } else if (t.clause == cause_clause && IsContent(bare)) {
      add(i, stem, "cause");
    } else if (IsCapitalised(tt, t) && !t.all_caps && !IsOrdinaryCapitalised(bare) && !OpensSomething(tt, s, i) &&
               bare.size() >= 3 && !HasDigit(bare)) {
      add(i, stem, "name");
    }
  }
  return out;
}

}  // namespace custintel::insight
