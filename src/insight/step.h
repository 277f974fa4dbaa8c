// The `insights` pipeline step (issue 7 items 3 and 6): builds every subject's fact sheet,
// writes the texts whose input changed (builtin or LLM writer), checks each against the
// grounding evaluator, and stores them in the gold insight tables (0007_insights.sql):
// segment_insights, account_summaries, retention_strategies, personal_recommendations,
// notifications, executive_summary.
//
//   CI_ASSIGN_OR_RETURN(InsightReport r, RunInsights(conn, ai, {}));
//   std::cout << r.Note();   // "segments 4 written, 0 unchanged; customers 2000 written, ..."
//
// Refresh: a subject is rewritten only when its input hash (the sheet's InputHash plus the
// writer settings) differs from the stored row's, unless options.refresh is set.
// Texts where a decision needs them (issue 26 item 2): a run (TextsWanted::kDecisions) writes
// the segment insights, the executive summary, and for the at-risk customers
// (gold.customer_scores.status = 'at_risk') their summary, personal recommendations and
// retention strategy, for the due customers (notification_due.h) a notification, and the
// summaries of accounts with an at-risk customer. Everyone else's summary and recommendations
// are written on demand (EnsureCustomerTexts: `insights --customer`, GET /v1/customers/{id}, the
// dashboard) through this same step, or for everyone with TextsWanted::kAll (`insights --all`).
// A stored text stays while its input hash holds and a run keeps it current: rewritten when
// its subject is one a decision needs, dropped when not (the next request writes it again).
// Scope (incremental runs, features/scope.h): with InsightOptions::scope other than All(), the
// customer outputs (customer summaries, retention strategies, personal recommendations,
// notifications) are built, checked and rewritten only for the scope's customers, and account
// summaries only for the accounts they belong to (or belonged to, when a customer moved); every
// other customer's and account's rows stay as they are. Segment insights and the executive
// summary are handled as in a full run (their input hash decides).
// Writers: with an LLM backend (ai->identity().backend != "builtin") segments, the executive
// summary and the llm_customer_cap riskiest customers are written by the LLM writer
// (writer_llm.h), everything else by the builtin writer. A spent AI budget stops LLM writing
// cleanly between rows; the remaining rows get the builtin text.
//
// Thread safety: one call per connection at a time; runs inside the caller's transaction.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "features/scope.h"
#include "insight/writer_builtin_customer.h"
#include "store/database.h"

namespace custintel::ai {
class AiService;
}

namespace custintel::insight {

// Which customer and account texts a call writes (the header says what a decision needs).
enum class TextsWanted {
  kDecisions,  // what decisions need, plus keeping stored texts current (a run)
  kAll,        // every customer's and account's texts (`insights --all`)
};

struct InsightOptions {
  // Rewrite every selected subject even when its input hash is unchanged.
  bool refresh = false;
  // Only this segment (and nothing else) when set: the server's refresh-insight.
  std::optional<std::string> segment;
  // Customers (with their accounts) and the executive summary too; false = segments only.
  bool customers = true;
  // With an LLM backend: the customers with the highest churn risk written by the LLM.
  int llm_customer_cap = 100;
  // Customers per chunk (bounds memory at 1M customers).
  int64_t chunk_size = 25000;
  // The customers to redo (an incremental run): All(), or the TEMP table of customer ids on
  // the same connection. Only these customers' sheets are built (the filter is in the SQL).
  features::Scope scope = features::Scope::All();
  CustomerOutputOptions outputs;
  TextsWanted texts = TextsWanted::kDecisions;
  // On demand: only this customer — its summary and recommendations whatever its status, its
  // retention strategy and notification by the run's rules — and its account's summary; no
  // segments, no executive summary. With an LLM backend its summary is the LLM's.
  std::optional<std::string> customer;
  // Set by the pipeline's step (RunInsightsStep): the call is part of a run, so the texts it
  // leaves are current as of that run's facts (text_checks.h), not the latest committed run's.
  bool within_run = false;
};

struct InsightCounts {
  int64_t written = 0, unchanged = 0, fell_back = 0, llm = 0;
  int64_t dropped = 0;  // stale texts no decision needs, deleted (written again on request)
};

struct InsightReport {
  InsightCounts segments, customers, accounts, run;
  bool budget_spent = false;  // the AI budget ran out; later rows were written by the builtin writer
  // "insights: segments 4 written / 0 unchanged / 0 fell back; customers ...; budget spent"
  std::string Note() const;
};

// `ai` may be null: the builtin writer for everything.
Result<InsightReport> RunInsights(store::Connection& conn, const std::shared_ptr<ai::AiService>& ai,
                                  const InsightOptions& options);

// On demand: makes sure one customer's texts (and its account's summary) are stored and
// current — written now by RunInsights with options.customer (the run's code, AI service,
// budget and cache) when missing or when their facts changed, else left as stored. Whether they
// are current is first asked of the recorded checks (text_checks.h: a few small queries, no sheet);
// only when those do not know is the sheet built and compared. Runs in its own transaction on
// `conn`. NotFound when the customer has no scores.
struct OnDemandTexts {
  bool written = false;  // false: the stored texts were current (no writer, no model call)
  // The stored texts were known current from the recorded checks (text_checks.h): no sheet was
  // built. False when the sheets decided (a first request, or after a run changed the facts).
  bool from_checks = false;
  InsightReport report;
};
Result<OnDemandTexts> EnsureCustomerTexts(store::Connection& conn, const std::shared_ptr<ai::AiService>& ai,
                                          const std::string& customer_id);

// The pipeline's step: RunInsights with default options and `scope`; *note = report.Note().
Status RunInsightsStep(store::Connection& conn, const std::string& as_of, const std::shared_ptr<ai::AiService>& ai,
                       std::string* note, const features::Scope& scope = features::Scope::All());

}  // namespace custintel::insight
