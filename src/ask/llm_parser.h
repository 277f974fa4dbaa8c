// The LLM parser: the same query spec as the builtin parser, from a JSON-schema-constrained
// generate_json call through the AI layer (ai::AiService: cache, budget, any backend), with
// the semantic model in the prompt. Its spec is validated exactly like the builtin one; the
// model can only choose among the model's names (enums in the schema), never write SQL.
//
// Thread safety: pure functions; the AiService is thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "ask/parser.h"
#include "ask/semantic_model.h"

namespace custintel::ai {
class AiService;
}

namespace custintel::ask {

// The prompt: the model's names with labels and synonyms, the time grammar, the verified
// questions as examples, and the question marked as data (not instructions).
std::string LlmPrompt(const SemanticModel& model, const std::string& question);
// JSON Schema of the answer: {"answerable": bool, <spec fields>} with enums of model names.
nlohmann::json LlmSpecSchema(const SemanticModel& model);
// One generate_json call; the answer's spec (canonical) or answerable = false with a reason.
Result<ParseOutcome> ParseWithLlm(ai::AiService& ai, const std::string& question, const SemanticModel& model);

}  // namespace custintel::ask
