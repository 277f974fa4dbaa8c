#include "ai/http/http_choice_scores.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace custintel::ai {
namespace {

using nlohmann::json;

struct Token {
  std::string text;
  double logprob = 0;
  json alternatives;  // top_logprobs: [{"token", "logprob"}]
};

std::optional<std::vector<Token>> Tokens(const json& answer) {
  if (!answer.contains("choices") || !answer["choices"].is_array() || answer["choices"].empty()) return std::nullopt;
  const json& choice = answer["choices"][0];
  if (!choice.contains("logprobs") || !choice["logprobs"].is_object()) return std::nullopt;
  const json& lp = choice["logprobs"];
  if (!lp.contains("content") || !lp["content"].is_array()) return std::nullopt;
  const json* content = &lp["content"];
  std::vector<Token> out;
  for (const json& t : *content) {
    if (!t.contains("token") || !t["token"].is_string() || !t.contains("logprob")) return std::nullopt;
    out.push_back({t["token"].get<std::string>(), t["logprob"].get<double>(), t.value("top_logprobs", json::array())});
  }
  return out;
}

// Which choices a first-position token can begin, given the text `pre` it must start with
// (what precedes the label's value inside that token, e.g. the opening quote).
std::vector<size_t> Begins(const std::string& token, const std::string& pre, std::span<const std::string> choices) {
  std::vector<size_t> out;
  if (token.size() <= pre.size() || token.compare(0, pre.size(), pre) != 0) return out;
  const std::string rest = token.substr(pre.size());
  for (size_t c = 0; c < choices.size(); ++c) {
    if ((choices[c] + "\"").starts_with(rest)) out.push_back(c);
  }
  return out;
}

}  // namespace

std::optional<std::vector<double>> ScoreChoicesFromLogprobs(const json& answer, std::span<const std::string> choices,
                                                            const std::string& label) {
  auto tokens = Tokens(answer);
  if (!tokens || tokens->empty() || !answer["choices"][0].contains("message")) return std::nullopt;
  const std::string content = answer["choices"][0]["message"].value("content", std::string());
  std::string spelled;
  std::vector<size_t> offsets;
  for (const Token& t : *tokens) {
    offsets.push_back(spelled.size());
    spelled += t.text;
  }
  const size_t colon = content.find(':');
  const size_t quote = colon == std::string::npos ? colon : content.find('"', colon);
  if (spelled != content || quote == std::string::npos) return std::nullopt;
  const size_t start = quote + 1;  // the label's value begins here
  size_t k = 0;
  while (k + 1 < offsets.size() && offsets[k + 1] <= start) ++k;
  const std::string pre = spelled.substr(offsets[k], start - offsets[k]);
  // Each distinct token at that position, with its log-probability (the chosen one included).
  std::map<std::string, double> candidates = {{(*tokens)[k].text, (*tokens)[k].logprob}};
  for (const json& alt : (*tokens)[k].alternatives) {
    if (alt.contains("token") && alt["token"].is_string() && alt.contains("logprob")) {
      candidates.emplace(alt["token"].get<std::string>(), alt["logprob"].get<double>());
    }
  }
  std::vector<double> mass(choices.size(), 0.0);
  for (const auto& [text, logprob] : candidates) {
    std::vector<size_t> begins = Begins(text, pre, choices);
    if (begins.size() == 1) mass[begins[0]] += std::exp(logprob);
  }
  auto answered = std::find(choices.begin(), choices.end(), label);
  if (answered == choices.end() || mass[static_cast<size_t>(answered - choices.begin())] <= 0) return std::nullopt;
  double total = 0;
  for (double m : mass) total += m;
  for (double& m : mass) m /= total;
  return mass;
}

}  // namespace custintel::ai
