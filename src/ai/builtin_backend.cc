#include "ai/builtin_backend.h"

#include <cmath>

#include "ai/json_schema.h"
#include "ai/lexical_embed.h"
#include "core/hash.h"
#include "core/version.h"
#include "text/analyzer.h"

namespace custintel::ai {

BuiltinBackend::BuiltinBackend() {
  identity_.backend = "builtin";
  identity_.model = "text-engine";
  // Changing the analyzers or the embedding changes answers: bump the version with them.
  identity_.model_sha256 = Sha256Hex("custintel-text-engine-v1-lexical-512");
  identity_.engine_version = std::string(kEngineVersion);
}

std::unique_ptr<Backend> MakeBuiltinBackend() { return std::make_unique<BuiltinBackend>(); }

Batch<Completion> BuiltinBackend::Generate(std::span<const std::string> prompts, const Sampling&) {
  Batch<Completion> out;
  for (size_t i = 0; i < prompts.size(); ++i) {
    out.push_back(Status::Unimplemented(
        "free-form generation needs a model: the builtin backend only analyses text; give --model FILE.gguf, "
        "or --backend http --base-url URL, or set [ai] backend in custintel.toml"));
  }
  return out;
}

Scored ChooseLexically(std::string_view prompt, std::span<const std::string> choices) {
  static const text::SentimentAnalyzer analyzer;
  const double mood = analyzer.Analyze(prompt).compound;
  const std::vector<float> p = LexicalEmbed(prompt);
  std::vector<double> scores;
  double best = -1e300;
  for (const auto& c : choices) {
    double s = Cosine(p, LexicalEmbed(c)) + 0.5 * analyzer.Analyze(c).compound * mood;
    scores.push_back(s);
    best = std::max(best, s);
  }
  double total = 0;
  for (double& s : scores) total += (s = std::exp((s - best) / 0.1));
  Scored out;
  out.probabilities.resize(scores.size());
  size_t arg = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    out.probabilities[i] = scores[i] / total;
    if (out.probabilities[i] > out.probabilities[arg]) arg = i;
  }
  double runner_up = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (i != arg) runner_up = std::max(runner_up, out.probabilities[i]);
  }
  out.label = choices[arg];
  out.probability = out.probabilities[arg];
  out.margin = out.probability - runner_up;
  return out;
}

Batch<Scored> BuiltinBackend::Choose(std::span<const std::string> prompts, std::span<const std::string> choices) {
  Batch<Scored> out;
  for (const auto& prompt : prompts) {
    if (choices.empty()) {
      out.push_back(Status::InvalidArgument("choose needs at least one choice"));
      continue;
    }
    out.push_back(ChooseLexically(prompt, choices));
  }
  return out;
}

nlohmann::json TextFacts(std::string_view text) {
  text::AnalyzeOptions options;
  options.triage = true;
  text::Analysis a = text::Analyze(text, options);
  nlohmann::json facts = a.triage->ToJson();  // urgency, sentiment (mood), root_cause, ...
  facts["score"] = a.score;
  facts["sentiment_score"] = a.score;
  facts["label"] = a.label;
  facts["sentiment_label"] = a.label;
  facts["summary"] = a.summary;
  nlohmann::json themes = nlohmann::json::array();
  for (const auto& t : a.themes.themes) themes.push_back(t.id);
  facts["themes"] = themes;
  facts["keyphrases"] = a.themes.keyphrases;
  return facts;
}

Batch<Completion> BuiltinBackend::GenerateJson(std::span<const std::string> prompts, const std::string& json_schema,
                                               const Sampling&) {
  Batch<Completion> out;
  auto schema = ParseSchemaArgument(json_schema);
  for (const auto& prompt : prompts) {
    if (!schema.ok()) {
      out.push_back(schema.status());
      continue;
    }
    out.push_back(Completion{FillSchema(*schema, TextFacts(prompt)).dump(), 0, 0});
  }
  return out;
}

Batch<Embedding> BuiltinBackend::Embed(std::span<const std::string> texts) {
  Batch<Embedding> out;
  for (const auto& t : texts) out.push_back(Embedding{LexicalEmbed(t), 0});
  return out;
}

Result<std::vector<double>> BuiltinBackend::Rerank(const std::string& query, std::span<const std::string> docs) {
  const std::vector<float> q = LexicalEmbed(query);
  std::vector<double> scores;
  for (const auto& d : docs) scores.push_back(Cosine(q, LexicalEmbed(d)));
  return scores;
}

}  // namespace custintel::ai
