// Extractive one-sentence summary: picks the sentence that best stands for the text
// (centrality: shares its words with the others; position: openings state the point;
// informativeness: content words, sentiment, length) and trims it to N words, preferring to
// cut at a clause boundary.
//
//   std::string s = Summarize("Arrived late. The blender itself is superb, crushes ice...");
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "text/sentiment.h"
#include "text/tokenizer.h"

namespace custintel::text {

struct SummaryOptions {
  std::size_t max_words = 25;  // the summary never has more words than this
};

std::string Summarize(std::string_view text, const SummaryOptions& options = {});
// Same, over an already tokenised text and its sentiment detail (no re-tokenising).
std::string Summarize(const TokenizedText& t, const SentimentDetail& sentiment,
                      const SummaryOptions& options = {});

}  // namespace custintel::text
