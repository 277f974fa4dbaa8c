// The builtin engine's choose: answers from what the text engine measures when the choices are
// a scale it knows, zero-shot by similarity otherwise. No model; deterministic.
//
// 1. The prompt's task words are split from the text (ai/choose_scales.h: "Classify sentiment of
//    this review:", "How urgent is this ticket?", a trailing "Sentiment:").
// 2. Known scales (RecognizeScale): the text is analysed once (sentiment, triage) and the
//    measure is mapped onto the choices' positions by calibrated cut points:
//    - sentiment (any spelling, stars, good/bad): the compound score, cut at kSentimentCuts
//      (fitted on tests/data/text/sentences.tsv by src/ai/tools/calibrate_choose.py);
//    - emotion: the triage's customer mood (angry .. happy), same score and the mood's cuts;
//    - urgency / priority: the triage's urgency level;
//    - yes/no: the triage's answer to the question the instruction asks (follow-up needed,
//      refund requested, cancellation, escalation, legal threat, urgent, bug, feature
//      request, complaint, praise, question).
//    A scale missing some positions merges each missing band into its neighbours ("negative,
//    neutral, positive" gives the very bands to their plain neighbours; "good, bad" cuts at
//    the middle of neutral). Probabilities fall with the distance from the measure to each
//    choice's band, p = (1 - floor) exp(-d^2 / 2 tau^2) / sum + floor / bands, tau and floor
//    fitted by maximum likelihood (sentiment: the same calibration set; urgency and rule
//    answers: the even rows of tests/data/ai/choose_labels.tsv); the band holding the measure
//    is always the answer.
// 3. Other label sets: zero-shot. Each label is described by its own words plus, when it names
//    a theme of the taxonomy or a triage root cause, that theme's synonyms; the text scores
//    each by the cosine of lexical embeddings and +kThemeEvidence when the theme extractor
//    finds the theme in the text. Probabilities are a softmax at kZeroShotTemperature. When
//    the margin is below kUnsureMargin the answer is unsure: a fallback choice ("other",
//    "unknown", "none", "unsure", "general", "n/a", "misc") when one is offered, else the best
//    guess with its small margin (ai_choose_scored shows it).
//
// Thread safety: pure function over immutable analysers; call from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "ai/backend.h"

namespace custintel::ai {

// Zero-shot answers with a margin (best minus runner-up probability) below this are unsure.
inline constexpr double kUnsureMargin = 0.1;

// REQUIRES: !choices.empty(). The label is always one of `choices`; probabilities sum to 1;
// margin >= 0.
Scored BuiltinChoose(std::string_view prompt, std::span<const std::string> choices);
// Same with the prompt already split: `instruction` says what is asked (it decides yes/no
// questions and whether digits are stars), `text` is analysed.
Scored BuiltinChooseFor(std::string_view instruction, std::string_view text, std::span<const std::string> choices);

}  // namespace custintel::ai
