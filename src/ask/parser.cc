#include "ask/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <regex>
#include <set>

#include "ask/parser_state.h"
#include "ask/tokens.h"
#include "core/strings.h"

namespace custintel::ask {
namespace {

using internal::Comparator;
using internal::Mention;
using internal::State;
using Kind = BuiltinParser::Kind;

bool IsYear(const std::string& w) {
  return w.size() == 4 && IsNumber(w) && std::stoi(w) >= 1990 && std::stoi(w) <= 2100;
}

bool IsInteger(const std::string& w) { return IsNumber(w) && w.find('.') == std::string::npos && w.size() < 7; }

bool IsSingularUnit(const std::string& w) {
  return w == "day" || w == "week" || w == "month" || w == "quarter" || w == "year";
}

// --- Pass 1: time ranges ------------------------------------------------------------------

bool MatchRelative(State& s, size_t i) {
  const std::string w = s.Word(i), next = s.Word(i + 1);
  if ((w == "this" || w == "current") && IsSingularUnit(next) && next != "day") {
    s.spec.time_range = "this_" + next;
    s.Use(i, 2);
    return true;
  }
  if (IsSingularUnit(w) && w != "day" && w != "week" && next == "to" && s.Word(i + 2) == "date") {
    s.spec.time_range = "this_" + w;
    s.Use(i, 3);
    return true;
  }
  if (w == "ytd" || w == "mtd" || w == "qtd") {
    s.spec.time_range = w == "ytd" ? "this_year" : w == "mtd" ? "this_month" : "this_quarter";
    s.Use(i, 1);
    return true;
  }
  if (w != "last" && w != "previous" && w != "past" && w != "prior" && w != "trailing") return false;
  const std::string unit2 = TimeUnit(s.Word(i + 2));
  if (IsInteger(next) && !unit2.empty() && std::stoi(next) >= 1) {
    s.spec.time_range = fmt::format("last_{}_{}s", std::stoi(next), unit2);
    s.Use(i, 3);
    return true;
  }
  if (IsSingularUnit(next)) {
    s.spec.time_range = next == "day" ? "last_1_days" : "last_" + next;
    s.Use(i, 2);
    return true;
  }
  return false;
}

bool MatchAbsolute(State& s, size_t i) {
  static const std::regex kDate(R"((\d{4})-(\d{2})-(\d{2}))");
  static const std::regex kQuarter(R"(q([1-4]))");
  const std::string w = s.Word(i), next = s.Word(i + 1), after = s.Word(i + 2);
  std::smatch m;
  if (w == "since") {
    if (MonthNumber(next) && IsYear(after)) {
      s.spec.time_range = fmt::format("since_{}-{:02d}-01", after, MonthNumber(next));
      s.Use(i, 3);
    } else if (MonthNumber(next)) {
      s.spec.time_range = fmt::format("since_month_{:02d}", MonthNumber(next));
      s.Use(i, 2);
    } else if (IsYear(next)) {
      s.spec.time_range = "since_" + next + "-01-01";
      s.Use(i, 2);
    } else if (std::regex_match(next, m, kDate)) {
      s.spec.time_range = "since_" + next;
      s.Use(i, 2);
    } else {
      return false;
    }
    return true;
  }
  if (MonthNumber(w) && IsYear(next)) {
    s.spec.time_range = fmt::format("month_{}-{:02d}", next, MonthNumber(w));
    s.Use(i, 2);
    return true;
  }
  if (std::regex_match(w, m, kQuarter) && IsYear(next)) {
    s.spec.time_range = fmt::format("quarter_{}-Q{}", next, std::string(m[1]));
    s.Use(i, 2);
    return true;
  }
  const std::string prev = i > 0 ? s.Word(i - 1) : "";
  if (IsYear(w) && (prev == "in" || prev == "during" || prev == "for" || prev == "of")) {
    s.spec.time_range = "year_" + w;
    s.Use(i, 1);
    return true;
  }
  return false;
}

void TimeRangePass(State& s) {
  for (size_t i = 0; i < s.tokens.size(); ++i) {
    if (!s.Free(i)) continue;
    const std::string w = s.Word(i), before = s.spec.time_range;
    bool matched = false;
    if (w == "today" || w == "yesterday") {
      s.spec.time_range = w;
      s.Use(i, 1);
      matched = true;
    } else {
      matched = MatchRelative(s, i) || MatchAbsolute(s, i);
    }
    // A second range is what the first is compared with ("this quarter vs last quarter").
    if (matched && !before.empty()) {
      if (s.second_time_range.empty()) s.second_time_range = s.spec.time_range;
      s.spec.time_range = before;
    }
  }
}

// --- Pass 1b: star ratings ("one star", "4 stars or more", "below 3 stars", "two-star") ----

int StarCount(const std::string& w) {
  static const std::vector<std::string> kWords = {"zero", "one", "two", "three", "four", "five"};
  for (size_t n = 0; n < kWords.size(); ++n) {
    if (w == kWords[n] || w == std::to_string(n)) return static_cast<int>(n);
  }
  return -1;
}

void StarPass(State& s) {
  static const std::regex kGlued(R"(([0-5]|zero|one|two|three|four|five)-stars?)");
  for (size_t i = 0; i < s.tokens.size(); ++i) {
    if (!s.Free(i)) continue;
    const std::string w = s.Word(i);
    std::smatch m;
    int n = -1;
    size_t end = i;  // one past the star phrase
    if (std::regex_match(w, m, kGlued)) {
      n = StarCount(m[1]);
      end = i + 1;
    } else if (StarCount(w) >= 0 && (s.Word(i + 1) == "star" || s.Word(i + 1) == "stars") && s.Free(i + 1)) {
      n = StarCount(w);
      end = i + 2;
    }
    if (n < 0) continue;
    size_t start = i;
    std::string op = "=";
    const std::string p1 = i > 0 ? s.Word(i - 1) : "", p2 = i > 1 ? s.Word(i - 2) : "";
    if (p2 == "at" && p1 == "least") op = ">=", start = i - 2;
    else if (p2 == "at" && p1 == "most") op = "<=", start = i - 2;
    else if ((p2 == "more" || p2 == "higher" || p2 == "greater") && p1 == "than") op = ">", start = i - 2;
    else if ((p2 == "less" || p2 == "fewer" || p2 == "lower") && p1 == "than") op = "<", start = i - 2;
    else if (p1 == "below" || p1 == "under") op = "<", start = i - 1;
    else if (p1 == "above" || p1 == "over") op = ">", start = i - 1;
    if (start > 0 && s.Word(start - 1) == "rated") --start;  // "rated below 3 stars"
    const std::string a1 = s.Word(end), a2 = s.Word(end + 1);
    if ((a1 == "or" || a1 == "and") && (a2 == "more" || a2 == "above" || a2 == "higher" || a2 == "up" || a2 == "better")) {
      op = ">=", end += 2;
    } else if ((a1 == "or" || a1 == "and") && (a2 == "less" || a2 == "fewer" || a2 == "below" || a2 == "lower" ||
                                                  a2 == "under" || a2 == "worse")) {
      op = "<=", end += 2;
    } else if (a1 == "plus" || a1 == "+") {
      op = ">=", end += 1;
    }
    bool free = true;
    for (size_t k = start; k < end; ++k) free = free && s.Free(k);
    if (!free) continue;  // part of another phrase: leave it
    s.star_filters.push_back({"rating", op, {static_cast<double>(n)}});
    s.star_pos.push_back(start);
    s.Use(start, end - start);
    i = end - 1;
  }
}

// --- Pass 2: time grain --------------------------------------------------------------------

void GrainPass(State& s) {
  for (size_t i = 0; i < s.tokens.size(); ++i) {
    if (!s.Free(i)) continue;
    const std::string w = s.Word(i), next = s.Word(i + 1);
    const std::string unit = TimeUnit(w);
    if (!unit.empty() && !IsSingularUnit(w) && w != "days" && w != "weeks" && w != "months" && w != "quarters" &&
        w != "years") {  // daily, weekly, monthly...
      s.spec.time_grain = unit;
      s.Use(i, 1);
    } else if ((IsGroupingWord(w) || w == "a") && IsSingularUnit(next) && s.Free(i + 1)) {
      s.spec.time_grain = next;
      s.Use(i, 2);
    } else if (w == "over" && next == "time") {
      s.spec.time_grain = "month";
      s.Use(i, 2);
    } else if (w == "trend" || w == "trends" || w == "trending") {
      s.spec.time_grain = "month";
      s.Use(i, 1);
    } else if (IsSingularUnit(w) && next == "over" && s.Word(i + 2) == w) {
      s.spec.time_grain = w;
      s.Use(i, 3);
    }
  }
}

// --- Pass 3: top N, N most, which N --------------------------------------------------------

void TopPass(State& s) {
  for (size_t i = 0; i < s.tokens.size(); ++i) {
    if (!s.Free(i)) continue;
    const std::string w = s.Word(i), next = s.Word(i + 1);
    if (w == "top" || w == "bottom") {
      s.top_word = true;
      s.top_dir = w == "top" ? "desc" : "asc";
      s.Use(i, 1);
      if (IsInteger(next)) {
        s.explicit_limit = std::stoll(next);
        s.Use(i + 1, 1);
      }
    } else if (IsInteger(w) && !Superlative(next).empty()) {
      s.explicit_limit = std::stoll(w);
      s.Use(i, 1);
    } else if ((w == "which" || w == "what" || w == "first") && IsInteger(next)) {
      s.explicit_limit = std::stoll(next);
      s.Use(i + 1, 1);
    }
  }
}

// --- Pass 4: comparatives ------------------------------------------------------------------

void ComparatorPass(State& s) {
  static const std::vector<std::pair<std::vector<std::string>, std::string>> kPatterns = {
      {{"more", "than"}, ">"},   {{"greater", "than"}, ">"}, {{"higher", "than"}, ">"}, {{"larger", "than"}, ">"},
      {{"bigger", "than"}, ">"}, {{"less", "than"}, "<"},    {{"fewer", "than"}, "<"},  {{"lower", "than"}, "<"},
      {{"smaller", "than"}, "<"}, {{"at", "least"}, ">="},   {{"at", "most"}, "<="},    {{"no", "more", "than"}, "<="},
      {{"equal", "to"}, "="},    {{"over"}, ">"},            {{"above"}, ">"},          {{"exceeding"}, ">"},
      {{"exceeds"}, ">"},        {{"under"}, "<"},           {{"below"}, "<"},          {{">"}, ">"},
      {{">="}, ">="},            {{"<"}, "<"},               {{"<="}, "<="},            {{"="}, "="}};
  for (size_t i = 0; i < s.tokens.size(); ++i) {
    for (const auto& [words, op] : kPatterns) {
      size_t n = words.size();
      bool match = true;
      for (size_t k = 0; k < n && match; ++k) match = s.Free(i + k) && s.Word(i + k) == words[k];
      if (!match || !IsNumber(s.Word(i + n)) || !s.Free(i + n)) continue;
      s.comparators.push_back({i, i + n, op, std::stod(s.Word(i + n))});
      s.Use(i, n + 1);
      break;
    }
  }
}

// --- Pass 5: customer ids ("customer C000042") ---------------------------------------------

void CustomerIdPass(State& s) {
  static const std::regex kId(R"([a-z]*[0-9][a-z0-9_-]*)");
  for (size_t i = 0; i + 1 < s.tokens.size(); ++i) {
    if (s.Word(i) != "customer" || !s.Free(i + 1) || !std::regex_match(s.Word(i + 1), kId)) continue;
    s.id_filters.push_back({"customer", "=", {s.tokens[i + 1].original}});
    s.Use(i, 2);
  }
}

void SuperlativePass(State& s) {
  for (size_t i = 0; i < s.tokens.size(); ++i) {
    if (!s.Free(i) || Superlative(s.Word(i)).empty()) continue;
    if (s.superlative.empty()) {
      s.superlative = Superlative(s.Word(i));
      s.superlative_pos = i;
    }
    s.Use(i, 1);
  }
}

// --- Pass 7: "what share / percentage / fraction of ..." -----------------------------------

void SharePass(State& s) {
  static const std::set<std::string> kShareWords = {"share", "percentage", "percent", "proportion", "fraction",
                                                     "pct", "portion", "percentages"};
  for (size_t i = 0; i < s.tokens.size(); ++i) {
    if (!s.Free(i) || !kShareWords.count(s.Word(i))) continue;
    if (s.share_pos == std::string::npos) s.share_pos = i;
    s.Use(i, 1);
  }
}

}  // namespace

// --- The lexicon ---------------------------------------------------------------------------

BuiltinParser::BuiltinParser(const SemanticModel& model) : model_(model) {
  auto add = [&](const std::string& phrase, Entry e) {
    std::vector<std::string> words = PhraseTokens(phrase);
    if (words.empty()) return;
    longest_phrase_ = std::max(longest_phrase_, words.size());
    auto& entries = lexicon_[Join(words, " ")];
    for (const Entry& x : entries) {
      if (x.kind == e.kind && x.name == e.name) return;
    }
    entries.push_back(std::move(e));
  };
  for (const Measure& m : model.measures) {
    add(m.name, {Kind::kMeasure, m.name, ""});
    for (const auto& syn : m.synonyms) add(syn, {Kind::kMeasure, m.name, ""});
  }
  for (const Dimension& d : model.dimensions) {
    for (const auto& syn : d.synonyms) add(syn, {Kind::kDimension, d.name, ""});
    for (const auto& v : d.values) {
      add(v, {Kind::kValue, d.name, v});
      if (!d.word_forms && v.find('_') == std::string::npos) continue;
      for (const auto& form : WordForms(v, d.word_forms)) {
        // A form that is a filler word ("purchased") would take that word from every question.
        if (PhraseTokens(form).size() == 1 && IsFiller(form)) continue;
        add(form, {Kind::kValue, d.name, v});
      }
    }
  }
  for (const Condition& c : model.conditions) {
    for (const auto& syn : c.synonyms) add(syn, {Kind::kCondition, c.name, ""});
  }
  for (const Source& src : model.sources) {
    for (const auto& verb : src.verbs) add(verb, {Kind::kVerb, src.name, ""});
  }
  std::set<std::string> vocab;
  for (const auto& [phrase, entries] : lexicon_) {
    for (const auto& w : Split(phrase, ' ')) {
      if (w.size() >= 4) vocab.insert(w);
    }
  }
  for (const auto& w : CorrectableFillers()) vocab.insert(w);
  for (const auto& w : TimeWords()) vocab.insert(w);
  vocabulary_.assign(vocab.begin(), vocab.end());
}

namespace {

bool IsVowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

std::string Plural(const std::string& w) {
  if (w.empty()) return w;
  const auto ends = [&](const char* x) { return w.size() >= std::strlen(x) && w.compare(w.size() - std::strlen(x), std::string::npos, x) == 0; };
  if (ends("s") || ends("x") || ends("ch") || ends("sh") || ends("z")) return w + "es";
  if (w.size() > 1 && w.back() == 'y' && !IsVowel(w[w.size() - 2])) return w.substr(0, w.size() - 1) + "ies";
  return w + "s";
}

std::string Past(const std::string& w) {
  if (w.empty()) return w;
  if (w.back() == 'e') return w + "d";
  if (w.size() > 1 && w.back() == 'y' && !IsVowel(w[w.size() - 2])) return w.substr(0, w.size() - 1) + "ied";
  // chat → chatted: one syllable ending consonant-vowel-consonant (open → opened).
  const auto vowels = std::count_if(w.begin(), w.end(), IsVowel);
  if (vowels == 1 && w.size() >= 3 && !IsVowel(w.back()) && w.back() != 'w' && w.back() != 'x' &&
      w.back() != 'y' && IsVowel(w[w.size() - 2]) && !IsVowel(w[w.size() - 3])) {
    return w + w.back() + "ed";
  }
  return w + "ed";
}

}  // namespace

std::vector<std::string> BuiltinParser::WordForms(const std::string& value, bool verbs) {
  std::vector<std::string> words = Split(ToLower(value), '_');
  words.erase(std::remove(words.begin(), words.end(), std::string()), words.end());
  if (words.empty()) return {};
  std::vector<std::string> forms;
  const std::string spaced = Join(words, " ");
  std::vector<std::string> plural_words = words;
  plural_words.back() = Plural(plural_words.back());
  forms.push_back(spaced);
  forms.push_back(Join(plural_words, " "));
  if (!verbs) return forms;
  if (words.size() == 1) {
    forms.push_back(Past(words[0]));
  } else if (words.size() == 2) {
    // "email click": emails clicked, emails were clicked, clicked an email, clicked emails.
    const std::string noun = words[0], nouns = Plural(words[0]), past = Past(words[1]);
    for (const std::string& f : {nouns + " " + past, nouns + " were " + past, noun + " " + past,
                                 noun + " was " + past, past + " " + noun, past + " " + nouns, past + " an " + noun,
                                 past + " a " + noun, past + " the " + noun, past + " on " + noun,
                                 past + " on " + nouns}) {
      forms.push_back(f);
    }
  }
  return forms;
}

std::string BuiltinParser::Correct(const std::string& word) const {
  static const std::regex kAlpha(R"([a-z][a-z'\-]*)");
  if (word.size() < 4 || !std::regex_match(word, kAlpha)) return word;
  // Number words are never typos of other words ("five stars" is not "give stars").
  if (StarCount(word) >= 0 || word == "six" || word == "seven" || word == "eight" || word == "nine" || word == "ten") {
    return word;
  }
  if (std::binary_search(vocabulary_.begin(), vocabulary_.end(), word) || IsFiller(word) ||
      !Superlative(word).empty() || MonthNumber(word) || IsRefusalWord(word)) {
    return word;
  }
  const int max = word.size() >= 8 ? 2 : 1;
  std::string best = word;
  int best_d = max + 1;
  for (const auto& v : vocabulary_) {
    int d = EditDistance(word, v, max);
    if (d < best_d) {
      best_d = d;
      best = v;
    }
  }
  return best;
}

namespace {

// The meaning of a phrase at this place: after "by"/"per" a dimension reads best; a value
// needs its context word; otherwise conditions beat measures beat dimensions.
std::optional<BuiltinParser::Entry> Choose(const std::vector<BuiltinParser::Entry>& entries, const State& s,
                                           size_t start, const SemanticModel& model) {
  const bool grouping = start > 0 && IsGroupingWord(s.Word(start - 1));
  auto rank = [&](const BuiltinParser::Entry& e) -> int {
    if (e.kind == Kind::kValue) {
      const Dimension* d = model.FindDimension(e.name);
      if (d->value_context.empty()) return 4;
      bool ok = std::any_of(d->value_context.begin(), d->value_context.end(), [&](const std::string& w) { return s.Has(w); });
      return ok ? 0 : -1;
    }
    if (e.kind == Kind::kDimension) return grouping ? 0 : 3;
    if (e.kind == Kind::kCondition) return 1;
    if (e.kind == Kind::kVerb) return 5;
    return 2;  // measure
  };
  std::optional<BuiltinParser::Entry> best;
  int best_rank = 100;
  for (const auto& e : entries) {
    int r = rank(e);
    if (r >= 0 && r < best_rank) {
      best_rank = r;
      best = e;
    }
  }
  return best;
}

void LexiconPass(State& s, const std::map<std::string, std::vector<BuiltinParser::Entry>>& lexicon, size_t longest,
                 const SemanticModel& model) {
  size_t i = 0;
  while (i < s.tokens.size()) {
    bool matched = false;
    for (size_t len = std::min(longest, s.tokens.size() - i); len >= 1 && !matched; --len) {
      bool free = true;
      std::vector<std::string> words;
      for (size_t k = i; k < i + len; ++k) {
        free = free && s.Free(k);
        words.push_back(s.Word(k));
      }
      if (!free) continue;
      auto it = lexicon.find(Join(words, " "));
      if (it == lexicon.end()) continue;
      auto pick = Choose(it->second, s, i, model);
      if (!pick) continue;
      Mention mention{pick->kind, pick->name, pick->value, i, i + len, words.back(), false};
      for (const auto& e : it->second) {
        if (e.kind == pick->kind && e.name != pick->name) mention.alternatives.push_back(e.name);
      }
      s.mentions.push_back(std::move(mention));
      s.Use(i, len);
      i += len;
      matched = true;
    }
    if (!matched) ++i;
  }
}

}  // namespace

ParseOutcome BuiltinParser::Parse(const std::string& question) const {
  ParseOutcome out;
  State s;
  s.tokens = Tokenize(question);
  for (Token& t : s.tokens) {
    if (!IsNumber(t.text)) t.text = Correct(t.text);
    out.tokens.push_back(t.text);
  }
  s.used.assign(s.tokens.size(), false);
  if (s.tokens.empty()) {
    out.reason = "the question is empty";
    return out;
  }
  TimeRangePass(s);
  GrainPass(s);
  TopPass(s);
  StarPass(s);
  ComparatorPass(s);
  CustomerIdPass(s);
  LexiconPass(s, lexicon_, longest_phrase_, model_);
  SharePass(s);
  SuperlativePass(s);
  return internal::Resolve(std::move(s), std::move(out), model_);
}

}  // namespace custintel::ask
