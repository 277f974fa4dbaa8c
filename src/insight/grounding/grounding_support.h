// Sentence support for the grounding evaluator (grounding rule 3): how much of a sentence the
// facts and snippets of its subject back.
//
//   SupportIndex index(sheet);
//   SentenceSupport s = index.Lexical(tt, tt.sentences[2], /*matched_numbers=*/1);
//   // s.support == 0.6: 2 of 4 content words (stemmed) occur in the sheet, plus 1 matched number
//
// The vocabulary of a sheet: the stemmed words of its fact labels and names, snippets,
// entities, title and subject id. A sentence's content words are its words minus stop words
// and framing words every insight uses ("customers", "segment", "average"); numbers count
// through the caller (a number that matched a fact supports its sentence). A sentence with
// fewer than two content words and numbers claims too little to judge and counts as supported;
// so does a heading or a label that introduces a list ("# Actions", "Suggested actions:").
// Given an embedder, EmbeddingSupport adds the best cosine similarity of a sentence to any
// snippet or fact label (ai::AiService::Embed), for sentences the words alone do not support.
//
// Thread safety: a SupportIndex is immutable after construction.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "core/status.h"
#include "insight/grounding/facts.h"
#include "insight/grounding/grounding_words.h"
#include "text/tokenizer.h"

namespace custintel::ai {
class AiService;
}

namespace custintel::insight {

struct SentenceSupport {
  double support = 1;                    // in [0, 1]
  int content = 0;                       // content words + matched numbers judged
  std::vector<std::string> unsupported;  // content words the sheet does not have
};

class SupportIndex {
 public:
  explicit SupportIndex(const FactSheet& sheet);
  SentenceSupport Lexical(const text::TokenizedText& tt, const text::Sentence& s, int matched_numbers) const;
  // The stems of the sheet's fact labels and names, snippets, entities, title and subject id.
  const StemSet& vocab() const { return vocab_; }

 private:
  StemSet vocab_;
};

// For each sentence, the best cosine similarity to a snippet or a fact label of `sheet`.
Result<std::vector<double>> EmbeddingSupport(ai::AiService& embedder, const std::vector<std::string>& sentences,
                                             const FactSheet& sheet);

}  // namespace custintel::insight
