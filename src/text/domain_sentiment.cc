#include "text/domain_sentiment.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <unordered_set>

#include "core/parallel.h"
#include "text/clean.h"

namespace custintel::text {
namespace {

// Binary unigram + bigram features of word tokens, within sentences.
std::vector<std::string> Features(const TokenizedText& t) {
  std::vector<std::string> f;
  const Token* prev = nullptr;
  for (const Token& tok : t.tokens) {
    bool word = tok.kind == TokenKind::kWord || tok.kind == TokenKind::kEmoji || tok.kind == TokenKind::kEmoticon;
    if (!word) {
      prev = nullptr;
      continue;
    }
    f.push_back(tok.norm);
    if (prev != nullptr && prev->sentence == tok.sentence) f.push_back(prev->norm + " " + tok.norm);
    prev = &tok;
  }
  std::sort(f.begin(), f.end());
  f.erase(std::unique(f.begin(), f.end()), f.end());
  return f;
}

std::vector<std::string> FeaturesOf(std::string_view text) {
  CleanedText clean = CleanText(text);
  return Features(Tokenize(clean.text));
}

double Sigmoid(double z) { return 1.0 / (1.0 + std::exp(-std::clamp(z, -30.0, 30.0))); }

int Gold(int rating) { return rating >= 4 ? 1 : (rating <= 2 ? -1 : 0); }
int Predict(double score) { return score >= 0.05 ? 1 : (score <= -0.05 ? -1 : 0); }

ClassifierFigures Figures(const std::vector<int>& gold, const std::vector<int>& pred) {
  ClassifierFigures f;
  double f1_sum = 0;
  for (int c : {-1, 1}) {
    double tp = 0, fp = 0, fn = 0;
    for (std::size_t i = 0; i < gold.size(); ++i) {
      tp += gold[i] == c && pred[i] == c;
      fp += gold[i] != c && pred[i] == c;
      fn += gold[i] == c && pred[i] != c;
    }
    double p = tp + fp > 0 ? tp / (tp + fp) : 0, r = tp + fn > 0 ? tp / (tp + fn) : 0;
    f1_sum += p + r > 0 ? 2 * p * r / (p + r) : 0;
  }
  double ok = 0;
  for (std::size_t i = 0; i < gold.size(); ++i) ok += gold[i] == pred[i];
  f.accuracy = gold.empty() ? 0 : ok / static_cast<double>(gold.size());
  f.macro_f1 = f1_sum / 2;
  return f;
}

}  // namespace

Result<DomainModel> DomainModel::Train(std::span<const RatedText> examples, const DomainOptions& options) {
  std::vector<std::size_t> kept;  // examples with a polarity, in order
  int pos = 0, neg = 0;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    int y = Gold(examples[i].rating);
    if (y == 0) continue;
    (y > 0 ? pos : neg) += 1;
    kept.push_back(i);
  }
  if (pos < 5 || neg < 5) {
    return Status::InvalidArgument("domain sentiment needs at least 5 positive (rating 4-5) and 5 negative "
                                   "(rating 1-2) reviews; got " + std::to_string(pos) + " and " + std::to_string(neg));
  }
  // Each text's features (cleaning and tokenising, the costly part) on every core: a pure
  // function of the text, so the order of the work changes nothing.
  std::vector<std::vector<std::string>> features(kept.size());
  ParallelSlices(kept.size(), 0, 256, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) features[i] = FeaturesOf(examples[kept[i]].text);
  });
  StringMap<int> df;
  for (const auto& f : features) {
    for (const std::string& s : f) df[s] += 1;
  }
  // The kept features numbered once, so that the epochs index a weight array instead of hashing
  // every feature string of every text 20 times; each text's weights are visited in the same
  // order as by name (its sorted features), so the arithmetic — and the model — is the same.
  StringMap<std::int32_t> index;
  std::vector<const std::string*> names;
  for (const auto& [s, n] : df) {
    if (n < options.min_count) continue;
    index.emplace(s, static_cast<std::int32_t>(names.size()));
    names.push_back(&s);
  }
  std::vector<std::vector<std::int32_t>> active(features.size());
  std::vector<int> labels(features.size());
  for (std::size_t i = 0; i < features.size(); ++i) {
    for (const std::string& s : features[i]) {
      auto it = index.find(s);
      if (it != index.end()) active[i].push_back(it->second);
    }
    labels[i] = Gold(examples[kept[i]].rating) > 0 ? 1 : 0;
    std::vector<std::string>().swap(features[i]);
  }
  std::vector<float> w(names.size(), 0.0f);
  double bias = 0;
  std::vector<std::size_t> order(active.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937_64 rng(options.seed);
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double lr = options.learning_rate / (1.0 + 0.2 * epoch);
    for (std::size_t idx : order) {
      const std::vector<std::int32_t>& a = active[idx];
      const int y = labels[idx];
      double scale = a.empty() ? 0 : 1.0 / std::sqrt(static_cast<double>(a.size()));
      double z = bias;
      for (std::int32_t k : a) z += w[k] * scale;
      double g = Sigmoid(z) - y;
      bias -= lr * g * 0.1;
      for (std::int32_t k : a) w[k] -= static_cast<float>(lr * (g * scale + options.l2 * w[k]));
    }
  }
  DomainModel m;
  m.bias_ = bias;
  m.weights_.reserve(names.size());
  for (std::size_t k = 0; k < names.size(); ++k) m.weights_.emplace(*names[k], w[k]);
  return m;
}

double DomainModel::Probability(const TokenizedText& t) const {
  std::vector<std::string> f = Features(t);
  std::vector<float> active;
  for (const std::string& s : f) {
    auto it = weights_.find(s);
    if (it != weights_.end()) active.push_back(it->second);
  }
  double scale = active.empty() ? 0 : 1.0 / std::sqrt(static_cast<double>(active.size()));
  double z = bias_;
  for (float w : active) z += w * scale;
  return Sigmoid(z);
}

double DomainModel::Score(const TokenizedText& t) const {
  return std::clamp(2 * (Probability(t) - Sigmoid(bias_)), -1.0, 1.0);
}

double DomainModel::Score(std::string_view text) const {
  CleanedText clean = CleanText(text);
  return Score(Tokenize(clean.text));
}

double DomainModel::Weight(std::string_view feature) const {
  auto it = weights_.find(feature);
  return it == weights_.end() ? 0.0 : it->second;
}

double BlendScores(double lexicon_compound, double domain_score, double domain_weight) {
  double w = std::clamp(domain_weight, 0.0, 1.0);
  return (1 - w) * lexicon_compound + w * domain_score;
}

nlohmann::json BlendReport::ToJson() const {
  auto fig = [](const ClassifierFigures& f) { return nlohmann::json{{"accuracy", f.accuracy}, {"macro_f1", f.macro_f1}}; };
  return {{"train", train}, {"test", test}, {"domain_weight", domain_weight}, {"lexicon", fig(lexicon)},
          {"domain", fig(domain)}, {"blended", fig(blended)}};
}

Result<BlendReport> EvaluateBlend(std::span<const RatedText> examples, const SentimentAnalyzer& analyzer,
                                  const BlendEvalOptions& options) {
  std::vector<RatedText> rated;
  for (const RatedText& r : examples) {
    if (Gold(r.rating) != 0) rated.push_back(r);
  }
  std::mt19937_64 rng(options.domain.seed);
  std::shuffle(rated.begin(), rated.end(), rng);
  auto test_n = static_cast<std::size_t>(std::round(options.holdout * static_cast<double>(rated.size())));
  if (test_n == 0 || test_n >= rated.size()) return Status::InvalidArgument("holdout leaves no train or test texts");
  std::span<const RatedText> test(rated.data(), test_n), train(rated.data() + test_n, rated.size() - test_n);
  CI_ASSIGN_OR_RETURN(DomainModel model, DomainModel::Train(train, options.domain));
  std::vector<int> gold(test.size()), lex(test.size()), dom(test.size()), blend(test.size());
  ParallelSlices(test.size(), 0, 256, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      CleanedText clean = CleanText(test[i].text);
      TokenizedText t = Tokenize(clean.text);
      double l = analyzer.Score(t).result.compound, d = model.Score(t);
      gold[i] = Gold(test[i].rating);
      lex[i] = Predict(l);
      dom[i] = Predict(d);
      blend[i] = Predict(BlendScores(l, d, options.domain_weight));
    }
  });
  BlendReport report;
  report.train = train.size();
  report.test = test.size();
  report.domain_weight = options.domain_weight;
  report.lexicon = Figures(gold, lex);
  report.domain = Figures(gold, dom);
  report.blended = Figures(gold, blend);
  return report;
}

}  // namespace custintel::text
