#include "text/analyzer.h"

#include "text/clean.h"

namespace custintel::text {

nlohmann::json Analysis::ToJson() const {
  nlohmann::json j = {{"score", score}, {"label", label}, {"sentiment", sentiment.ToJson()}};
  j["rating"] = rating ? nlohmann::json(*rating) : nlohmann::json(nullptr);
  if (domain_score) j["domain_score"] = *domain_score;
  nlohmann::json themes_json = themes.ToJson();
  j["themes"] = themes_json["themes"];
  j["mentions"] = themes_json["mentions"];
  j["keyphrases"] = themes_json["keyphrases"];
  j["summary"] = summary;
  if (triage) j["triage"] = triage->ToJson();
  j["input"] = {{"bytes", bytes}, {"invalid_utf8_replaced", invalid_utf8_replaced}, {"html_stripped", html_stripped}};
  if (!pii_counts.empty()) j["pii"] = pii_counts;
  return j;
}

Analysis Analyze(std::string_view text, const AnalyzeOptions& options) {
  Analysis a;
  a.bytes = text.size();
  a.rating = options.rating;
  CleanedText clean = CleanText(text);
  a.invalid_utf8_replaced = clean.invalid_utf8_replaced;
  a.html_stripped = clean.html_stripped;
  if (options.mask_pii) {
    PiiMasked masked = MaskPii(clean.text, options.pii);
    clean.text = std::move(masked.text);
    a.pii_counts = std::move(masked.counts);
    a.pii_mapping = std::move(masked.mapping);
  }
  const Lexicon& lexicon = options.lexicon ? *options.lexicon : Lexicon::Default();
  const Taxonomy& taxonomy = options.taxonomy ? *options.taxonomy : Taxonomy::Default();
  TokenizedText t = Tokenize(clean.text);
  SentimentDetail detail = SentimentAnalyzer(lexicon).Score(t);
  a.sentiment = detail.result;
  a.score = a.sentiment.compound;
  if (options.domain != nullptr) {
    a.domain_score = options.domain->Score(t);
    a.score = BlendScores(a.score, *a.domain_score, options.domain_weight);
  }
  a.label = std::string(ToString(LabelForCompound(a.score)));
  ThemeExtractor extractor(taxonomy, lexicon);
  a.themes = extractor.Extract(t, detail, options.max_keyphrases);
  a.summary = Summarize(t, detail, options.summary);
  if (options.triage) a.triage = TriageTicket(t, detail, a.themes, options.triage_options);
  return a;
}

}  // namespace custintel::text
