#include "text/domain_sentiment.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <unordered_set>

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
  std::vector<std::pair<std::vector<std::string>, int>> data;
  int pos = 0, neg = 0;
  for (const RatedText& r : examples) {
    int y = Gold(r.rating);
    if (y == 0) continue;
    (y > 0 ? pos : neg) += 1;
    data.emplace_back(FeaturesOf(r.text), y > 0 ? 1 : 0);
  }
  if (pos < 5 || neg < 5) {
    return Status::InvalidArgument("domain sentiment needs at least 5 positive (rating 4-5) and 5 negative "
                                   "(rating 1-2) reviews; got " + std::to_string(pos) + " and " + std::to_string(neg));
  }
  StringMap<int> df;
  for (const auto& [f, y] : data) {
    for (const std::string& s : f) df[s] += 1;
  }
  DomainModel m;
  for (const auto& [s, n] : df) {
    if (n >= options.min_count) m.weights_[s] = 0.0f;
  }
  std::vector<std::size_t> order(data.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937_64 rng(options.seed);
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double lr = options.learning_rate / (1.0 + 0.2 * epoch);
    for (std::size_t idx : order) {
      const auto& [f, y] = data[idx];
      std::vector<float*> active;
      for (const std::string& s : f) {
        auto it = m.weights_.find(s);
        if (it != m.weights_.end()) active.push_back(&it->second);
      }
      double scale = active.empty() ? 0 : 1.0 / std::sqrt(static_cast<double>(active.size()));
      double z = m.bias_;
      for (float* w : active) z += *w * scale;
      double g = Sigmoid(z) - y;
      m.bias_ -= lr * g * 0.1;
      for (float* w : active) *w -= static_cast<float>(lr * (g * scale + options.l2 * *w));
    }
  }
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
  std::vector<int> gold, lex, dom, blend;
  for (const RatedText& r : test) {
    CleanedText clean = CleanText(r.text);
    TokenizedText t = Tokenize(clean.text);
    double l = analyzer.Score(t).result.compound, d = model.Score(t);
    gold.push_back(Gold(r.rating));
    lex.push_back(Predict(l));
    dom.push_back(Predict(d));
    blend.push_back(Predict(BlendScores(l, d, options.domain_weight)));
  }
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
