// Domain adaptation: per-tenant word and bigram weights learned from the tenant's own rated
// reviews (ratings 4-5 positive, 1-2 negative, 3 ignored) by L2-regularised logistic
// regression (plain SGD, deterministic), blended with the lexicon score. The blend is
// measured, not assumed: EvaluateBlend reports lexicon-only vs blended on a held-out split.
//
//   CI_ASSIGN_OR_RETURN(DomainModel m, DomainModel::Train(rated));
//   double s = BlendScores(lexicon_compound, m.Score(text), 0.5);
//
// Thread safety: a trained DomainModel is immutable; share it across threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "text/lexicon.h"
#include "text/sentiment.h"
#include "text/tokenizer.h"

namespace custintel::text {

struct RatedText {
  std::string text;
  int rating = 0;  // 1..5
};

struct DomainOptions {
  double l2 = 1e-4;            // regularisation strength per example step
  int epochs = 20;
  double learning_rate = 0.5;  // decays as lr / (1 + 0.2 * epoch)
  int min_count = 2;           // features seen in fewer training texts are dropped
  std::uint64_t seed = 42;     // shuffling; same data + seed = same model
};

class DomainModel {
 public:
  // Fails when there are fewer than 5 positive or 5 negative rated texts.
  static Result<DomainModel> Train(std::span<const RatedText> examples, const DomainOptions& options = {});

  double Probability(const TokenizedText& t) const;  // P(positive)
  // Evidence in [-1, 1] relative to the tenant's base rate: 0 for a text with no learned word,
  // so a blend never lets the share of positive reviews outvote the lexicon on unfamiliar text.
  double Score(const TokenizedText& t) const;
  double Score(std::string_view text) const;         // cleans and tokenises
  std::size_t feature_count() const { return weights_.size(); }
  // Learned weight of a feature ("sticky", or a bigram "not sticky"); 0 if unknown.
  double Weight(std::string_view feature) const;

 private:
  StringMap<float> weights_;
  double bias_ = 0;
};

// (1 - w) * lexicon + w * domain, both in [-1, 1].
double BlendScores(double lexicon_compound, double domain_score, double domain_weight);

struct ClassifierFigures {
  double accuracy = 0;
  double macro_f1 = 0;  // over {negative, positive}; a neutral prediction counts as wrong
};

struct BlendReport {
  std::size_t train = 0, test = 0;
  double domain_weight = 0;
  ClassifierFigures lexicon, domain, blended;
  nlohmann::json ToJson() const;
};

struct BlendEvalOptions {
  double holdout = 0.3;        // share of the rated texts kept for testing
  double domain_weight = 0.5;
  DomainOptions domain;
};

// Splits deterministically (by seed), trains on one part, and scores the rest three ways.
Result<BlendReport> EvaluateBlend(std::span<const RatedText> examples, const SentimentAnalyzer& analyzer,
                                  const BlendEvalOptions& options = {});

}  // namespace custintel::text
