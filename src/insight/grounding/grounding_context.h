// Whether a number that equals a fact sits where that fact belongs (grounding rule 1, its
// second half: "a number that only matches another subject's fact is wrong" — and a number
// that only matches the wrong fact of this subject is wrong too).
//
//   FactContext context(sheet);
//   std::string why = context.WrongPlace(mention, verdict.facts, ClauseStems(tt, sentence, mention.begin, scan.name_spans));
//   // "They bring about 11% of all revenue." with revenue_share 41.1% and avg_churn_risk 10.8%:
//   // why == "'about 11%' equals avg_churn_risk (average churn risk), but the sentence is about
//   //         revenue_share (share of all revenue) = 41.1%"
//
// The rule is conservative: a number is in the wrong place only when no fact it equals shares
// a content word with the number's clause, while another fact of the same unit does. Clauses
// that name no fact ("1.8k customers, or 21% of the base") are never judged, nor are facts
// whose label has no word of its own ("customers in the segment", "share of all customers").
//
// Thread safety: a FactContext is immutable after construction.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "insight/grounding/facts.h"
#include "insight/grounding/grounding_numbers.h"
#include "text/tokenizer.h"

namespace custintel::insight {

// The stemmed content words of the clause of `s` holding byte `pos`: no stop words, no framing
// words, no words inside a known name (`names`: "At-risk churn" names the subject, not its churn).
std::unordered_set<std::string> ClauseStems(const text::TokenizedText& tt, const text::Sentence& s, size_t pos,
                                            const SpanList& names);

class FactContext {
 public:
  explicit FactContext(const FactSheet& sheet);
  // "" when the number is where a fact it equals belongs; else the flag's detail.
  std::string WrongPlace(const NumberMention& m, const std::vector<const Fact*>& matches,
                         const std::unordered_set<std::string>& sentence) const;

 private:
  bool Talks(const Fact& f, const std::unordered_set<std::string>& sentence) const;
  size_t Index(const Fact& f) const { return static_cast<size_t>(&f - sheet_.facts.data()); }

  const FactSheet& sheet_;
  std::vector<std::unordered_set<std::string>> stems_;  // per fact of the sheet: its label's and name's words
};

}  // namespace custintel::insight
