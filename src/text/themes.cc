#include "text/themes.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <unordered_set>

#include "core/embedded.h"
#include "core/strings.h"
#include "text/clean.h"

namespace custintel::text {
namespace {

// "boxes" matches "box", "issues" matches "issue": a trailing s or es.
bool SameWord(std::string_view text, std::string_view synonym) {
  if (text == synonym) return true;
  if (text.size() == synonym.size() + 1 && text.back() == 's') return text.starts_with(synonym);
  if (text.size() == synonym.size() + 2 && text.ends_with("es")) return text.starts_with(synonym);
  return false;
}

std::vector<std::string> TermTokens(std::string_view term) {
  TokenizedText t = Tokenize(term);
  std::vector<std::string> out;
  for (Token& tok : t.tokens) out.push_back(std::move(tok.norm));
  return out;
}

const StringMap<bool>& StopWords() {
  static const StringMap<bool>* words = [] {
    auto* set = new StringMap<bool>();
    std::string_view text = embedded::Find("text/assets/stopwords.txt").value_or("");
    std::size_t i = 0;
    while (i < text.size()) {
      std::size_t j = text.find_first_of(" \n\t", i);
      if (j == std::string_view::npos) j = text.size();
      if (j > i) (*set)[std::string(text.substr(i, j - i))] = true;
      i = j + 1;
    }
    return set;
  }();
  return *words;
}

// Every contiguous run of words in a candidate span ("dark mode needs" -> "dark", "dark mode",
// ...), so a phrase is counted even when its spans differ from text to text.
void AddSubPhrases(const TokenizedText& pt, std::unordered_set<std::string>* out) {
  for (std::size_t i = 0; i < pt.tokens.size(); ++i) {
    std::string phrase;
    for (std::size_t j = i; j < pt.tokens.size(); ++j) {
      if (!phrase.empty()) phrase.push_back(' ');
      phrase += pt.tokens[j].norm;
      if (j > i || phrase.size() >= 4) out->insert(phrase);
    }
  }
}

// A phrase inside a longer candidate that occurs just as often adds nothing ("mode" vs "dark mode").
bool SubsumedByLonger(const std::string& phrase, int n, const std::map<std::string, int>& documents) {
  for (const auto& [other, m] : documents) {
    if (m < n || other.size() <= phrase.size()) continue;
    std::size_t at = other.find(phrase);
    if (at == std::string::npos) continue;
    bool word_start = at == 0 || other[at - 1] == ' ';
    bool word_end = at + phrase.size() == other.size() || other[at + phrase.size()] == ' ';
    if (word_start && word_end) return true;
  }
  return false;
}

std::string PolarityName(double mean, bool pos, bool neg) {
  if (pos && neg) return "mixed";
  if (mean >= 0.05) return "positive";
  if (mean <= -0.05) return "negative";
  return "neutral";
}

}  // namespace

bool IsStopWord(std::string_view norm) { return StopWords().find(norm) != StopWords().end(); }

Result<Taxonomy> Taxonomy::Parse(std::string_view tsv) {
  Taxonomy tax;
  std::size_t line_no = 0;
  for (const std::string& line : Split(tsv, '\n')) {
    ++line_no;
    if (Trim(line).empty() || line[0] == '#') continue;
    std::vector<std::string> cols = Split(line, '\t');
    if (cols.size() < 3) {
      return Status::InvalidArgument("taxonomy line " + std::to_string(line_no) +
                                     ": expected 'id<TAB>name<TAB>synonym|synonym...'");
    }
    int theme = static_cast<int>(tax.themes_.size());
    tax.themes_.push_back({std::string(Trim(cols[0])), std::string(Trim(cols[1]))});
    for (const std::string& raw : Split(cols[2], '|')) {
      std::string_view syn = Trim(raw);
      bool weak = !syn.empty() && syn[0] == '~';
      if (weak) syn.remove_prefix(1);
      std::vector<std::string> toks = TermTokens(syn);
      if (toks.empty()) continue;
      tax.index_[toks[0]].push_back({std::vector<std::string>(toks.begin() + 1, toks.end()), theme, weak});
    }
  }
  if (tax.themes_.empty()) return Status::InvalidArgument("taxonomy has no themes");
  for (auto& [first, list] : tax.index_) {
    std::stable_sort(list.begin(), list.end(),
                     [](const Synonym& a, const Synonym& b) { return a.rest.size() > b.rest.size(); });
  }
  return tax;
}

const Taxonomy& Taxonomy::Default() {
  static const Taxonomy* taxonomy = [] {
    Result<Taxonomy> r = Parse(embedded::Find("text/assets/taxonomy.tsv").value_or(""));
    if (!r.ok()) {
      std::fprintf(stderr, "custintel: embedded taxonomy is broken: %s\n", r.status().message().c_str());
      std::abort();
    }
    return new Taxonomy(std::move(r).value());
  }();
  return *taxonomy;
}

const std::vector<Taxonomy::Synonym>* Taxonomy::Candidates(std::string_view norm) const {
  auto it = index_.find(norm);
  if (it != index_.end()) return &it->second;
  for (std::size_t cut : {std::size_t{1}, std::size_t{2}}) {
    if (norm.size() <= cut + 2 || norm.back() != 's') continue;
    it = index_.find(norm.substr(0, norm.size() - cut));
    if (it != index_.end()) return &it->second;
  }
  return nullptr;
}

std::size_t Taxonomy::Match(const std::vector<Token>& tokens, std::size_t i, std::size_t end, int* theme,
                            bool* weak) const {
  const std::vector<Synonym>* list = Candidates(tokens[i].norm);
  if (list == nullptr) return 0;
  for (const Synonym& s : *list) {
    if (i + 1 + s.rest.size() > end) continue;
    bool ok = true;
    for (std::size_t k = 0; k < s.rest.size() && ok; ++k) ok = SameWord(tokens[i + 1 + k].norm, s.rest[k]);
    if (!ok) continue;
    *theme = s.theme;
    *weak = s.weak;
    return s.rest.size() + 1;
  }
  return 0;
}

nlohmann::json ThemeResult::ToJson() const {
  nlohmann::json j = {{"themes", nlohmann::json::array()}, {"mentions", nlohmann::json::array()},
                      {"keyphrases", keyphrases}};
  for (const ThemeSummary& t : themes) {
    j["themes"].push_back({{"id", t.id}, {"name", t.name}, {"mentions", t.mentions}, {"score", t.score},
                           {"polarity", t.polarity}});
  }
  for (const ThemeMention& m : mentions) {
    j["mentions"].push_back({{"theme", m.theme_id}, {"phrase", m.phrase}, {"sentence", m.sentence},
                             {"score", m.score}, {"polarity", m.polarity}});
  }
  return j;
}

// Clause ids for theme polarity: the tokenizer's punctuation clauses, split further at
// contrast markers and at "and"/"&", which often join clauses of different polarity.
std::vector<std::uint32_t> ThemeExtractor::ThemeClauses(const TokenizedText& t) const {
  std::vector<std::uint32_t> clause(t.tokens.size(), 0);
  std::uint32_t id = 0;
  for (std::size_t i = 0; i < t.tokens.size(); ++i) {
    const Token& tok = t.tokens[i];
    std::size_t len = 0;
    bool splits = (i > 0 && tok.clause != t.tokens[i - 1].clause) || tok.norm == "and" || tok.norm == "&" ||
                  lexicon_->ContrastAt(t.tokens, i, t.tokens.size(), &len) != ContrastKind::kNone;
    if (splits && i > 0) ++id;
    clause[i] = id;
  }
  return clause;
}

ThemeResult ThemeExtractor::Extract(std::string_view text) const {
  CleanedText clean = CleanText(text);
  TokenizedText t = Tokenize(clean.text);
  SentimentDetail detail = SentimentAnalyzer(*lexicon_).Score(t);
  ThemeResult r = Extract(t, detail);
  return r;
}

namespace {

struct Hit {
  std::size_t begin, end;
  int theme;
  bool weak;
  std::uint32_t clause;
};

// Drops weak hits that share a clause with a plain hit of another theme, and repeats of a
// theme within one clause. Hits arrive in token order, so a clause's hits are adjacent.
std::vector<Hit> ResolveHits(const std::vector<Hit>& hits) {
  std::vector<Hit> kept;
  std::size_t group = 0;
  while (group < hits.size()) {
    std::size_t end = group;
    while (end < hits.size() && hits[end].clause == hits[group].clause) ++end;
    std::size_t first_kept = kept.size();
    for (std::size_t a = group; a < end; ++a) {
      bool drop = false;
      for (std::size_t b = group; b < end && !drop; ++b) {
        drop = hits[a].weak && !hits[b].weak && hits[b].theme != hits[a].theme;
      }
      for (std::size_t k = first_kept; k < kept.size() && !drop; ++k) drop = kept[k].theme == hits[a].theme;
      if (!drop) kept.push_back(hits[a]);
    }
    group = end;
  }
  return kept;
}

}  // namespace

ThemeResult ThemeExtractor::Extract(const TokenizedText& t, const SentimentDetail& sentiment,
                                    std::size_t max_keyphrases) const {
  std::vector<std::uint32_t> clause = ThemeClauses(t);
  std::vector<double> clause_sum(clause.empty() ? 0 : clause.back() + 1, 0.0);
  for (std::size_t i = 0; i < t.tokens.size(); ++i) clause_sum[clause[i]] += sentiment.token_valence[i];
  std::vector<Hit> hits;
  for (std::size_t i = 0; i < t.tokens.size();) {
    int theme = 0;
    bool weak = false;
    std::size_t len = taxonomy_->Match(t.tokens, i, t.tokens.size(), &theme, &weak);
    if (len == 0) { ++i; continue; }
    hits.push_back({i, i + len, theme, weak, clause[i]});
    i += len;
  }
  ThemeResult r;
  std::map<int, std::size_t> summary_of;  // theme index -> position in r.themes
  for (const Hit& h : ResolveHits(hits)) {
    const Token& first = t.tokens[h.begin];
    double raw = clause_sum[h.clause];
    if (raw == 0) raw = sentiment.sentence_raw[first.sentence];
    ThemeMention m;
    m.theme_id = taxonomy_->themes()[h.theme].id;
    m.phrase = std::string(t.text.substr(first.begin, t.tokens[h.end - 1].end - first.begin));
    m.sentence = first.sentence;
    m.score = NormalizeValence(raw);
    m.polarity = m.score >= 0.05 ? 1 : (m.score <= -0.05 ? -1 : 0);
    auto [it, added] = summary_of.emplace(h.theme, r.themes.size());
    if (added) r.themes.push_back({m.theme_id, taxonomy_->themes()[h.theme].name, 0, 0, ""});
    ThemeSummary& s = r.themes[it->second];
    s.score += m.score;
    s.mentions += 1;
    r.mentions.push_back(std::move(m));
  }
  for (ThemeSummary& s : r.themes) {
    bool pos = false, neg = false;
    for (const ThemeMention& m : r.mentions) {
      if (m.theme_id != s.id) continue;
      pos |= m.polarity > 0;
      neg |= m.polarity < 0;
    }
    s.score /= s.mentions;
    s.polarity = PolarityName(s.score, pos, neg);
  }
  if (max_keyphrases == 0) return r;  // the pipeline does not store them; skip the scoring
  std::vector<KeyPhrase> phrases = KeyPhrases(t);
  for (std::size_t k = 0; k < phrases.size() && k < max_keyphrases; ++k) r.keyphrases.push_back(phrases[k].phrase);
  return r;
}

bool ThemeExtractor::IsPhraseBreak(const Token& tok) const {
  if (tok.kind != TokenKind::kWord || tok.norm.size() < 2) return true;
  if (IsStopWord(tok.norm) || lexicon_->IsModifier(tok.norm)) return true;
  const LexiconEntry* e = lexicon_->Find(tok.norm);
  return e != nullptr && e->valence != 0;  // sentiment words describe a theme, they are not one
}

std::vector<KeyPhrase> ThemeExtractor::KeyPhrases(const TokenizedText& t) const {
  constexpr std::size_t kMaxWords = 4;
  std::vector<std::vector<std::size_t>> phrases;  // token indices
  std::vector<std::size_t> cur;
  for (std::size_t i = 0; i <= t.tokens.size(); ++i) {
    bool brk = i == t.tokens.size() || IsPhraseBreak(t.tokens[i]) ||
               (!cur.empty() && t.tokens[i].sentence != t.tokens[cur.back()].sentence);
    if (!brk && cur.size() < kMaxWords) { cur.push_back(i); continue; }
    if (!cur.empty()) phrases.push_back(cur);
    cur.clear();
    if (!brk) cur.push_back(i);
  }
  StringMap<double> freq, degree;
  for (const auto& p : phrases) {
    for (std::size_t k : p) {
      freq[t.tokens[k].norm] += 1;
      degree[t.tokens[k].norm] += static_cast<double>(p.size());
    }
  }
  std::vector<KeyPhrase> out;
  std::unordered_set<std::string> seen;
  for (const auto& p : phrases) {
    KeyPhrase kp;
    for (std::size_t k : p) {
      const std::string& w = t.tokens[k].norm;
      if (!kp.phrase.empty()) kp.phrase.push_back(' ');
      kp.phrase += w;
      kp.score += degree[w] / freq[w];
    }
    if (seen.insert(kp.phrase).second) out.push_back(std::move(kp));
  }
  std::stable_sort(out.begin(), out.end(), [](const KeyPhrase& a, const KeyPhrase& b) { return a.score > b.score; });
  return out;
}

std::vector<CandidateTheme> DiscoverCandidateThemes(std::span<const std::string> texts,
                                                    const ThemeExtractor& extractor,
                                                    const CandidateThemeOptions& options) {
  std::map<std::string, int> documents;
  for (const std::string& text : texts) {
    CleanedText clean = CleanText(text);
    TokenizedText t = Tokenize(clean.text);
    std::unordered_set<std::string> in_doc;
    for (const KeyPhrase& kp : extractor.KeyPhrases(t)) {
      TokenizedText pt = Tokenize(kp.phrase);
      bool known = false;
      for (std::size_t i = 0; i < pt.tokens.size() && !known; ++i) {
        int theme = 0;
        bool weak = false;
        known = extractor.taxonomy().Match(pt.tokens, i, pt.tokens.size(), &theme, &weak) > 0;
      }
      if (!known) AddSubPhrases(pt, &in_doc);
    }
    for (const std::string& p : in_doc) documents[p] += 1;
  }
  std::vector<CandidateTheme> out;
  for (const auto& [phrase, n] : documents) {
    if (n >= options.min_documents && !SubsumedByLonger(phrase, n, documents)) out.push_back({phrase, n});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const CandidateTheme& a, const CandidateTheme& b) { return a.documents > b.documents; });
  if (out.size() > options.max_results) out.resize(options.max_results);
  return out;
}

}  // namespace custintel::text
