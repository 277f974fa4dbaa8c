#include "ai/lexical_embed.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "core/hash.h"
#include "text/clean.h"
#include "text/themes.h"
#include "text/tokenizer.h"

namespace custintel::ai {
namespace {

void AddFeature(std::vector<double>& acc, std::string_view feature, uint64_t kind, double weight) {
  uint64_t h = Fnv1a64(feature, kind ^ kFnv1aFirstBasisSeed);
  size_t dim = static_cast<size_t>(h % acc.size());
  double sign = (h >> 63) ? -1.0 : 1.0;
  acc[dim] += sign * weight;
}

double Rarity(std::string_view word) { return 1.0 + std::log1p(static_cast<double>(word.size())); }

}  // namespace

std::vector<float> LexicalEmbed(std::string_view raw, int dims) {
  std::vector<double> acc(static_cast<size_t>(dims > 0 ? dims : kLexicalDims), 0.0);
  text::CleanedText clean = text::CleanText(raw);
  text::TokenizedText t = text::Tokenize(clean.text);
  std::vector<std::string_view> words;
  for (const auto& tok : t.tokens) {
    if (tok.kind != text::TokenKind::kWord && tok.kind != text::TokenKind::kNumber) continue;
    if (text::IsStopWord(tok.norm)) continue;
    words.push_back(tok.norm);
  }
  for (size_t i = 0; i < words.size(); ++i) {
    AddFeature(acc, words[i], 1, Rarity(words[i]));
    if (i + 1 < words.size()) AddFeature(acc, std::string(words[i]) + ' ' + std::string(words[i + 1]), 2, 0.7);
    std::string padded = "<" + std::string(words[i]) + ">";
    for (size_t k = 0; k + 3 <= padded.size(); ++k) AddFeature(acc, std::string_view(padded).substr(k, 3), 3, 0.3);
  }
  // Sublinear term frequency: a word said ten times is not ten times as telling.
  double norm = 0;
  for (double& x : acc) {
    x = x >= 0 ? std::log1p(x) : -std::log1p(-x);
    norm += x * x;
  }
  std::vector<float> out(acc.size(), 0.0f);
  if (norm == 0) {
    out[0] = 1.0f;
    return out;
  }
  const double inv = 1.0 / std::sqrt(norm);
  for (size_t i = 0; i < acc.size(); ++i) out[i] = static_cast<float>(acc[i] * inv);
  return out;
}

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return 0;
  double dot = 0;
  for (size_t i = 0; i < a.size(); ++i) dot += static_cast<double>(a[i]) * b[i];
  return dot;
}

}  // namespace custintel::ai
