#include "text/sentiment.h"

#include <algorithm>
#include <cmath>

#include "text/clean.h"

namespace custintel::text {
namespace {

constexpr float kNegationScalar = -0.74f;  // a negated word without its own negated valence
constexpr float kCapsBoost = 0.733f;       // an ALL-CAPS sentiment word in a normal sentence
constexpr double kExclamationBoost = 0.292;
constexpr int kMaxExclamations = 4;
constexpr std::size_t kLookBack = 3;       // tokens before a word that may boost it
constexpr std::size_t kNegationLookBack = 4;  // "never had a single issue"
constexpr float kResolvedScalar = 0.5f;    // "fixed the crash": a mild positive
constexpr float kBeforeContrast = 0.5f;    // weight of what precedes "but"
constexpr float kAfterContrast = 1.5f;     // weight of what follows "but"
constexpr float kConcessive = 0.5f;        // weight of an "although ..." clause
constexpr float kElongationBoost = 0.3f;   // "loooove": the word, emphasised

// Ironic openers: a lone positive interjection ("Oh great, another delay.", "Brilliant. It
// crashed again.") that reads as its opposite when what follows is negative and carries an
// irony cue.
constexpr std::string_view kIronicOpeners[] = {"great", "brilliant", "perfect", "wonderful", "fantastic", "lovely",
                                               "terrific", "marvellous", "marvelous", "awesome", "excellent", "super",
                                               "nice", "fabulous", "splendid"};
constexpr std::string_view kInterjectionLeads[] = {"oh", "ah", "well", "yeah", "just", "wow", "how"};
constexpr std::string_view kIronyCues[] = {"another", "again", "usual", "course", "needed", "wanted", "yet"};

float Sign(float v) { return v > 0 ? 1.0f : (v < 0 ? -1.0f : 0.0f); }

bool StopsScope(const Token& t) {
  return IsClauseBreak(t) || t.kind == TokenKind::kPunct;
}

template <std::size_t N>
bool OneOf(std::string_view w, const std::string_view (&list)[N]) {
  for (std::string_view x : list) {
    if (w == x) return true;
  }
  return false;
}

// "loooove" -> "loove", then "love"; "" when no letter repeats three or more times.
std::string Collapse(std::string_view norm, std::size_t keep) {
  std::string out;
  bool changed = false;
  for (std::size_t i = 0; i < norm.size();) {
    std::size_t j = i;
    while (j < norm.size() && norm[j] == norm[i]) ++j;
    const std::size_t run = j - i;
    const bool letter = norm[i] >= 'a' && norm[i] <= 'z';
    out.append(letter && run >= 3 ? std::min(run, keep) : run, norm[i]);
    changed |= letter && run >= 3;
    i = j;
  }
  return changed ? out : std::string();
}

}  // namespace

std::string_view ToString(SentimentLabel label) {
  switch (label) {
    case SentimentLabel::kVeryNegative: return "very_negative";
    case SentimentLabel::kNegative: return "negative";
    case SentimentLabel::kNeutral: return "neutral";
    case SentimentLabel::kPositive: return "positive";
    case SentimentLabel::kVeryPositive: return "very_positive";
  }
  return "neutral";
}

SentimentLabel LabelForCompound(double c) {
  if (c >= 0.6) return SentimentLabel::kVeryPositive;
  if (c >= 0.05) return SentimentLabel::kPositive;
  if (c > -0.05) return SentimentLabel::kNeutral;
  if (c > -0.6) return SentimentLabel::kNegative;
  return SentimentLabel::kVeryNegative;
}

int Polarity(SentimentLabel label) {
  if (label == SentimentLabel::kNeutral) return 0;
  return (label == SentimentLabel::kPositive || label == SentimentLabel::kVeryPositive) ? 1 : -1;
}

double NormalizeValence(double raw) { return raw / std::sqrt(raw * raw + 15.0); }

nlohmann::json SentimentResult::ToJson() const {
  nlohmann::json j = {{"score", compound}, {"label", ToString(label)}, {"positive", positive},
                      {"negative", negative}, {"neutral", neutral}};
  j["sentences"] = nlohmann::json::array();
  for (const SentenceSentiment& s : sentences) {
    j["sentences"].push_back({{"begin", s.begin}, {"end", s.end}, {"score", s.compound}});
  }
  return j;
}

SentimentResult SentimentAnalyzer::Analyze(std::string_view text) const {
  CleanedText clean = CleanText(text);
  TokenizedText tokens = Tokenize(clean.text);
  return Score(tokens).result;
}

// Contrast markers re-weight the clauses around them within one sentence.
void SentimentAnalyzer::ContrastWeights(const TokenizedText& t, const Sentence& s,
                                        std::vector<float>* weight) const {
  for (std::size_t i = s.first_token; i < s.end_token; ++i) {
    std::size_t len = 0;
    ContrastKind kind = lexicon_->ContrastAt(t.tokens, i, s.end_token, &len);
    if (kind == ContrastKind::kAfter && i > s.first_token) {
      for (std::size_t k = s.first_token; k < i; ++k) (*weight)[k - s.first_token] *= kBeforeContrast;
      for (std::size_t k = i; k < s.end_token; ++k) (*weight)[k - s.first_token] *= kAfterContrast;
    } else if (kind == ContrastKind::kBefore) {
      std::size_t k = i;
      while (k < s.end_token && !IsClauseBreak(t.tokens[k]) &&
             (k == i || lexicon_->ContrastAt(t.tokens, k, s.end_token, &len) == ContrastKind::kNone)) {
        (*weight)[k - s.first_token] *= kConcessive;
        ++k;
      }
    }
    if (kind != ContrastKind::kNone) i += len - 1;
  }
}

float SentimentAnalyzer::ApplyModifiers(const TokenizedText& t, const Sentence& s, std::size_t i,
                                        std::size_t len, const LexiconEntry& e) const {
  float v = e.valence;
  bool caps = false;
  for (std::size_t k = i; k < i + len; ++k) caps |= t.tokens[k].all_caps;
  if (caps && !s.all_caps) v += Sign(v) * kCapsBoost;
  bool negated = false, resolved = false;
  for (std::size_t d = 1; d <= kNegationLookBack && i >= s.first_token + d; ++d) {
    const Token& prev = t.tokens[i - d];
    if (StopsScope(prev)) break;
    std::size_t clen = 0;
    if (lexicon_->ContrastAt(t.tokens, i - d, s.end_token, &clen) != ContrastKind::kNone) break;
    negated |= lexicon_->IsNegator(prev.norm);
    if (d > kLookBack) continue;
    float boost = lexicon_->BoosterEndingAt(t.tokens, i - d, s.first_token);
    if (boost != 0 && v != 0) v += Sign(v) * boost * (1.0f - 0.05f * static_cast<float>(d - 1));
    resolved |= lexicon_->IsResolver(prev.norm);
  }
  if (resolved && v < 0 && !negated) return -v * kResolvedScalar;
  if (!negated) return v;
  return e.has_negated ? e.negated : v * kNegationScalar;
}

bool SentimentAnalyzer::FindVariant(const TokenizedText& t, std::size_t i, LexiconEntry* e) const {
  const Token& tok = t.tokens[i];
  // Elongation: "sooo good" is handled by the boosters; "loooove", "yesss", "nooooo" here.
  for (std::size_t keep : {2u, 1u}) {
    std::string c = Collapse(tok.norm, keep);
    if (c.empty()) break;
    if (const LexiconEntry* w = lexicon_->Find(c)) {
      *e = *w;
      e->valence += Sign(e->valence) * kElongationBoost;
      return true;
    }
  }
  // A hashtag glued from words: "#neveragain" = "never again", "#worstserviceever" = "worst ...".
  if (i == 0 || t.tokens[i - 1].norm != "#" || t.tokens[i - 1].end != tok.begin || tok.norm.size() < 5) return false;
  const std::string& h = tok.norm;
  std::vector<Token> pair(2);
  for (std::size_t k = 2; k + 2 <= h.size(); ++k) {
    pair[0].norm = h.substr(0, k);
    pair[1].norm = h.substr(k);
    if (lexicon_->MatchPhrase(pair, 0, 2, e) == 2) return true;
  }
  for (std::size_t k = h.size() - 2; k >= 3; --k) {
    const std::string left = h.substr(0, k), right = h.substr(k);
    if (const LexiconEntry* w = lexicon_->Find(left)) {
      *e = *w;
      return true;
    }
    if (lexicon_->IsNegator(left)) {
      if (const LexiconEntry* w = lexicon_->Find(right)) {
        *e = *w;
        e->valence = w->has_negated ? w->negated : w->valence * kNegationScalar;
        return true;
      }
    }
  }
  return false;
}

// A lone positive opener with an irony cue and nothing positive after it: its valence turns.
void SentimentAnalyzer::ApplyIrony(const TokenizedText& t, SentimentDetail* d) const {
  for (std::size_t si = 0; si < t.sentences.size(); ++si) {
    const Sentence& s = t.sentences[si];
    std::size_t i = s.first_token;
    bool lead = false;
    while (i < s.end_token && t.tokens[i].kind == TokenKind::kWord && OneOf(t.tokens[i].norm, kInterjectionLeads)) {
      ++i;
      lead = true;
    }
    if (i >= s.end_token || !OneOf(t.tokens[i].norm, kIronicOpeners) || d->token_valence[i] <= 0) continue;
    const bool alone = i + 1 == s.end_token || t.tokens[i + 1].kind == TokenKind::kPunct;
    if (!alone) continue;
    // What follows: the rest of this sentence, else the next sentence.
    std::size_t from = i + 1, to = s.end_token;
    bool rest_has_words = false;
    for (std::size_t k = from; k < to; ++k) rest_has_words |= t.tokens[k].kind == TokenKind::kWord;
    if (!rest_has_words && si + 1 < t.sentences.size()) {
      from = t.sentences[si + 1].first_token;
      to = t.sentences[si + 1].end_token;
    }
    double after = 0;
    bool positive = false, cue = lead;
    for (std::size_t k = from; k < to; ++k) {
      after += d->token_valence[k];
      positive |= d->token_valence[k] > 0;
      cue |= OneOf(t.tokens[k].norm, kIronyCues);
    }
    if (after >= 0 || positive || !cue) continue;
    const float v = d->token_valence[i];
    d->token_valence[i] = -v;
    d->sentence_raw[si] -= 2.0 * v;
  }
}

double SentimentAnalyzer::ScoreSentence(const TokenizedText& t, const Sentence& s,
                                        std::vector<float>* valence) const {
  std::vector<float> w_full(s.end_token - s.first_token, 1.0f);  // by token - first_token
  ContrastWeights(t, s, &w_full);
  double sum = 0;
  std::size_t i = s.first_token;
  while (i < s.end_token) {
    const Token& tok = t.tokens[i];
    LexiconEntry e;
    std::size_t len = lexicon_->MatchPhrase(t.tokens, i, s.end_token, &e);
    if (len == 0) {
      const LexiconEntry* w = lexicon_->IsModifier(tok.norm) ? nullptr : lexicon_->Find(tok.norm);
      if (w != nullptr) {
        e = *w;
      } else if (tok.kind != TokenKind::kWord || lexicon_->IsModifier(tok.norm) || !FindVariant(t, i, &e)) {
        ++i;
        continue;
      }
      len = 1;
    }
    float v = ApplyModifiers(t, s, i, len, e);
    (*valence)[i] = v;
    sum += v * w_full[i - s.first_token];
    i += len;
  }
  if (sum != 0 && s.exclamations > 0) {
    sum += (sum > 0 ? 1 : -1) * kExclamationBoost * std::min<int>(s.exclamations, kMaxExclamations);
  }
  return sum;
}

SentimentDetail SentimentAnalyzer::Score(const TokenizedText& t) const {
  SentimentDetail d;
  d.token_valence.assign(t.tokens.size(), 0.0f);
  double total = 0, pos = 0, neg = 0, neu = 0;
  for (const Sentence& s : t.sentences) d.sentence_raw.push_back(ScoreSentence(t, s, &d.token_valence));
  ApplyIrony(t, &d);
  for (std::size_t si = 0; si < t.sentences.size(); ++si) {
    const double raw = d.sentence_raw[si];
    d.result.sentences.push_back({t.sentences[si].begin, t.sentences[si].end, NormalizeValence(raw)});
    total += raw;
  }
  for (std::size_t i = 0; i < t.tokens.size(); ++i) {
    float v = d.token_valence[i];
    if (v > 0) pos += v + 1;
    else if (v < 0) neg += -v + 1;
    else if (t.tokens[i].kind != TokenKind::kPunct) neu += 1;
  }
  double all = pos + neg + neu;
  if (all > 0) {
    d.result.positive = pos / all;
    d.result.negative = neg / all;
    d.result.neutral = neu / all;
  }
  d.result.compound = NormalizeValence(total);
  d.result.label = LabelForCompound(d.result.compound);
  return d;
}

}  // namespace custintel::text
