// Claims a sentence makes beyond its figures (grounding rule 4, issue 21): places, groups of
// people, causes, channels, habits and time expressions. A sentence may hold such a word only
// when the sheet's vocabulary (the stems of its fact labels and names, snippets, entities and
// title: SupportIndex) has it; otherwise the sentence states something the data never said
// ("Most of them live in Norway and shop at night.").
//
//   std::vector<ClaimWord> c = UnsupportedClaimWords(tt, tt.sentences[3], index.vocab(), name_spans);
//   // {"Norway", "name"}, {"night", "habit"}
//
// What counts as a claim word:
//  - a word of insight/assets/claim_words.tsv (hand-written: coastal, parents, students,
//    weather, competitor, instagram, newsletter, night, weekend, bulk, christmas, ...);
//  - a content word after a cause marker in its clause ("because of X", "due to X", "driven
//    mainly by X", "thanks to X", "the reason is X");
//  - a capitalised word inside a sentence that no known name covers and that is neither an
//    ordinary capitalised word (weekdays, acronyms: grounding_words.h), an id with digits
//    ("N021"), a list label or a quote opener (a place or a brand: "Norway", "Nimbus").
//
// Thread safety: pure functions over an immutable table.
#pragma once

#include <string>
#include <vector>

#include "insight/grounding/grounding_numbers.h"
#include "insight/grounding/grounding_words.h"
#include "text/tokenizer.h"

namespace custintel::insight {

struct ClaimWord {
  std::string word;  // as written
  std::string kind;  // place | group | cause | channel | habit | time | name
};

// The claim words of sentence `s` that `vocab` lacks, in text order (each stem once).
// `known_names`: byte ranges of names the text uses that exist (their words are not claims).
std::vector<ClaimWord> UnsupportedClaimWords(const text::TokenizedText& tt, const text::Sentence& s,
                                             const StemSet& vocab, const SpanList& known_names);

}  // namespace custintel::insight
