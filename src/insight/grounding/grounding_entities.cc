// Entity spotting for the grounding evaluator; the rules are in the header.
#include "insight/grounding/grounding_entities.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/strings.h"
#include "insight/grounding/grounding_words.h"

namespace custintel::insight {
namespace {

using text::Token;
using text::TokenKind;
using text::TokenizedText;

using KnownName = CatalogIndex::Name;

bool IsNameToken(const Token& t) { return t.kind == TokenKind::kWord || t.kind == TokenKind::kNumber; }

// Punctuation that may sit inside a name: "Coffee & Tea", "Tea Bags (80)", "At-risk".
bool IsNameGlue(const Token& t) {
  return t.kind == TokenKind::kPunct && (t.norm == "&" || t.norm == "-" || t.norm == "(" || t.norm == ")" ||
                                         t.norm == "/" || t.norm == "+" || t.norm == "'");
}

bool KeyEquals(const std::string& text_key, const std::string& name_key, bool last) {
  if (text_key == name_key) return true;
  return last && text_key.size() == name_key.size() + 1 && text_key.back() == 's' &&
         text_key.compare(0, name_key.size(), name_key) == 0;
}

using NameIndex = CatalogIndex::NameIndex;

void AddNames(const std::vector<std::string>& names, const std::string& kind, std::vector<KnownName>* out) {
  for (const std::string& n : names) {
    std::shared_ptr<const TextWords> words = WordsOf(n);
    if (!words->keys.empty()) out->push_back({words->keys, n, kind});
  }
}

// Names by their first key, longest first (so the first match at a token is the longest).
void IndexByFirstKey(const std::vector<KnownName>& names, NameIndex* index) {
  for (const KnownName& n : names) (*index)[n.keys[0]].push_back(&n);
  for (auto& [key, list] : *index) {
    std::stable_sort(list.begin(), list.end(),
                     [](const KnownName* a, const KnownName* b) { return a->keys.size() > b->keys.size(); });
  }
}

class Spotter {
 public:
  Spotter(const TokenizedText& tt, const SheetNames& sheet, const CatalogIndex& catalog)
      : tt_(tt), sheet_(sheet), catalog_(catalog) {
    for (size_t i = 0; i < tt.tokens.size(); ++i) {
      if (IsNameToken(tt.tokens[i])) w_.push_back(i);
    }
    covered_.assign(w_.size(), false);
  }

  EntityScan Run() {
    MatchKnown();
    CapitalisedRuns();
    QuotedPhrases();
    CuePhrases();
    return std::move(scan_);
  }

 private:
  // Calls fn(name) for every known name: the catalog's, then the sheet's.
  template <class Fn>
  void ForEachName(Fn fn) const {
    for (const KnownName& n : catalog_.names()) fn(n);
    for (const KnownName& n : sheet_.names()) fn(n);
  }

  bool InVocabulary(const std::string& stem) const {
    return sheet_.stems().Has(stem) || catalog_.stems().count(stem);
  }

  const Token& W(size_t k) const { return tt_.tokens[w_[k]]; }

  // Name tokens k and k+1 are neighbours: same sentence, only name glue between them.
  bool Contiguous(size_t k) const {
    if (k + 1 >= w_.size() || W(k).sentence != W(k + 1).sentence) return false;
    for (size_t r = w_[k] + 1; r < w_[k + 1]; ++r) {
      if (!IsNameGlue(tt_.tokens[r])) return false;
    }
    return true;
  }

  // The first name token of its sentence, of a list item, or after a colon or a quote.
  bool Initial(size_t k) const {
    size_t r = w_[k];
    if (r == 0 || tt_.tokens[r - 1].sentence != W(k).sentence) return true;
    const std::string& p = tt_.tokens[r - 1].norm;
    return p == ":" || p == "*" || p == "\xE2\x80\xA2" || p == "\"" || p == "\xE2\x80\x9C" || p == "#" ||
           (p == "-" && (r < 2 || tt_.tokens[r - 2].sentence != W(k).sentence));
  }

  bool InHeading(size_t k) const {
    uint32_t s = W(k).sentence;
    const text::Sentence& sent = tt_.sentences[s];
    return sent.first_token < tt_.tokens.size() && tt_.tokens[sent.first_token].norm == "#";
  }

  size_t Begin(size_t k) const { return W(k).begin; }
  size_t End(size_t k) const { return W(k).end; }

  size_t MatchAt(size_t k, const KnownName& n) const {
    for (size_t j = 0; j < n.keys.size(); ++j) {
      if (k + j >= w_.size() || (j > 0 && !Contiguous(k + j - 1))) return 0;
      if (!KeyEquals(BareNorm(W(k + j)), n.keys[j], j + 1 == n.keys.size())) return 0;
    }
    return n.keys.size();
  }

  // The longest known name starting at name token k, or null.
  const KnownName* LongestAt(size_t k, size_t* len) const {
    const KnownName* hit = nullptr;
    *len = 0;
    std::string first = BareNorm(W(k));
    for (const NameIndex* index : {&catalog_.by_first(), &sheet_.by_first()}) {
      auto it = index->find(first);
      if (it == index->end()) continue;
      for (const KnownName* n : it->second) {  // longest first
        if (n->keys.size() <= *len) break;
        if (size_t l = MatchAt(k, *n)) { hit = n, *len = l; break; }
      }
    }
    return hit;
  }

  void MatchKnown() {
    for (size_t k = 0; k < w_.size();) {
      size_t len = 0;
      const KnownName* hit = LongestAt(k, &len);
      if (!hit) { ++k; continue; }
      for (size_t j = k; j < k + len; ++j) covered_[j] = true;
      scan_.known.push_back(Mention(k, k + len, hit->kind));
      scan_.name_spans.emplace_back(Begin(k), End(k + len - 1));
      k += len;
    }
  }

  EntityMention Mention(size_t a, size_t b, const std::string& kind) const {
    EntityMention m;
    m.begin = Begin(a);
    m.end = End(b - 1);
    m.span = std::string(tt_.text.substr(m.begin, m.end - m.begin));
    m.kind = kind;
    m.sentence = W(a).sentence;
    return m;
  }

  bool Eligible(size_t k) const {
    const Token& t = W(k);
    return !covered_[k] && IsCapitalised(tt_, t) && !IsOrdinaryCapitalised(t.norm) && CueKind(t.norm).empty() &&
           !InHeading(k) && !(Initial(k) && IsOrdinaryModifier(BareNorm(t)));
  }

  void CapitalisedRuns() {
    for (size_t k = 0; k < w_.size();) {
      if (!Eligible(k)) { ++k; continue; }
      size_t b = k + 1, words = 1;
      while (b < w_.size() && Contiguous(b - 1) && !covered_[b] &&
             (W(b).kind == TokenKind::kNumber || (Eligible(b) && !Initial(b)))) {
        words += W(b).kind == TokenKind::kWord;
        ++b;
      }
      ConsiderRun(k, b, words);
      k = b;
    }
  }

  void ConsiderRun(size_t a, size_t b, size_t words) {
    size_t first = a;
    while (first > 0 && W(first - 1).sentence == W(a).sentence) --first;
    bool label = w_[b - 1] + 1 < tt_.tokens.size() && tt_.tokens[w_[b - 1] + 1].norm == ":" && a - first <= 1;
    if (label) return;  // "Next Best Actions:" is a heading, not a name
    if (words >= 2) { Candidate(a, b, "name"); return; }
    if (Initial(a)) return;
    bool left = a > 0 && covered_[a - 1] && Contiguous(a - 1);
    bool right = b < w_.size() && covered_[b] && Contiguous(b - 1);
    if (!left && !right) return;
    size_t lo = a, hi = b;
    while (left && lo > 0 && covered_[lo - 1] && Contiguous(lo - 1)) --lo;
    while (right && hi < w_.size() && covered_[hi] && Contiguous(hi - 1)) ++hi;
    Candidate(lo, hi, "name");
  }

  // Names that may share a word with `key` (plural or not): the catalog's through its key
  // index, the sheet's few names all.
  template <class Fn>
  void ForEachNameWith(const std::string& key, Fn fn) const {
    std::unordered_set<const KnownName*> seen;
    for (const std::string& k : {key, key.size() > 1 && key.back() == 's' ? key.substr(0, key.size() - 1) : key}) {
      auto it = catalog_.by_key().find(k);
      if (it == catalog_.by_key().end()) continue;
      for (const KnownName* n : it->second) {
        if (seen.insert(n).second) fn(*n);
      }
    }
    for (const KnownName& n : sheet_.names()) fn(n);
  }

  static bool HoldsAll(const KnownName& n, const std::vector<std::string>& keys) {
    for (const auto& k : keys) {
      bool found = false;
      for (size_t j = 0; j < n.keys.size() && !found; ++j) found = KeyEquals(k, n.keys[j], true);
      if (!found) return false;
    }
    return true;
  }

  bool KnownKeys(const std::vector<std::string>& keys) const {
    bool known = false;
    ForEachNameWith(keys[0], [&](const KnownName& n) { known = known || HoldsAll(n, keys); });
    return known;
  }

  bool InSnippets(std::string_view span) const {
    std::string low = ToLower(span);
    for (const auto& s : sheet_.snippets_lower()) {
      if (s.find(low) != std::string::npos) return true;
    }
    return false;
  }

  std::string Closest(const std::vector<std::string>& keys) const {
    std::unordered_map<const KnownName*, size_t> shared;
    for (const auto& k : keys) {
      ForEachNameWith(k, [&](const KnownName& n) { shared[&n] += std::count(n.keys.begin(), n.keys.end(), k); });
    }
    size_t best = 0;
    std::string out;
    ForEachName([&](const KnownName& n) {  // in catalog order, so ties resolve the same way every time
      auto it = shared.find(&n);
      if (it != shared.end() && it->second > best) best = it->second, out = n.display;
    });
    return out;
  }

  bool Overlaps(size_t begin, size_t end) const {
    for (const auto& v : {std::cref(scan_.invented), std::cref(scan_.known)}) {
      for (const EntityMention& m : v.get()) {
        if (begin < m.end && m.begin < end) return true;
      }
    }
    return false;
  }

  void AddInvented(EntityMention m, const std::vector<std::string>& keys) {
    if (Overlaps(m.begin, m.end) || KnownKeys(keys) || InSnippets(m.span)) return;
    m.closest = Closest(keys);
    scan_.invented.push_back(std::move(m));
  }

  void Candidate(size_t a, size_t b, const std::string& kind) {
    std::vector<std::string> keys;
    for (size_t k = a; k < b; ++k) keys.push_back(BareNorm(W(k)));
    AddInvented(Mention(a, b, kind), keys);
  }

  void QuotedPhrases();
  void CuePhrases();
  void CueAfter(size_t k, const std::string& kind);
  void CueBefore(size_t k, const std::string& kind);

  const TokenizedText& tt_;
  const SheetNames& sheet_;
  const CatalogIndex& catalog_;
  std::vector<size_t> w_;
  std::vector<bool> covered_;
  EntityScan scan_;
};

// Opening and closing quote marks: ASCII double, curly double, curly single; an ASCII single
// quote only at a word boundary (so "customer's" is not a quote).
size_t QuoteLength(std::string_view t, size_t i, bool opening) {
  if (t[i] != '"' && t[i] != '\'' && t[i] != '\xE2') return 0;  // the common case, cheaply (every byte is asked)
  if (t[i] == '"') return 1;
  if (t.compare(i, 3, opening ? "\xE2\x80\x9C" : "\xE2\x80\x9D") == 0) return 3;
  if (t.compare(i, 3, opening ? "\xE2\x80\x98" : "\xE2\x80\x99") == 0) {
    bool boundary = opening ? (i == 0 || t[i - 1] == ' ' || t[i - 1] == '(') : (i + 3 >= t.size() || !isalnum(static_cast<unsigned char>(t[i + 3])));
    return boundary ? 3 : 0;
  }
  if (t[i] == '\'') {
    bool boundary = opening ? (i == 0 || t[i - 1] == ' ' || t[i - 1] == '(') : (i + 1 >= t.size() || !isalnum(static_cast<unsigned char>(t[i + 1])));
    return boundary ? 1 : 0;
  }
  return 0;
}

void Spotter::QuotedPhrases() {
  std::string_view t = tt_.text;
  for (size_t i = 0; i < t.size(); ++i) {
    size_t open = QuoteLength(t, i, true);
    if (!open) continue;
    size_t j = i + open;
    while (j < t.size() && t[j] != '\n' && !QuoteLength(t, j, false)) ++j;
    if (j >= t.size() || t[j] == '\n') continue;
    size_t close = QuoteLength(t, j, false);
    std::string_view inner = Trim(t.substr(i + open, j - i - open));
    std::vector<std::string> keys = NameKeys(inner);
    auto first = std::find_if(w_.begin(), w_.end(), [&](size_t r) { return tt_.tokens[r].begin >= i + open; });
    if (keys.empty() || keys.size() > 6 || first == w_.end()) { i = j + close - 1; continue; }
    size_t k = static_cast<size_t>(first - w_.begin());
    std::string before = k > 0 ? BareNorm(W(k - 1)) : "";
    size_t after_k = k + keys.size();
    std::string after = after_k < w_.size() ? BareNorm(W(after_k)) : "";
    std::string cue(CueKind(before).empty() ? CueKind(after) : CueKind(before));
    bool capital = inner[0] >= 'A' && inner[0] <= 'Z';
    if (capital || !cue.empty()) {
      EntityMention m{i + open, i + open + inner.size(), std::string(inner), cue.empty() ? "name" : cue, W(k).sentence, ""};
      AddInvented(std::move(m), keys);
    }
    i = j + close - 1;
  }
}

void Spotter::CuePhrases() {
  for (size_t k = 0; k < w_.size(); ++k) {
    std::string kind(CueKind(W(k).norm));
    if (kind.empty() || InHeading(k)) continue;
    CueAfter(k, kind);
    CueBefore(k, kind);
  }
}

void Spotter::CueAfter(size_t k, const std::string& kind) {
  size_t a = k + 1;
  if (a >= w_.size() || !Contiguous(k) || covered_[a] || !IsCapitalised(tt_, W(a)) || IsOrdinaryCapitalised(W(a).norm))
    return;
  size_t b = a + 1;
  while (b < w_.size() && Contiguous(b - 1) && !covered_[b] && (IsCapitalised(tt_, W(b)) || W(b).kind == TokenKind::kNumber)) ++b;
  Candidate(a, b, kind);
}

void Spotter::CueBefore(size_t k, const std::string& kind) {
  if (k == 0 || !Contiguous(k - 1) || covered_[k - 1]) return;
  size_t b = k, a = k;
  while (a > 0 && Contiguous(a - 1) && Eligible(a - 1)) --a;
  if (b - a == 1 && Initial(a)) return;  // "Recommend products ...": a sentence's first word is no name
  if (a < b) { Candidate(a, b, kind); return; }
  if (kind != "theme" && kind != "category") return;
  // Lower-case words before "theme"/"category": invented only when no word is known anywhere.
  while (a > 0 && b - a < 3 && Contiguous(a - 1) && !covered_[a - 1] && W(a - 1).kind == TokenKind::kWord &&
         !IsCapitalised(tt_, W(a - 1)) && !IsOrdinaryModifier(BareNorm(W(a - 1)))) {
    --a;
  }
  // Only a noun phrase opened by a determiner names a theme: "the sustainability theme", not
  // "most discussed theme".
  static const std::unordered_set<std::string> kDeterminers = {"the", "a", "an", "this", "that", "their", "its", "our"};
  if (a == b || a == 0 || !Contiguous(a - 1) || !kDeterminers.count(W(a - 1).norm)) return;
  std::vector<std::string> keys;
  for (size_t j = a; j < b; ++j) {
    if (InVocabulary(Stem(BareNorm(W(j))))) return;
    keys.push_back(BareNorm(W(j)));
  }
  AddInvented(Mention(a, b, kind), keys);
}

}  // namespace

CatalogIndex::CatalogIndex(const EntityCatalog& catalog) {
  AddNames(catalog.segments, "segment", &names_);
  AddNames(catalog.products, "product", &names_);
  AddNames(catalog.themes, "theme", &names_);
  AddNames(catalog.categories, "category", &names_);
  IndexByFirstKey(names_, &by_first_);
  for (const Name& n : names_) {
    for (const auto& k : n.keys) {
      stems_.insert(Stem(k));
      auto& list = by_key_[k];
      if (list.empty() || list.back() != &n) list.push_back(&n);
    }
  }
}

SheetNames::SheetNames(const FactSheet& sheet) : sheet_(sheet) {
  AddNames(sheet.entities, "name", &names_);
  AddNames({sheet.title, sheet.subject.id}, "name", &names_);
  IndexByFirstKey(names_, &by_first_);
  for (const Name& n : names_) {
    for (const auto& k : n.keys) stems_.Add(Stem(k));
  }
  for (const Snippet& s : sheet.snippets) stems_.AddText(s.text);
  for (const Fact& f : sheet.facts) stems_.AddText(f.label);
  for (const Snippet& s : sheet.snippets) snippets_lower_.push_back(ToLower(s.text));
}

EntityScan SpotEntities(const text::TokenizedText& tt, const SheetNames& sheet, const CatalogIndex& catalog) {
  return Spotter(tt, sheet, catalog).Run();
}

EntityScan SpotEntities(const text::TokenizedText& tt, const FactSheet& sheet, const CatalogIndex& catalog) {
  return SpotEntities(tt, SheetNames(sheet), catalog);
}

EntityScan SpotEntities(const text::TokenizedText& tt, const FactSheet& sheet, const EntityCatalog& catalog) {
  return SpotEntities(tt, sheet, CatalogIndex(catalog));
}

}  // namespace custintel::insight
