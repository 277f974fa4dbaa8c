// How the builtin engine answers generate_json without a model: each property of the schema is
// filled from what the text engine measures, recognised by the property's name and type, and
// a required property it has no measure for is an error naming it — never a placeholder.
//
//   auto schema = ParseSchemaArgument(R"({"urgency": {"type": "string", "enum": ["low", "high"]},
//                                         "tags": {"type": "array", "items": {"type": "string"}}})");
//   Result<nlohmann::json> j = FillFromText(*schema, "I was charged twice, refund me NOW");
//   // {"urgency": "high", "tags": ["refund_request", "billing", ...]}
//
// Properties it knows (names are normalised: case, '_' and '-'; a few synonyms each):
//   sentiment / tone / polarity       string label (very_negative..very_positive), number score,
//                                     or an enum on any sentiment spelling (ai/choose_scales.h)
//   score / sentiment_score           number in [-1, 1]
//   rating / stars                    integer 1..5 from the sentiment
//   emotion / mood / feeling          the triage's customer mood (angry..happy) or an enum
//   urgency / priority / severity     the triage's urgency (low..critical) or an enum
//   category / root_cause / topic / reason / issue_type
//                                     the triage's root cause; an enum of other labels is
//                                     answered zero-shot (ai/builtin_choose.h)
//   tags / labels                     triage tags (+ root cause and themes); themes / topics /
//                                     aspects: theme ids; keywords / key_phrases: key phrases
//   summary / tldr / synopsis         extractive summary (cut to maxLength at a word)
//   suggested_resolution / resolution / next_step / recommended_action
//                                     the playbook's advice for the root cause (text/triage.h)
//   language / lang / language_code   ISO 639-1 code (language_name: the English name)
//   contains_pii / has_pii / pii      whether PII masking finds anything
//   boolean questions                 follow_up_needed, refund_requested, wants_to_cancel,
//                                     needs_escalation, legal_threat, is_urgent, is_bug,
//                                     feature_request, is_complaint, is_positive, is_question
//   nested objects                    filled property by property
// Optional properties it cannot fill are left out.
//
// Thread safety: pure function; call from any thread.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace custintel::ai {

// A value valid for `schema` (an object schema) filled from `prompt` (task words such as
// "Extract the fields from this ticket:" are split off first). InvalidArgument naming every
// required property it cannot fill, or when the schema is not an object.
Result<nlohmann::json> FillFromText(const nlohmann::json& schema, std::string_view prompt);

}  // namespace custintel::ai
