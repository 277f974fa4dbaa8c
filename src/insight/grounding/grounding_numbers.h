// Numbers in an insight text and whether a fact sheet supports them (grounding rule 1).
//
//   std::vector<NumberMention> ns = ExtractNumbers("1,035 customers (34.5% of all), LTV $1.2k", {});
//   // ns[0] {value 1035, kPlain}, ns[1] {34.5, kPercent, step 0.1}, ns[2] {1200, kMoney, step 100}
//   NumberVerdict v = MatchNumber(ns[1], sheet);   // v.fact -> the 0.3453 percent fact
//
// What counts as a number (checked): digits with optional thousands separators and decimals,
// a sign (- + or U+2212), "$" / "USD" / "dollars" (money), "%" / "percent" / "percentage
// points" / "pp" / "pts" (percent), "k" / "K" / "M" / "bn" suffixes (x1e3, x1e6, x1e9),
// "N day(s)" (days) and "2.1x" (a plain multiplier).
// What is not (skipped, never flagged):
//   - numbers written as words ("three strategies", "one in five"): mostly structure, and a
//     word number is too ambiguous to hold against a fact;
//   - list ordinals: "1." opening a line, "2)" anywhere (but "(823)" is a number), "#3",
//     "No. 2", "top 3", "1st";
//   - years (1900..2100 after a date word: in, since, during, of, by, from, until, year, a
//     month name ...), dates (2024-03-15, 15/03, "March 15", "15 March"), clock times (18:00,
//     "9 pm"), the scale of a rating ("out of 5");
//   - digits glued to letters (C00042, 500g, 1kg, Q3) and numbers inside a span the caller
//     marks as a name (a catalog product such as "Tea Bags (80)").
//
// Matching: a number is supported when it equals a fact of a compatible unit at the precision
// the text shows, or when a snippet of the sheet states it (a number of the same kind — percent,
// money, or plain/days — equal at the precision the text shows). Compatible:
// percent <-> percent facts, money <-> money facts, days <-> days facts, plain <-> count, score
// and days facts. "At the precision shown": |text - fact| <= half a unit of the text's last
// digit ("34%" covers [33.5, 34.5]), against the fact's stored value or its FormatFact print
// (a writer may round the printed 34.5% to 35%). A number with no sign compares by magnitude
// ("5% lower" for a -0.05 delta); an explicit sign must agree. Hedges ("about", "around",
// "roughly", "nearly", "some", "~") also accept rounding to the last non-zero digit of a whole
// number ("about 1,000" for 1,035) but never by more than 5%; bounds ("over", "more than",
// "at least" / "under", "less than", "below") accept a fact on the stated side within 20%.
//
// Thread safety: pure functions; a SheetNumbers is immutable after construction.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "insight/grounding/facts.h"

namespace custintel::insight {

enum class NumberKind { kPlain, kPercent, kMoney, kDays };
std::string_view NumberKindName(NumberKind kind);  // "number", "percent", "money", "days"

enum class NumberBound { kExact, kAbout, kAtLeast, kAtMost };

struct NumberMention {
  size_t begin = 0, end = 0;  // byte range of the whole surface ("$1.2k", "34.5%", "42 days")
  std::string surface;
  std::string digits;         // the numeral as written, without sign/unit: "1,035", "1.2"
  double value = 0;           // as the text means it: 34.5 for "34.5%", 1200 for "$1.2k"
  double step = 1;            // one unit of the last digit shown, scaled: 0.1 for "34.5%", 100 for "$1.2k"
  double hedge_step = 1;      // like step, but to the last non-zero digit of a whole number
  NumberKind kind = NumberKind::kPlain;
  NumberBound bound = NumberBound::kExact;
  bool explicit_sign = false;
  // kMoney: the currency the text wrote, upper-case ("USD" for "$", "EUR", "GBP", "BRL" for
  // "BRL 1,235" or "R$"); "" when it named none (a money fact then matches a plain number
  // only when the data has no currency either).
  std::string currency;
};

// Byte ranges [begin, end) whose numbers belong to a name and are skipped.
using SpanList = std::vector<std::pair<size_t, size_t>>;

std::vector<NumberMention> ExtractNumbers(std::string_view text, const SpanList& skip);

struct NumberVerdict {
  bool supported = false;
  const Fact* fact = nullptr;    // the first matching fact, when one matched
  std::vector<const Fact*> facts;  // every matching fact, in sheet order
  bool from_snippet = false;     // stated by a snippet
  std::string detail;            // when unsupported: why, and the closest fact of the same unit
};

// The numbers of one sheet read once: each fact's FormatFact print (as a number in the text's
// scale) and every number its snippets state. MatchNumber needs both for every mention; a
// batch builds them once per sheet (SheetIndex, grounding_sheet.h) instead of per mention.
// Immutable; refers to `sheet`, which must outlive it.
class SheetNumbers {
 public:
  explicit SheetNumbers(const FactSheet& sheet);

  const FactSheet& sheet() const { return sheet_; }
  double printed(size_t fact) const { return printed_[fact]; }  // by index in sheet().facts
  const std::vector<NumberMention>& snippet_numbers() const { return snippet_numbers_; }

 private:
  const FactSheet& sheet_;
  std::vector<double> printed_;
  std::vector<NumberMention> snippet_numbers_;  // of every snippet, in sheet order
};

NumberVerdict MatchNumber(const NumberMention& mention, const SheetNumbers& sheet);
NumberVerdict MatchNumber(const NumberMention& mention, const FactSheet& sheet);  // reads the sheet on each call

// True when `mention` equals `fact` under the rules above (unit compatibility included).
bool NumberMatchesFact(const NumberMention& mention, const Fact& fact);

}  // namespace custintel::insight
