// Number extraction and matching for the grounding evaluator; the rules are in the header.
#include "insight/grounding/grounding_numbers.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/money.h"

namespace custintel::insight {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c) || c == '_'; }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerStr(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

constexpr std::string_view kMonths[] = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"};
constexpr std::string_view kYearCues[] = {"in", "since", "during", "of", "by", "from", "until",
                                                       "till", "to", "before", "after", "year", "fy", "early",
                                                       "late", "mid"};
constexpr std::string_view kOrdinalCues[] = {"top", "no", "step", "tier", "option",
                                                          "phase", "level", "rank", "ranked", "number"};
constexpr std::string_view kHedges[] = {"about", "around", "roughly", "approximately",
                                                    "approx", "nearly", "almost", "some"};
constexpr std::string_view kAtLeastCues[] = {"over", "above", "exceeds", "exceeding", "upwards", "least"};

template <size_t N>
bool In(const std::string_view (&list)[N], std::string_view w) {
  return std::find(list, list + N, w) != list + N;
}

// The lower-cased word ending just before `pos` (skipping spaces); "" when none.
std::string WordBefore(std::string_view t, size_t pos, size_t* word_begin = nullptr) {
  size_t e = pos;
  while (e > 0 && (t[e - 1] == ' ' || t[e - 1] == '\t')) --e;
  if (e > 0 && t[e - 1] == '.') --e;  // "No. 2"
  size_t b = e;
  while (b > 0 && IsAlpha(t[b - 1])) --b;
  if (word_begin) *word_begin = b;
  return LowerStr(t.substr(b, e - b));
}

// The lower-cased word starting at or after `pos` (skipping spaces), and where it ends.
std::string WordAfter(std::string_view t, size_t pos, size_t* word_end = nullptr) {
  size_t b = pos;
  while (b < t.size() && (t[b] == ' ' || t[b] == '\t')) ++b;
  size_t e = b;
  while (e < t.size() && IsAlpha(t[e])) ++e;
  if (word_end) *word_end = e;
  return LowerStr(t.substr(b, e - b));
}

bool StartsWith(std::string_view s, size_t pos, std::string_view p) { return s.substr(pos, p.size()) == p; }

class NumberScanner {
 public:
  NumberScanner(std::string_view text, const SpanList& skip) : t_(text), skip_(skip) {}

  std::vector<NumberMention> Run() {
    while (i_ < t_.size()) {
      if (!IsDigit(t_[i_])) { ++i_; continue; }
      if (i_ > 0 && (IsAlnum(t_[i_ - 1]) || t_[i_ - 1] == '.')) { SkipAlnum(); continue; }
      Scan();
    }
    return std::move(out_);
  }

 private:
  void SkipAlnum() {
    while (i_ < t_.size() && (IsAlnum(t_[i_]) || ((t_[i_] == '.' || t_[i_] == ',') && i_ + 1 < t_.size() &&
                                                   IsDigit(t_[i_ + 1])))) {
      ++i_;
    }
  }

  bool InSkipSpan(size_t pos) const {
    for (const auto& [b, e] : skip_) {
      if (pos >= b && pos < e) return true;
    }
    return false;
  }

  // Reads "1,234.56" at i_; sets the numeral's end, decimals and trailing zeros of the integer.
  size_t ReadNumeral(int* decimals, int* int_trailing_zeros) {
    size_t j = i_;
    while (j < t_.size() && IsDigit(t_[j])) ++j;
    while (j + 3 < t_.size() && t_[j] == ',' && IsDigit(t_[j + 1]) && IsDigit(t_[j + 2]) && IsDigit(t_[j + 3]) &&
           (j + 4 >= t_.size() || !IsDigit(t_[j + 4]))) {
      j += 4;
    }
    size_t int_end = j;
    *decimals = 0;
    if (j + 1 < t_.size() && t_[j] == '.' && IsDigit(t_[j + 1])) {
      ++j;
      while (j < t_.size() && IsDigit(t_[j])) ++j, ++*decimals;
    }
    *int_trailing_zeros = 0;
    for (size_t k = int_end; k > i_ && (t_[k - 1] == '0' || t_[k - 1] == ','); --k) {
      if (t_[k - 1] == '0') ++*int_trailing_zeros;
    }
    return j;
  }

  bool IsListOrdinal(size_t end) const {
    size_t b = i_;
    while (b > 0 && t_[b - 1] != '\n') {
      char c = t_[b - 1];
      if (c != ' ' && c != '\t' && c != '-' && c != '*') return false;
      --b;
    }
    return end < t_.size() && (t_[end] == '.' || t_[end] == ')') &&
           (end + 1 >= t_.size() || t_[end + 1] == ' ' || t_[end + 1] == '\n');
  }

  bool IsOrdinalOrDate(size_t end, int decimals, bool grouped) {
    if (IsListOrdinal(end)) return true;
    if (end < t_.size() && t_[end] == ')' && (i_ == 0 || t_[i_ - 1] != '(')) return true;  // "1) refund", "2) offer"
    if (i_ > 0 && t_[i_ - 1] == '#') return true;
    std::string before = WordBefore(t_, i_);
    if (In(kOrdinalCues, before)) return true;
    if (decimals > 0 || grouped) return false;
    long v = std::strtol(std::string(t_.substr(i_, end - i_)).c_str(), nullptr, 10);
    std::string after = WordAfter(t_, end);
    if (v >= 1 && v <= 31 && (In(kMonths, before) || In(kMonths, after))) return true;  // "March 15", "15 March"
    bool four = end - i_ == 4;
    if (four && v >= 1900 && v <= 2100 && (In(kYearCues, before) || In(kMonths, before) || In(kMonths, after))) return true;
    size_t wb = 0;
    if (WordBefore(t_, i_, &wb) == "of" && WordBefore(t_, wb) == "out") return true;  // "4 out of 5"
    return false;
  }

  // Dates, times and ratings glued by - / : ; returns the end to skip to, or 0.
  size_t DateTimeEnd(size_t end, size_t* rating_end) {
    *rating_end = 0;
    if (end + 1 >= t_.size() || !IsDigit(t_[end + 1])) return 0;
    char sep = t_[end];
    if (sep != '-' && sep != '/' && sep != ':') return 0;
    size_t k = end + 1;
    while (k < t_.size() && (IsDigit(t_[k]) || ((t_[k] == '-' || t_[k] == '/' || t_[k] == ':') && k + 1 < t_.size() &&
                                                 IsDigit(t_[k + 1])))) {
      ++k;
    }
    if (sep == '-' && end - i_ != 4) return 0;  // "10-20%" is a range, not a date
    if (sep == '/') {
      std::string den(t_.substr(end + 1, k - end - 1));
      if (den == "5" || den == "10" || den == "100") *rating_end = k;  // "4.2/5": the 4.2 is checked
    }
    return k;
  }

  static bool Word(std::string_view w, std::initializer_list<std::string_view> ws) {
    return std::find(ws.begin(), ws.end(), w) != ws.end();
  }

  void Scan() {
    size_t start = i_;
    if (InSkipSpan(start)) { SkipAlnum(); return; }
    int decimals = 0, zeros = 0;
    size_t end = ReadNumeral(&decimals, &zeros);
    bool grouped = t_.substr(start, end - start).find(',') != std::string_view::npos;
    size_t rating_end = 0;
    if (size_t skip_to = DateTimeEnd(end, &rating_end); skip_to && !rating_end) { i_ = skip_to; return; }
    NumberMention m;
    m.digits = std::string(t_.substr(start, end - start));
    std::string plain;
    for (char c : m.digits) if (c != ',') plain.push_back(c);
    m.value = std::strtod(plain.c_str(), nullptr);
    m.step = std::pow(10.0, -decimals);
    m.hedge_step = decimals == 0 ? std::pow(10.0, zeros) : m.step;
    size_t b = ReadPrefix(start, &m);
    size_t e = rating_end ? end : ReadSuffix(end, &m);
    if (e == std::string_view::npos) { SkipAlnum(); return; }  // glued letters: 500g, 2nd, 9am
    if (e == 0 || (m.kind == NumberKind::kPlain && e == end && IsOrdinalOrDate(end, decimals, grouped))) {
      i_ = end;  // a clock time ("9 pm"), an ordinal, a year or a date
      return;
    }
    ReadBound(b, &m);
    m.begin = b;
    m.end = e;
    m.surface = std::string(t_.substr(b, e - b));
    out_.push_back(std::move(m));
    i_ = std::max(e, rating_end);
  }

  // "$", "-$", "USD ", "€", "£", "~", signs; returns the surface's begin.
  size_t ReadPrefix(size_t start, NumberMention* m) {
    size_t b = start;
    auto money = [&](const char* currency, size_t width) {
      m->kind = NumberKind::kMoney, m->currency = currency, b -= width;
    };
    if (b >= 2 && t_[b - 1] == '$' && t_[b - 2] == 'R' && (b == 2 || !IsAlnum(t_[b - 3]))) money("BRL", 2);
    else if (b > 0 && t_[b - 1] == '$') money("USD", 1);
    else if (b >= 2 && (StartsWith(t_, b - 2, "\xC2\xA3"))) money("GBP", 2);  // £
    else if (b >= 2 && (StartsWith(t_, b - 2, "\xC2\xA5"))) money("JPY", 2);  // ¥
    else if (b >= 3 && (StartsWith(t_, b - 3, "\xE2\x82\xAC"))) money("EUR", 3);  // €
    else if (b >= 4 && t_[b - 1] == ' ' && IsCurrencyCode(t_.substr(b - 4, 3)) && (b == 4 || !IsAlnum(t_[b - 5]))) {
      m->kind = NumberKind::kMoney, m->currency = std::string(t_.substr(b - 4, 3)), b -= 4;  // "BRL 1,235"
    }
    auto sign_context = [&](size_t p) { return p == 0 || !IsAlnum(t_[p - 1]); };
    if (b > 0 && (t_[b - 1] == '-' || t_[b - 1] == '+') && sign_context(b - 1)) {
      m->explicit_sign = true;
      if (t_[b - 1] == '-') m->value = -m->value;
      --b;
    } else if (b >= 3 && StartsWith(t_, b - 3, "\xE2\x88\x92") && sign_context(b - 3)) {  // U+2212 minus
      m->explicit_sign = true;
      m->value = -m->value;
      b -= 3;
    }
    if (b > 0 && t_[b - 1] == '~') m->bound = NumberBound::kAbout, --b;
    return b;
  }

  // Scale suffixes and units; returns the surface's end, npos for glued letters, 0 for a time.
  size_t ReadSuffix(size_t end, NumberMention* m) {
    size_t e = end;
    if (e < t_.size() && IsAlpha(t_[e])) {
      size_t k = e;
      while (k < t_.size() && IsAlpha(t_[k])) ++k;
      if (k < t_.size() && IsDigit(t_[k])) return std::string_view::npos;
      std::string_view w = t_.substr(e, k - e);
      double scale = 0;
      if (w == "k" || w == "K") scale = 1e3;
      else if (w == "M" || (w == "m" && m->kind == NumberKind::kMoney)) scale = 1e6;
      else if (w == "bn" || (w == "B" && m->kind == NumberKind::kMoney)) scale = 1e9;
      else if (w == "x") scale = 1;
      else return std::string_view::npos;
      m->value *= scale;
      m->step *= scale;
      m->hedge_step *= scale;
      e = k;
    }
    return ReadUnit(e, m);
  }

  size_t ReadUnit(size_t e, NumberMention* m) {
    if (e < t_.size() && t_[e] == '%') { m->kind = NumberKind::kPercent; return e + 1; }
    size_t we = 0;
    size_t from = e < t_.size() && t_[e] == '-' ? e + 1 : e;  // "30-day"
    std::string w = WordAfter(t_, from, &we);
    if (Word(w, {"am", "pm"})) return 0;
    if (Word(w, {"percent", "pct"})) { m->kind = NumberKind::kPercent; return we; }
    if (w == "per" && WordAfter(t_, we) == "cent") { m->kind = NumberKind::kPercent; WordAfter(t_, we, &we); return we; }
    if (w == "percentage" || w == "pp" || w == "pts" || w == "points" || w == "point") {
      m->kind = NumberKind::kPercent;
      if (w == "percentage") WordAfter(t_, we, &we);
      return we;
    }
    if (Word(w, {"day", "days"})) { m->kind = NumberKind::kDays; return we; }
    if (Word(w, {"dollars", "usd"}) && m->kind == NumberKind::kPlain) {
      m->kind = NumberKind::kMoney, m->currency = "USD";
      return we;
    }
    if (m->kind == NumberKind::kPlain && e + 4 <= t_.size() && t_[e] == ' ' && IsCurrencyCode(t_.substr(e + 1, 3)) &&
        (e + 4 == t_.size() || !IsAlnum(t_[e + 4]))) {  // "1,235 BRL"
      m->kind = NumberKind::kMoney, m->currency = std::string(t_.substr(e + 1, 3));
      return e + 4;
    }
    return e;
  }

  void ReadBound(size_t b, NumberMention* m) {
    if (m->bound != NumberBound::kExact) return;
    size_t wb = 0;
    std::string w1 = WordBefore(t_, b, &wb);
    std::string w2 = WordBefore(t_, wb);
    if (In(kHedges, w1) || (w1 == "to" && w2 == "close")) m->bound = NumberBound::kAbout;
    else if ((w1 == "than" && Word(w2, {"more", "greater", "higher"})) || (w1 == "of" && w2 == "upwards") ||
             (w1 == "least" && w2 == "at") || In(kAtLeastCues, w1)) m->bound = NumberBound::kAtLeast;
    else if ((w1 == "than" && Word(w2, {"less", "fewer", "lower"})) || (w1 == "most" && w2 == "at") ||
             (w1 == "to" && w2 == "up") || Word(w1, {"under", "below"})) m->bound = NumberBound::kAtMost;
    if (Word(w2, {"just"}) && m->bound != NumberBound::kExact) m->bound = NumberBound::kAbout;
  }

  std::string_view t_;
  const SpanList& skip_;
  size_t i_ = 0;
  std::vector<NumberMention> out_;
};

// A money fact of a known currency matches money in that currency (or money naming none); one
// of unknown currency is printed bare, so a plain number matches it too.
bool CurrencyFits(const NumberMention& m, const Fact& fact) {
  if (fact.unit != FactUnit::kMoney) return true;
  const std::string code = CurrencyCode(fact.currency);
  // Printed bare (no currency), or with a code or symbol the reader does not take for money.
  if (m.kind == NumberKind::kPlain) return code.empty() || !IsCurrencyCode(code);
  if (m.kind != NumberKind::kMoney || m.currency.empty() || code.empty()) return true;
  return m.currency == code;
}

bool UnitCompatible(const NumberMention& m, FactUnit unit) {
  switch (m.kind) {
    case NumberKind::kPercent: return unit == FactUnit::kPercent;
    case NumberKind::kMoney: return unit == FactUnit::kMoney;
    case NumberKind::kDays: return unit == FactUnit::kDays;
    case NumberKind::kPlain: return unit == FactUnit::kCount || unit == FactUnit::kScore || unit == FactUnit::kDays;
  }
  return false;
}

// The number FormatFact prints, in the text's scale (34.5 for "34.5%", 1235 for "$1,235").
double PrintedValue(const Fact& f) {
  std::string s;
  for (char c : FormatFact(f)) {
    if (IsDigit(c) || c == '.' || c == '-') s.push_back(c);
  }
  return std::strtod(s.c_str(), nullptr);
}

bool Close(const NumberMention& m, double fact_value) {
  double t = m.value, f = fact_value;
  if (!m.explicit_sign) t = std::fabs(t), f = std::fabs(f);
  double tol = 0.5 * m.step + 1e-9 * std::max(1.0, std::fabs(t));
  switch (m.bound) {
    case NumberBound::kExact: return std::fabs(t - f) <= tol;
    case NumberBound::kAbout: return std::fabs(t - f) <= std::max(tol, std::min(0.5 * m.hedge_step, 0.05 * std::fabs(t)));
    case NumberBound::kAtLeast: return f >= t - tol && f <= t * 1.2 + tol;
    case NumberBound::kAtMost: return f <= t + tol && f >= t * 0.8 - tol;
  }
  return false;
}

// Magnitudes compared in the text's scale: percent facts hold fractions.
double InTextScale(const NumberMention& m, const Fact& f) {
  return (f.unit == FactUnit::kPercent && m.kind == NumberKind::kPercent) ? f.value * 100 : f.value;
}

bool SameKind(NumberKind a, NumberKind b) {
  auto plainish = [](NumberKind k) { return k == NumberKind::kPlain || k == NumberKind::kDays; };
  return a == b || (plainish(a) && plainish(b));
}

// A number of a snippet of the same kind equal at the precision the text shows: "9 days" in
// "Arrived 9 days late", but not "12%" because a snippet says "12 months".
bool InSnippet(const NumberMention& m, const SheetNumbers& sheet) {
  for (const NumberMention& n : sheet.snippet_numbers()) {
    if (SameKind(n.kind, m.kind) && std::fabs(std::fabs(n.value) - std::fabs(m.value)) <= 0.5 * m.step + 1e-9) {
      return true;
    }
  }
  return false;
}

// NumberMatchesFact with the fact's print read once.
bool MatchesFact(const NumberMention& m, const Fact& fact, double printed) {
  const bool bare_money = m.kind == NumberKind::kPlain && fact.unit == FactUnit::kMoney;
  if (!(UnitCompatible(m, fact.unit) || bare_money) || !CurrencyFits(m, fact)) return false;
  return Close(m, InTextScale(m, fact)) || Close(m, printed);
}

std::string UnsupportedDetail(const NumberMention& m, const FactSheet& sheet) {
  const Fact* closest = nullptr;
  double best = std::numeric_limits<double>::infinity();
  for (const Fact& f : sheet.facts) {
    NumberMention as_fact = m;
    as_fact.kind = f.unit == FactUnit::kPercent ? NumberKind::kPercent
                   : f.unit == FactUnit::kMoney ? NumberKind::kMoney
                                                : NumberKind::kPlain;
    if (!UnitCompatible(m, f.unit) && NumberMatchesFact(as_fact, f)) {
      return fmt::format("'{}' is written as {} but equals the {} fact '{}' ({}): state it in that unit", m.surface,
                         NumberKindName(m.kind), FactUnitName(f.unit), f.name, FormatFact(f));
    }
    if (!UnitCompatible(m, f.unit)) continue;
    double d = std::fabs(std::fabs(InTextScale(m, f)) - std::fabs(m.value));
    if (d < best) best = d, closest = &f;
  }
  std::string what = fmt::format("'{}' matches no {} fact of {} and appears in no snippet", m.surface,
                                 NumberKindName(m.kind), sheet.title.empty() ? "this subject" : sheet.title);
  if (!closest) return what + "; remove it or state only the facts given";
  return fmt::format("{} (closest: {} = {}, {}); use the fact as printed or remove the number", what, closest->name,
                     FormatFact(*closest), closest->label.empty() ? std::string(FactUnitName(closest->unit)) : closest->label);
}

}  // namespace

std::string_view NumberKindName(NumberKind kind) {
  static constexpr std::string_view kNames[] = {"number", "percent", "money", "days"};
  return kNames[static_cast<int>(kind)];
}

std::vector<NumberMention> ExtractNumbers(std::string_view text, const SpanList& skip) {
  return NumberScanner(text, skip).Run();
}

bool NumberMatchesFact(const NumberMention& m, const Fact& fact) { return MatchesFact(m, fact, PrintedValue(fact)); }

SheetNumbers::SheetNumbers(const FactSheet& sheet) : sheet_(sheet) {
  printed_.reserve(sheet.facts.size());
  for (const Fact& f : sheet.facts) printed_.push_back(PrintedValue(f));
  for (const Snippet& s : sheet.snippets) {
    for (NumberMention& n : ExtractNumbers(s.text, {})) snippet_numbers_.push_back(std::move(n));
  }
}

NumberVerdict MatchNumber(const NumberMention& mention, const SheetNumbers& numbers) {
  const FactSheet& sheet = numbers.sheet();
  NumberVerdict v;
  for (size_t i = 0; i < sheet.facts.size(); ++i) {
    if (MatchesFact(mention, sheet.facts[i], numbers.printed(i))) v.facts.push_back(&sheet.facts[i]);
  }
  v.from_snippet = InSnippet(mention, numbers);
  v.supported = v.from_snippet || !v.facts.empty();
  if (!v.facts.empty()) v.fact = v.facts[0];
  if (!v.supported) v.detail = UnsupportedDetail(mention, sheet);
  return v;
}

NumberVerdict MatchNumber(const NumberMention& mention, const FactSheet& sheet) {
  return MatchNumber(mention, SheetNumbers(sheet));
}

}  // namespace custintel::insight
