// What a choose call asks, read without a model: the task words of the prompt split from the
// text they ask about, label normalisation, and the label scales the builtin engine can answer
// from what it measures (sentiment, emotion, urgency, yes/no questions the triage answers).
//
//   PromptParts p = SplitTaskWords("Classify sentiment of this review: Broke after a week.");
//   // p.instruction == "Classify sentiment of this review", p.text == "Broke after a week."
//   std::vector<std::string> labels = {"very_positive", "positive", "neutral", "negative", "very_negative"};
//   std::optional<LabelScale> s = RecognizeScale(labels, p.instruction);
//   // s->kind == ScaleKind::kSentiment, s->position == {2, 1, 0, -1, -2}
//
// Thread safety: pure functions over immutable tables.
#pragma once

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace custintel::ai {

// A prompt split into the instruction around the text ("Classify sentiment of this review:",
// "How urgent is this ticket?", a trailing "Sentiment:") and the text itself. A prompt with no
// recognisable instruction is all text (instruction empty).
struct PromptParts {
  std::string instruction;
  std::string text;
};
PromptParts SplitTaskWords(std::string_view prompt);

// The words of an instruction, as the builtin backend's task readers see them: lower-case ASCII
// words (letters and digits) of `s`; whether any is one of `any`; whether any begins with one of
// `stems` ("escalat" matches "escalate", "escalation").
std::vector<std::string> Words(std::string_view s);
bool HasWord(const std::vector<std::string>& words, std::initializer_list<std::string_view> any);
bool HasStem(const std::vector<std::string>& words, std::initializer_list<std::string_view> stems);

// Lower case, '_' and '-' as spaces, runs of spaces collapsed, trimmed: "Very_Positive " ->
// "very positive", "follow-up" -> "follow up".
std::string NormalizeLabel(std::string_view label);

enum class ScaleKind {
  kSentiment,  // positions -2 (very negative) .. 2 (very positive); stars 1..5 map onto it
  kEmotion,    // -2 angry, -1 frustrated, 0 neutral, 1 satisfied, 2 happy
  kUrgency,    // 0 low, 1 medium, 2 high, 3 critical
  kYesNo,      // 1 yes, 0 no; `question` says what is asked
};

// The questions a yes/no choice can ask that the engine answers.
enum class YesNoQuestion {
  kFollowUp,      // "is follow-up needed", "does this need a reply"
  kRefund,        // "did the customer ask for a refund / their money back"
  kCancellation,  // "does the customer want to cancel / leave"
  kEscalation,    // "does this need a manager / escalation"
  kLegalThreat,   // "does the customer threaten legal action"
  kUrgent,        // "is this urgent"
  kNegative,      // "is this a complaint / negative / is the customer unhappy"
  kPositive,      // "is this positive / praise / is the customer happy"
  kBug,           // "is this a bug report"
  kFeatureRequest,
  kQuestion,      // "is the customer asking a question"
};

struct LabelScale {
  ScaleKind kind = ScaleKind::kSentiment;
  std::vector<int> position;  // one per choice, in the order given
  YesNoQuestion question = YesNoQuestion::kNegative;  // kYesNo only
};

// The scale every choice belongs to, or nullopt when some choice is not on a scale the engine
// knows (then the caller answers zero-shot). Sentiment is tried first, then emotion, then
// urgency; digits "1".."5" are stars only when the instruction speaks of stars or a rating.
// Yes/no needs exactly one affirmative and one negative choice and an instruction asking one
// of the YesNoQuestion questions.
std::optional<LabelScale> RecognizeScale(std::span<const std::string> choices, std::string_view instruction);

}  // namespace custintel::ai
