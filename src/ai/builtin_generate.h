// What a free-form generate prompt asks, read without a model: the analysis tasks the text
// engine can answer (a summary of a text, its themes or key phrases) told apart from open-ended
// writing (a strategy, a profile, an executive summary written from figures), which needs a
// model.
//
//   auto t = RecognizeGenerateTask("Summarize this customer review in one sentence: Broke in a week.");
//   // t->kind == GenerateTaskKind::kSummary, t->text == "Broke in a week."
//   auto l = RecognizeGenerateTask("List 3 key themes from this review (comma-separated): ...");
//   // l->kind == GenerateTaskKind::kThemes, l->count == 3
//   RecognizeGenerateTask("Create retention strategy for: ...");   // nullopt: open-ended
//
// A task is recognised from the instruction's words, not from one wording: a summary needs a
// summarising verb ("summarize", "sum up", "condense", "tl;dr", "give a summary of") and the
// text it is about after the instruction; themes need a theme word ("themes", "topics",
// "aspects", "key points") or a key-phrase word ("keywords", "key phrases"). "Executive summary:
// 3 customers, ..." names no text to summarise and is open-ended.
//
// Thread safety: pure functions over immutable tables.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace custintel::ai {

enum class GenerateTaskKind { kSummary, kThemes, kKeyPhrases };

struct GenerateTask {
  GenerateTaskKind kind = GenerateTaskKind::kSummary;
  std::string text;  // the text the instruction is about
  int count = 0;     // themes / key phrases asked for ("3 key themes"); 0 = as many as found
};

std::optional<GenerateTask> RecognizeGenerateTask(std::string_view prompt);

// The text engine's answer to a recognised task: the summary (at most `max_words` words), or
// the themes / key phrases as one comma-separated line ("product quality, customer service").
// Themes short of `count` are completed with the text's best key phrases.
std::string AnswerGenerateTask(const GenerateTask& task, int max_words);

// The error open-ended generation gets without a model (one wording for every host).
Status NeedsAModel();

}  // namespace custintel::ai
