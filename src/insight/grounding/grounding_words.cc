// Word lists and the light stemmer of the grounding evaluator (see grounding_words.h).
#include "insight/grounding/grounding_words.h"

#include <algorithm>
#include <array>
#include <functional>
#include <unordered_map>
#include <unordered_set>

#include "text/themes.h"

namespace custintel::insight {
namespace {

// Byte by byte: the suffixes are one to four letters, and a call to memcmp for each was a
// visible share of grounding a million customers' texts.
bool EndsWith(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  const char* tail = s.data() + s.size() - suffix.size();
  for (size_t i = 0; i < suffix.size(); ++i) {
    if (tail[i] != suffix[i]) return false;
  }
  return true;
}

// A word list as a hash set, built on first use (a linear scan per token was ~100 compares).
class WordSet {
 public:
  template <size_t N>
  explicit WordSet(const std::string_view (&list)[N]) : words_(list, list + N) {}
  bool Has(std::string_view w) const { return words_.count(w) > 0; }

 private:
  std::unordered_set<std::string_view> words_;
};

constexpr std::string_view kOrdinaryCapitalised[] = {
    "i", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "ltv",
    "clv", "rfm", "nps", "vip", "vips", "aov", "roi", "sms", "crm", "kpi", "usd", "eur", "gbp", "faq", "q1", "q2",
    "q3", "q4", "ai", "id", "ok", "csat", "diy"};

constexpr std::string_view kOrdinaryModifiers[] = {
    "top", "best", "largest", "biggest", "smallest", "main", "key", "leading", "dominant", "recurring", "common",
    "frequent", "negative", "positive", "other", "same", "new", "whole", "entire", "single", "related", "popular",
    "favourite", "favorite", "preferred", "best-selling", "bestselling", "selling", "fastest", "strongest",
    "weakest", "only", "mentioned", "second", "third", "first", "last", "next", "previous", "current", "overall",
    "average", "high", "higher", "low", "lower", "customers", "customer", "shoppers", "buyers", "members", "churn",
    "revenue", "sales", "orders", "recent", "several", "send", "offer", "give", "reach", "invite", "target",
    "focus", "use", "keep", "try", "consider", "prioritise", "prioritize", "review", "follow", "highlight", "check",
    "lead", "remind", "reward", "win", "thank", "growing", "shrinking", "declining", "rising", "complaint",
    "complaints", "biggest", "largest", "sentiment", "this", "that", "each", "every", "any", "whose"};

constexpr std::string_view kFramingWords[] = {
    "customer", "customers", "segment", "segments", "average", "avg", "share", "all", "group", "overall", "total",
    "compared", "versus", "vs", "than", "base", "people", "accounts", "account", "per", "each", "who", "whose",
    "percent", "points", "day", "days", "number", "value", "rate", "figure", "figures", "currently", "typical",
    "typically", "around", "about", "roughly", "nearly", "almost", "far", "much"};

}  // namespace

std::string Stem(std::string_view norm) {
  std::string w(norm);
  if (EndsWith(w, "'s")) w.resize(w.size() - 2);
  if (w.size() > 4 && EndsWith(w, "ies")) w.replace(w.size() - 3, 3, "y");
  else if (w.size() > 4 && EndsWith(w, "sses")) w.resize(w.size() - 2);
  else if (w.size() > 3 && EndsWith(w, "s") && !EndsWith(w, "ss") && !EndsWith(w, "us") && !EndsWith(w, "is"))
    w.pop_back();
  if (w.size() > 5 && EndsWith(w, "ing")) w.resize(w.size() - 3);
  else if (w.size() > 4 && EndsWith(w, "ed")) w.resize(w.size() - 2);
  else if (w.size() > 4 && EndsWith(w, "ly")) w.resize(w.size() - 2);
  if (w.size() > 6) w.resize(6);
  return w;
}

std::string BareNorm(const text::Token& t) {
  std::string n = t.norm;
  if (EndsWith(n, "'s")) n.resize(n.size() - 2);
  else if (EndsWith(n, "s'")) n.pop_back();
  return n;
}

std::vector<std::string> NameKeys(std::string_view name) {
  text::TokenizedText tt = text::Tokenize(name);
  std::vector<std::string> keys;
  for (const text::Token& t : tt.tokens) {
    if (t.kind == text::TokenKind::kWord || t.kind == text::TokenKind::kNumber) keys.push_back(BareNorm(t));
  }
  return keys;
}

namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

using WordsMemo = std::unordered_map<std::string, std::shared_ptr<const TextWords>, StringHash, std::equal_to<>>;
constexpr size_t kMemoTexts = 4096;

}  // namespace

std::shared_ptr<const TextWords> WordsOf(std::string_view text) {
  thread_local WordsMemo memo;
  if (auto it = memo.find(text); it != memo.end()) return it->second;
  auto words = std::make_shared<TextWords>();
  words->keys = NameKeys(text);
  for (const std::string& k : words->keys) words->stems.push_back(Stem(k));
  if (memo.size() >= kMemoTexts) memo.clear();
  memo.emplace(std::string(text), words);
  return words;
}

void StemSet::AddText(std::string_view text) {
  std::shared_ptr<const TextWords> words = WordsOf(text);
  if (words->stems.empty()) return;
  for (const std::string& stem : words->stems) set_.insert(stem);
  held_.push_back(std::move(words));
}

void StemSet::Add(std::string stem) {
  if (Has(stem)) return;
  owned_.push_back(std::make_unique<std::string>(std::move(stem)));
  set_.insert(*owned_.back());
}

bool IsCapitalised(const text::TokenizedText& tt, const text::Token& t) {
  if (t.kind != text::TokenKind::kWord) return false;
  char c = tt.text[t.begin];
  return c >= 'A' && c <= 'Z';
}

bool IsOrdinaryCapitalised(std::string_view norm) {
  static const WordSet words(kOrdinaryCapitalised);
  return words.Has(norm);
}

bool IsOrdinaryModifier(std::string_view norm) {
  static const WordSet words(kOrdinaryModifiers);
  return words.Has(norm) || text::IsStopWord(norm);
}

bool IsFramingWord(std::string_view norm) {
  static const WordSet words(kFramingWords);
  return words.Has(norm);
}

std::string_view CueKind(std::string_view norm) {
  if (norm == "product" || norm == "products") return "product";
  if (norm == "segment" || norm == "segments") return "segment";
  if (norm == "theme" || norm == "themes") return "theme";
  if (norm == "category" || norm == "categories") return "category";
  return "";
}

}  // namespace custintel::insight
