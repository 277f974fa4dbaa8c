// Domain adaptation in the pipeline: the tenant's own rated reviews (ratings 4–5 positive, 1–2
// negative) teach word and bigram weights (domain_sentiment.h) that are blended with the lexicon
// for review sentiment — only when the blend measurably beats the lexicon on held-out reviews
// of the same tenant. Every measurement is kept in gold.sentiment_domain. The model's version
// (which steps when the rated set grows by a quarter) enters the reviews' input hash: a new
// version re-analyses them, otherwise only new or changed reviews are analysed.
//
// Thread safety: uses the caller's connection; the returned model is immutable.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "store/database.h"
#include "text/domain_sentiment.h"

namespace custintel::pipeline {

struct DomainStepOptions {
  // Learn only from reviews written on or before this time (a run's as-of, canonical
  // timestamp; silver.reviews_as_of); empty = every review.
  std::string as_of;
  // Fewer rated (non-3-star) reviews than this: nothing to learn from, lexicon only.
  int64_t min_rated = 200;
  // Rated reviews used at most (the most recent first); bounds time on big tenants.
  int64_t max_rated = 50000;
  // The blend is used only when its held-out macro-F1 beats the lexicon's by this much.
  double min_gain = 0.01;
  text::BlendEvalOptions eval;
};

struct DomainChoice {
  std::optional<text::DomainModel> model;  // set when the blend is used
  double weight = 0.5;               // the domain score's share in the blend
  std::string fingerprint;           // model version; "" when not used; part of the input hash
  std::string note;                  // one line for the run report
};

// Measures lexicon vs blend on the tenant's rated reviews, records the measurement in
// gold.sentiment_domain and returns the model to use (or none).
Result<DomainChoice> ChooseDomainModel(store::Connection& conn, const DomainStepOptions& options = {});

}  // namespace custintel::pipeline
