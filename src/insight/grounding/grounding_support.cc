// Lexical and embedding support of sentences (see grounding_support.h).
#include "insight/grounding/grounding_support.h"

#include <algorithm>
#include <cmath>

#include "ai/service.h"
#include "insight/grounding/grounding_words.h"
#include "text/themes.h"

namespace custintel::insight {
namespace {

void AddWords(std::string_view s, StemSet* vocab) { vocab->AddText(s); }

bool IsContentWord(const text::Token& t, const std::string& bare) {
  if (t.kind != text::TokenKind::kWord || bare.size() < 2) return false;
  if (bare[0] >= '0' && bare[0] <= '9') return false;  // "1.2k", "30-day": judged as numbers
  return !text::IsStopWord(bare) && !IsFramingWord(bare);
}

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size() || a.empty()) return 0;
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) dot += a[i] * b[i], na += a[i] * a[i], nb += b[i] * b[i];
  return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0;
}

}  // namespace

SupportIndex::SupportIndex(const FactSheet& sheet) {
  for (const Fact& f : sheet.facts) {
    AddWords(f.label, &vocab_);
    std::string name = f.name;
    std::replace(name.begin(), name.end(), '_', ' ');
    AddWords(name, &vocab_);
  }
  for (const Snippet& s : sheet.snippets) AddWords(s.text, &vocab_);
  for (const std::string& e : sheet.entities) AddWords(e, &vocab_);
  AddWords(sheet.title, &vocab_);
  AddWords(sheet.subject.id, &vocab_);
}

SentenceSupport SupportIndex::Lexical(const text::TokenizedText& tt, const text::Sentence& s,
                                      int matched_numbers) const {
  SentenceSupport out;
  int supported = matched_numbers;
  out.content = matched_numbers;
  for (uint32_t i = s.first_token; i < s.end_token; ++i) {
    std::string bare = BareNorm(tt.tokens[i]);
    if (!IsContentWord(tt.tokens[i], bare)) continue;
    ++out.content;
    if (vocab_.Has(Stem(bare))) ++supported;
    else out.unsupported.push_back(std::string(tt.Surface(tt.tokens[i])));
  }
  out.support = out.content < 2 ? 1.0 : static_cast<double>(supported) / out.content;
  return out;
}

Result<std::vector<double>> EmbeddingSupport(ai::AiService& embedder, const std::vector<std::string>& sentences,
                                             const FactSheet& sheet) {
  std::vector<std::string> texts = sentences;
  for (const Snippet& s : sheet.snippets) texts.push_back(s.text);
  for (const Fact& f : sheet.facts) texts.push_back(f.label.empty() ? f.name : f.label);
  ai::Batch<std::vector<float>> vectors = embedder.Embed(texts);
  for (const auto& v : vectors) {
    if (!v.ok()) return v.status().WithContext("grounding: embedding a sentence");
  }
  std::vector<double> best(sentences.size(), 0);
  for (size_t i = 0; i < sentences.size(); ++i) {
    for (size_t j = sentences.size(); j < texts.size(); ++j) best[i] = std::max(best[i], Cosine(*vectors[i], *vectors[j]));
  }
  return best;
}

}  // namespace custintel::insight
