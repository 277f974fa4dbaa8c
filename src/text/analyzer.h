// One entry point for one text: cleaning (UTF-8 repair, HTML), sentiment, themes with
// polarity, key phrases, a one-sentence summary, and optionally ticket triage, PII masking
// and a tenant's domain sentiment. Tokenises once; everything else reuses the tokens.
//
//   Analysis a = Analyze("<p>Fast shipping but the case cracked!!</p>");
//   std::cout << a.ToJson().dump();   // {"score":-0.4,"label":"negative","themes":[...],...}
//
// A rating, when given, is reported beside the text score and never mixed into it.
// Thread safety: Analyze is reentrant; the lexicon/taxonomy it uses are immutable.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "text/domain_sentiment.h"
#include "text/lexicon.h"
#include "text/pii.h"
#include "text/sentiment.h"
#include "text/summary.h"
#include "text/themes.h"
#include "text/triage.h"

namespace custintel::text {

struct AnalyzeOptions {
  SummaryOptions summary;               // summary length
  std::size_t max_keyphrases = 5;
  bool triage = false;                  // also triage the text as a support ticket
  TriageOptions triage_options;         // playbook notes for the suggested resolution
  bool mask_pii = false;                // analyse (and summarise) the masked text
  PiiOptions pii;                       // what to mask, known customer names
  std::optional<int> rating;            // reported beside the score, never blended into it
  const DomainModel* domain = nullptr;  // a tenant's learned weights; null = lexicon only
  double domain_weight = 0.5;           // share of the domain score in "score" when domain is set
  const Lexicon* lexicon = nullptr;     // null = embedded default
  const Taxonomy* taxonomy = nullptr;   // null = embedded default
};

struct Analysis {
  double score = 0;                    // final compound in [-1, 1] (lexicon, or blended with domain)
  std::string label;                   // very_negative ... very_positive, from `score`
  SentimentResult sentiment;           // lexicon sentiment with per-sentence scores
  std::optional<double> domain_score;  // the domain model's own score, when one was given
  std::optional<int> rating;
  ThemeResult themes;
  std::string summary;
  std::optional<TicketTriage> triage;
  std::size_t bytes = 0;               // input size
  std::size_t invalid_utf8_replaced = 0;
  bool html_stripped = false;
  std::map<std::string, int> pii_counts;  // kind -> masked values (when mask_pii)
  std::vector<PiiReplacement> pii_mapping;  // sensitive: never serialised, never logged

  // Everything except pii_mapping.
  nlohmann::json ToJson() const;
};

Analysis Analyze(std::string_view text, const AnalyzeOptions& options = {});

}  // namespace custintel::text
