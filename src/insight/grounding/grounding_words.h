// Word-level helpers shared by the grounding evaluator's entity and support checks: a light
// stemmer, the token keys of a name, and the small word lists the checks rely on.
//
//   Stem("deliveries") == Stem("delivered") == "delive"
//   NameKeys("Tea Bags (80)") == {"tea", "bags", "80"}
//
// Thread safety: pure functions over immutable tables (WordsOf memoises per thread).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "text/tokenizer.h"

namespace custintel::insight {

// Strips a possessive, a plural and -ing/-ed/-ly endings, then keeps at most six characters:
// enough to make "delivery", "deliveries" and "delivered" one key without a dictionary.
std::string Stem(std::string_view norm);

// A token's case-folded form without a trailing possessive ("regular's" -> "regular").
std::string BareNorm(const text::Token& t);

// The case-folded word and number tokens of a name, in order.
std::vector<std::string> NameKeys(std::string_view name);

// NameKeys of a text and the Stem of each key. Memoised per thread: the sheets of a batch
// repeat the same fact labels, playbook snippets and product names, and tokenising them again
// for every sheet was most of the cost of indexing one. A thread's memo holds at most 4,096
// texts (it is emptied when full): bounded memory, and the same words as computed afresh.
struct TextWords {
  std::vector<std::string> keys;   // NameKeys(text)
  std::vector<std::string> stems;  // Stem(keys[i])
};
std::shared_ptr<const TextWords> WordsOf(std::string_view text);

// A set of stems that borrows the stems of WordsOf's results (holding them alive) instead of
// copying each into the set: a sheet's vocabulary is built for every subject, a million times in
// a run. Movable, not copyable (the set points into what it holds).
class StemSet {
 public:
  StemSet() = default;
  StemSet(const StemSet&) = delete;
  StemSet& operator=(const StemSet&) = delete;
  StemSet(StemSet&&) = default;
  StemSet& operator=(StemSet&&) = default;

  void AddText(std::string_view text);  // every stem of WordsOf(text)
  void Add(std::string stem);           // one stem, owned here
  bool Has(std::string_view stem) const { return set_.count(stem) > 0; }

 private:
  std::vector<std::shared_ptr<const TextWords>> held_;
  std::vector<std::unique_ptr<std::string>> owned_;  // stable addresses
  std::unordered_set<std::string_view> set_;
};

// True when the token is a word whose first letter is upper case.
bool IsCapitalised(const text::TokenizedText& tt, const text::Token& t);

// Words that are capitalised without naming a thing of the data: weekdays, months, "I",
// common business acronyms (LTV, CLV, RFM, NPS, VIP ...).
bool IsOrdinaryCapitalised(std::string_view norm);

// Words that often open a sentence or modify a cue word without being a name: "top",
// "largest", "recurring", "customers" ... (plus the text engine's stop words).
bool IsOrdinaryModifier(std::string_view norm);

// Words every insight uses to frame its figures ("customers", "segment", "average", "share"):
// they neither support a sentence nor count against it.
bool IsFramingWord(std::string_view norm);

// "product", "segment", "theme", "category" and their plurals: words that announce a name.
// Returns the kind announced ("product", "segment", "theme", "category") or "".
std::string_view CueKind(std::string_view norm);

}  // namespace custintel::insight
