#include "text/summary.h"

#include <algorithm>
#include <cmath>

#include "text/clean.h"
#include "text/themes.h"

namespace custintel::text {
namespace {

bool IsContent(const Token& t) {
  return t.kind == TokenKind::kWord && t.norm.size() > 2 && !IsStopWord(t.norm);
}

double SentenceScore(const TokenizedText& t, const SentimentDetail& d, std::size_t s,
                     const StringMap<int>& doc_freq) {
  const Sentence& sent = t.sentences[s];
  double words = 0, content = 0, shared = 0;
  for (std::size_t i = sent.first_token; i < sent.end_token; ++i) {
    const Token& tok = t.tokens[i];
    if (tok.kind != TokenKind::kWord) continue;
    words += 1;
    if (!IsContent(tok)) continue;
    content += 1;
    auto it = doc_freq.find(tok.norm);
    if (it != doc_freq.end()) shared += it->second - 1;  // occurrences in other sentences
  }
  if (words == 0) return -1;
  double centrality = shared / (content + 1);
  double position = s == 0 ? 0.3 : (s + 1 == t.sentences.size() ? 0.1 : 0.0);
  double informative = content / words + 0.4 * std::min(1.0, std::fabs(NormalizeValence(d.sentence_raw[s])));
  double length = words < 4 ? -0.5 : (words > 40 ? -0.3 : 0.0);
  return centrality + position + informative + length;
}

// Cuts [begin, end) to at most max_words words, at the last clause break if there is one
// in the second half of the budget.
std::string Trim(const TokenizedText& t, const Sentence& s, std::size_t max_words) {
  std::size_t words = 0, cut = s.end_token, clause_cut = 0;
  for (std::size_t i = s.first_token; i < s.end_token; ++i) {
    const Token& tok = t.tokens[i];
    if (IsClauseBreak(tok) && words * 2 >= max_words) clause_cut = i;
    if (tok.norm == "but" || tok.norm == "and" || tok.norm == "although") {
      if (words * 2 >= max_words) clause_cut = i;
    }
    if (tok.kind == TokenKind::kPunct) continue;
    if (++words > max_words) {
      cut = i;
      break;
    }
  }
  if (cut == s.end_token) return std::string(t.SentenceText(s));
  std::size_t end_tok = clause_cut > s.first_token ? clause_cut : cut;
  while (end_tok > s.first_token + 1 && t.tokens[end_tok - 1].kind == TokenKind::kPunct) --end_tok;
  std::string out(t.text.substr(s.begin, t.tokens[end_tok - 1].end - s.begin));
  return out + (clause_cut > s.first_token ? "." : "...");
}

}  // namespace

std::string Summarize(const TokenizedText& t, const SentimentDetail& d, const SummaryOptions& options) {
  if (t.sentences.empty() || options.max_words == 0) return "";
  StringMap<int> doc_freq;
  for (const Token& tok : t.tokens) {
    if (IsContent(tok)) doc_freq[tok.norm] += 1;
  }
  std::size_t best = 0;
  double best_score = -1e9;
  std::size_t limit = std::min<std::size_t>(t.sentences.size(), 2000);  // bound work on huge texts
  for (std::size_t s = 0; s < limit; ++s) {
    double score = SentenceScore(t, d, s, doc_freq);
    if (score > best_score) {
      best_score = score;
      best = s;
    }
  }
  return Trim(t, t.sentences[best], options.max_words);
}

std::string Summarize(std::string_view text, const SummaryOptions& options) {
  CleanedText clean = CleanText(text);
  TokenizedText t = Tokenize(clean.text);
  SentimentDetail d = SentimentAnalyzer().Score(t);
  return Summarize(t, d, options);
}

}  // namespace custintel::text
