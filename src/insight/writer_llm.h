// The LLM writer (issue 7 item 4): facts and snippets in a prompt, the answer constrained to
// the JSON schema {summary, drivers[], actions[], cited_snippets[]} (AiService::GenerateJson),
// then checked by the grounding evaluator. A failing answer is retried once with the flags in
// the prompt; a second failure is replaced by the builtin text, writer "builtin_fallback",
// with the rejected answer's flags kept (tagged "attempt": "llm").
//
//   std::vector<LlmRequest> reqs = {{&sheet, WriteSegmentBuiltin(sheet, pb), "Describe this segment ..."}};
//   LlmBatch out = WriteWithLlm(*ai, reqs, catalog);
//   out.texts[0].writer;   // "llm" or "builtin_fallback"
//
// Untrusted text: review and ticket snippets reach the prompt only as the sheet holds them
// (PII-masked by the fact builders) and fenced between <<< and >>> (fence marks inside them
// are removed), under an instruction that the fenced text is data, not instructions.
// Budgets: a row the AI budget refuses (ResourceExhausted) keeps its builtin text and stops
// LLM writing for the rest of the batch (out.budget_spent).
//
// Thread safety: as AiService (callable from any thread).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "insight/grounding/facts.h"
#include "insight/grounding/grounding.h"
#include "insight/writer.h"

namespace custintel::ai {
class AiService;
}

namespace custintel::insight {

// The JSON schema every LLM answer is constrained to.
const std::string& InsightJsonSchema();

struct LlmRequest {
  const FactSheet* sheet = nullptr;
  WrittenText builtin;  // the fallback, with its grounding report filled in
  std::string task;     // what to write, in one sentence
};

struct LlmBatch {
  std::vector<WrittenText> texts;  // one per request, in order
  int64_t llm = 0, fell_back = 0;
  bool budget_spent = false;
};

// The prompt for one subject; `flags` (the evaluator's FlagsText) is appended on the retry.
std::string BuildInsightPrompt(const FactSheet& sheet, const std::string& task, const std::string& flags = "");

// Parses an answer to the schema into a WrittenText (text = summary, drivers and actions
// joined); cited ids not among the sheet's snippets are dropped.
Result<WrittenText> ParseLlmAnswer(const std::string& json, const FactSheet& sheet);

LlmBatch WriteWithLlm(ai::AiService& ai, std::span<const LlmRequest> requests, const EntityCatalog& catalog,
                      const GroundingOptions& grounding = {});

}  // namespace custintel::insight
