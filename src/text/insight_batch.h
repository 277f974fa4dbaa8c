// The analysis behind the pipeline's text step, one batch of texts at a time: reviews get
// sentiment, themes with polarity and a summary; tickets also get triage; interaction events
// (chat, support contacts) get sentiment only. This is the one function the step calls, so
// the AI layer can later route it through a backend with the same inputs and outputs.
//
//   std::vector<TextInput> in = {{"Great kettle", "Boils fast but the lid cracked.", 4}};
//   std::vector<TextInsight> out = AnalyzeBatch(TextSource::kReview, in, {});
//   // out[0].score, out[0].label, out[0].summary, out[0].themes_json
//
// Thread safety: reentrant; splits a batch across `threads` worker threads over the shared,
// immutable default lexicon and taxonomy. Output order is input order.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/version.h"
#include "text/domain_sentiment.h"
#include "text/triage.h"

namespace custintel::text {

// What the pipeline records as the analysis' backend and model ("lexicon-vN": bump N when the
// analyzers change behaviour; asset edits are caught by AnalyzerFingerprint()).
inline constexpr std::string_view kInsightBackend = "builtin";
inline constexpr std::string_view kInsightModel = "lexicon-v1";
inline constexpr std::string_view kInsightEngineVersion = kEngineVersion;

enum class TextSource { kReview, kTicket, kEvent };

struct TextInput {
  std::string title;          // review title / ticket subject; may be empty
  std::string body;           // review text / ticket description / event content
  std::optional<int> rating;  // reported beside the score, never mixed in
};

struct TextInsight {
  double score = 0;            // compound sentiment in [-1, 1]
  std::string label;           // very_negative ... very_positive
  std::string summary;         // empty for events
  // [{"theme","name","mentions","positive","negative","score"}]; "[]" for events.
  std::string themes_json = "[]";
  std::optional<TicketTriage> triage;  // tickets only
  // Provenance of a model-written row (text/insight_writer.h): the templates used
  // ("sentiment@1 themes@1 summary@1") and their cache keys in the same order, space-separated.
  // Empty (NULL in gold) for the builtin engine, which input_hash + the fingerprint reproduce.
  std::string template_key;
  std::string cache_key;
};

struct BatchOptions {
  int threads = 0;                          // 0 = hardware concurrency
  std::span<const PlaybookNote> playbooks;  // for ticket resolutions; may be empty
  const DomainModel* domain = nullptr;      // the tenant's learned weights, reviews only
  double domain_weight = 0.5;               // share of the domain score in the blend
};

std::vector<TextInsight> AnalyzeBatch(TextSource source, std::span<const TextInput> inputs,
                                      const BatchOptions& options);

// Below this many texts per thread, starting a thread costs more than it saves (the
// min_per_thread of core/parallel.h for analysing texts).
inline constexpr std::size_t kMinTextsPerThread = 256;

// The text analysed for a title and a body: "title. body" (no extra period when the title
// already ends a sentence), or whichever one is present.
std::string JoinTitleBody(std::string_view title, std::string_view body);

// sha256 hex of the embedded assets the analyzers read (lexicon, modifiers, taxonomy, triage
// rules, stop words) plus kInsightModel: part of every input hash, so a tuned lexicon
// re-analyses what it would score differently.
const std::string& AnalyzerFingerprint();

}  // namespace custintel::text
