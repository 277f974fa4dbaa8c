#include "text/insight_batch.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/embedded.h"
#include "core/hash.h"
#include "core/parallel.h"
#include "text/analyzer.h"
#include "text/clean.h"
#include "text/sentiment.h"
#include "text/tokenizer.h"

namespace custintel::text {
namespace {

std::string ThemesJson(const ThemeResult& themes) {
  nlohmann::json out = nlohmann::json::array();
  for (const ThemeSummary& t : themes.themes) {
    int positive = 0, negative = 0;
    for (const ThemeMention& m : themes.mentions) {
      if (m.theme_id != t.id) continue;
      positive += m.polarity > 0;
      negative += m.polarity < 0;
    }
    out.push_back({{"theme", t.id}, {"name", t.name}, {"mentions", t.mentions}, {"positive", positive},
                   {"negative", negative}, {"score", std::round(t.score * 1e4) / 1e4}});
  }
  return out.dump();
}

TextInsight AnalyzeEvent(const TextInput& in) {
  static const SentimentAnalyzer analyzer;
  CleanedText clean = CleanText(JoinTitleBody(in.title, in.body));
  SentimentDetail d = analyzer.Score(Tokenize(clean.text));
  TextInsight out;
  out.score = d.result.compound;
  out.label = std::string(ToString(d.result.label));
  return out;
}

TextInsight AnalyzeOne(TextSource source, const TextInput& in, const BatchOptions& options,
                       const PreparedPlaybooks& prepared) {
  if (source == TextSource::kEvent) return AnalyzeEvent(in);
  AnalyzeOptions o;
  o.max_keyphrases = 0;
  o.rating = in.rating;
  o.triage = source == TextSource::kTicket;
  o.triage_options.notes = options.playbooks;
  o.triage_options.prepared = &prepared;
  if (source == TextSource::kReview) {
    o.domain = options.domain;
    o.domain_weight = options.domain_weight;
  }
  Analysis a = Analyze(JoinTitleBody(in.title, in.body), o);
  TextInsight out;
  out.score = a.score;
  out.label = std::move(a.label);
  out.summary = std::move(a.summary);
  out.themes_json = ThemesJson(a.themes);
  out.triage = std::move(a.triage);
  return out;
}

}  // namespace

std::vector<TextInsight> AnalyzeBatch(TextSource source, std::span<const TextInput> inputs,
                                      const BatchOptions& options) {
  std::vector<TextInsight> out(inputs.size());
  PreparedPlaybooks prepared;
  if (source == TextSource::kTicket) prepared = PreparePlaybooks(options.playbooks);
  ParallelSlices(inputs.size(), static_cast<std::size_t>(std::max(0, options.threads)), kMinTextsPerThread,
                 [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) out[i] = AnalyzeOne(source, inputs[i], options, prepared);
  });
  return out;
}

std::string JoinTitleBody(std::string_view title, std::string_view body) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  title = trim(title);
  body = trim(body);
  if (title.empty()) return std::string(body);
  if (body.empty()) return std::string(title);
  bool ended = std::string_view(".!?:;").find(title.back()) != std::string_view::npos;
  std::string out(title);
  out += ended ? " " : ". ";
  out += body;
  return out;
}

const std::string& AnalyzerFingerprint() {
  static const std::string fingerprint = [] {
    Sha256Builder h;
    h.Add(kInsightModel);
    for (const char* path : {"text/assets/lexicon.tsv", "text/assets/modifiers.tsv", "text/assets/taxonomy.tsv",
                             "text/assets/triage.tsv", "text/assets/stopwords.txt"}) {
      h.Add(embedded::Find(path).value_or(""));
    }
    return h.FinishHex();
  }();
  return fingerprint;
}

}  // namespace custintel::text
