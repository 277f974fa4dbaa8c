// Turning rows into an answer: the sentence, the chart suggestion, and — for questions the
// model cannot answer — the closest verified questions.
//
// Invariant: every number in AnswerText occurs in the rows (NumbersIn(text) ⊆ numbers of the
// cells). Labels, filters and time phrases are written in words; numbers from the question
// (limits, thresholds, dates) are never restated.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ask/semantic_model.h"
#include "ask/spec.h"

namespace custintel::ask {

std::string AnswerText(const QuerySpec& spec, const SemanticModel& model, const std::vector<std::string>& columns,
                       const nlohmann::json& rows, bool truncated);
// How many leading columns are keys (dimensions, the time grain, the compared period).
size_t KeyColumns(const QuerySpec& spec, const std::vector<std::string>& columns);
// "uk compared to eu", "this quarter vs last quarter": two rows of one key, compared.
bool IsComparison(const QuerySpec& spec);
// The row ["difference (A minus B)", A − B for each figure] added to a comparison's two rows
// (rounded as the figure is; a rate's parts are not differenced). Null when not a comparison.
nlohmann::json DifferenceRow(const QuerySpec& spec, const SemanticModel& model, const std::vector<std::string>& columns,
                             const nlohmann::json& rows);
// number (one value), line (a time grain), bar (one dimension, few rows), table, none.
std::string ChartFor(const QuerySpec& spec, size_t row_count);
// The n verified questions sharing the most words (with their measures' and dimensions'
// synonyms) with `tokens`.
std::vector<std::string> ClosestQuestions(const std::vector<std::string>& tokens, const SemanticModel& model,
                                          size_t n = 3);
// A cell as the answer text writes it.
std::string FormatCell(const nlohmann::json& cell);
// The numbers a text states: digit runs (with a decimal part) not glued to letters, so
// "C000042" and "Q1" state none and "2026-03" states 2026 and 3.
std::vector<double> NumbersIn(std::string_view text);

}  // namespace custintel::ask
