#include "ai/templates.h"

#include <fmt/format.h>

namespace custintel::ai {
namespace {

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

}  // namespace

std::string PromptTemplate::Key() const { return fmt::format("{}@{}", id, version); }

std::string PromptTemplate::Render(std::string_view input, std::string_view instruction) const {
  std::string out(text);
  // Instruction first: user input must not be able to inject "{instruction}".
  ReplaceAll(out, "{instruction}", instruction);
  ReplaceAll(out, "{input}", input);
  return out;
}

const PromptTemplate kRawTemplate{"raw", 1, "{input}"};
const PromptTemplate kSentimentTemplate{
    "sentiment", 1,
    "Classify the sentiment of this customer text as very negative, negative, neutral, positive or very "
    "positive.\n\nText: {input}\n\nSentiment:"};
const PromptTemplate kSummaryTemplate{
    "summary", 1, "Summarise this customer text in one sentence of at most 25 words.\n\nText: {input}\n\nSummary:"};
const PromptTemplate kThemesTemplate{
    "themes", 1,
    "List the topics (at most 5, one or two words each, lower case) this customer text talks about, as JSON "
    "{\"themes\": [...]}.\n\nText: {input}\n\nJSON:"};
const PromptTemplate kAggregateTemplate{
    "aggregate", 1, "{instruction}\n\nSummarise these texts together in at most 60 words.\n\n{input}\n\nSummary:"};

const std::vector<std::string>& SentimentChoices() {
  static const std::vector<std::string> kChoices = {"very negative", "negative", "neutral", "positive",
                                                    "very positive"};
  return kChoices;
}

double SentimentChoiceScore(size_t index) { return -1.0 + 0.5 * static_cast<double>(index); }

const std::string& ThemesSchema() {
  static const std::string kSchema =
      R"({"type":"object","properties":{"themes":{"type":"array","items":{"type":"string"},"maxItems":5}},)"
      R"("required":["themes"],"additionalProperties":false})";
  return kSchema;
}

}  // namespace custintel::ai
