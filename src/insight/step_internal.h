// Helpers shared by the insights step's files (step.cc, step_customers.cc); not part of the API.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ai/service.h"
#include "insight/grounding/facts.h"
#include "insight/grounding/grounding_entities.h"
#include "insight/grounding/grounding_sheet.h"
#include "insight/step.h"
#include "insight/writer.h"
#include "store/database.h"

namespace custintel::insight::detail {

// What the step knows while it runs.
struct StepContext {
  store::Connection* conn = nullptr;
  std::shared_ptr<ai::AiService> ai;  // null or builtin: no LLM writing
  bool llm = false;
  InsightOptions options;
  EntityCatalog catalog;
  std::unique_ptr<CatalogIndex> catalog_index;  // of `catalog`, for the texts checked against it
  std::string generated_at;           // one timestamp for every row of the run
  double high_risk_above = 0;         // what the customers' high_risk flags mean (gold.risk_definition)
  InsightReport report;
};

// The stored input hash: the sheet's InputHash plus the writer settings that change the text.
std::string StoredHash(const StepContext& ctx, const FactSheet& sheet, bool llm_subject);

// The provenance columns every insight row ends with: snippet_ids, writer, backend, model,
// input_hash, generated_at, grounding_score, grounding_flags, provenance (the LLM answer's
// ai::Provenance as JSON; NULL for templates).
void AppendProvenance(std::vector<store::Param>& row, const StepContext& ctx, const WrittenText& w,
                      const std::string& hash);
inline constexpr int kProvenanceColumns = 9;

// Fills w.grounding with the evaluator's report on w.text. sheet_names_only: check names
// against the sheet's own entities alone, not the whole catalog — for builtin customer and
// account texts, which name nothing else. That is stricter (any other name is flagged) and,
// at 1M customers, far cheaper than indexing the catalog for every text.
void Ground(const StepContext& ctx, const FactSheet& sheet, WrittenText& w, bool sheet_names_only = false);
// The same against a sheet read once for the subject's several texts (the same report).
void Ground(const StepContext& ctx, const SheetIndex& sheet, WrittenText& w, bool sheet_names_only = false);

// Deletes the rows of the subjects `ids` before they are rewritten: the ids go to the
// scratch table main.ci_insight_changed(id) (dropped after), then each statement of `deletes`
// runs (they name it).
Status DeleteSubjects(store::Connection& conn, const std::vector<std::string>& ids,
                      const std::vector<std::string>& deletes);

// Subjects per thread below which the parallel loops of the step stay on one thread.
inline constexpr size_t kMinSubjectsPerThread = 64;

// Every customer's outputs (account_summaries per customer, retention_strategies,
// personal_recommendations, notifications), chunk by chunk, only where the input changed.
Status WriteCustomers(StepContext& ctx);

}  // namespace custintel::insight::detail
