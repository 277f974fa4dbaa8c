// Prompt templates for model backends: how the text tasks (sentiment, summary, themes, the
// ai_agg tree) are asked of a model. Each template has an id and a version; both go into the
// cache key and the provenance of every row it writes, so editing a template means bumping its
// version (old answers then stop matching, as they should).
//
// Thread safety: immutable data.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace custintel::ai {

struct PromptTemplate {
  std::string_view id;       // e.g. "sentiment"
  int version = 1;
  std::string_view text;     // "{input}" and "{instruction}" are replaced
  // The input is untrusted customer text (a review, a ticket): Render puts it in as
  // FenceUntrusted(input), and the template's instruction says the fenced text is data.
  bool fenced = false;

  std::string Key() const;   // "sentiment@1"
  std::string Render(std::string_view input, std::string_view instruction = {}) const;
};

// Untrusted text as a prompt holds it: between <<< and >>>, every fence mark inside removed so
// the text cannot close the fence early and speak as the instruction. The insight writer's
// snippets follow the same convention (insight/writer_llm.h).
std::string FenceUntrusted(std::string_view text);

// A raw prompt given by the user (ai_generate, ai_choose, ai_json): the input is the prompt.
extern const PromptTemplate kRawTemplate;
extern const PromptTemplate kSentimentTemplate;
extern const PromptTemplate kSummaryTemplate;
extern const PromptTemplate kThemesTemplate;
extern const PromptTemplate kAggregateTemplate;

// The choices kSentimentTemplate offers and the score each stands for.
const std::vector<std::string>& SentimentChoices();
double SentimentChoiceScore(size_t index);  // -1, -0.5, 0, 0.5, 1

// JSON schema of the themes answer: {"themes": [string, ... at most 5]}.
const std::string& ThemesSchema();

}  // namespace custintel::ai
