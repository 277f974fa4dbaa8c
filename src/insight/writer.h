// What every writer (builtin or LLM) hands back for one subject, and the little helpers the
// builtin templates share: FactText (every number through FormatFact) and Variant (a stable
// per-subject choice among phrasings).
//
//   WrittenText w = WriteSegmentBuiltin(sheet, playbook);
//   w.text;         // the text the grounding evaluator checks
//   w.cited;        // {"playbook:shipping", "note:N002"}
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "insight/grounding/facts.h"
#include "insight/grounding/grounding.h"

namespace custintel::insight {

inline constexpr std::string_view kWriterBuiltin = "builtin";
inline constexpr std::string_view kWriterLlm = "llm";
inline constexpr std::string_view kWriterFallback = "builtin_fallback";

struct WrittenText {
  std::string text;                // the whole text, as checked by the grounding evaluator
  nlohmann::json parts = nlohmann::json::object();  // {"summary", "drivers": [], "actions": []}
  std::vector<std::string> cited;  // ids of the snippets the text uses
  std::string writer = std::string(kWriterBuiltin);
  std::string backend = "builtin", model = "templates";
  // LLM-written texts: ai::Provenance of the accepted answer (backend, model and its sha256,
  // engine version, template, cache key), so the row can be reproduced; null for templates.
  nlohmann::json provenance;
  GroundingReport grounding;       // filled by the step (or the LLM writer) after writing
};

// The named fact printed by FormatFact; "" when the sheet has no such fact.
std::string FactText(const FactSheet& sheet, std::string_view name);
// FNV-1a of `key` modulo n: the same subject always gets the same phrasing.
size_t Variant(std::string_view key, size_t n);
// "a, b and c".
std::string JoinWords(const std::vector<std::string>& words);
// The first letter upper-cased / lower-cased (ASCII).
std::string Capitalized(std::string s);
std::string Uncapitalized(std::string s);

}  // namespace custintel::insight
