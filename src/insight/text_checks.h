// Whether a customer's stored texts are current, without building its fact sheet (issue 26
// item 2): the cheap check behind a cached on-demand request (EnsureCustomerTexts).
//
// A text's facts are its run's: the gold tables and silver as of the run's as-of (the sheets
// read nothing else but the playbook). So a stored text stays current until a run changes its
// subject's facts, or the settings it was written under change. Two tables (migration
// 0030_insight_checks.sql) record which input hash is known current, as of which run
// (meta.runs.started_at, `facts_of`) and under which settings (TextSettings):
//
//   meta.insight_run_checks      every pass over the customers (a run's insights step, full or
//                                incremental; `insights --all`, `--refresh`) rewrites it with the
//                                texts it left stored and can vouch for: those it checked (a full
//                                pass: everyone's; an incremental run: its scope's — it dropped or
//                                rewrote the stale ones) and, outside its scope, those recorded
//                                current as of the previous run (the run did not change their facts).
//   meta.insight_request_checks  a request that built the sheet (to write the texts, or to find
//                                them current) records the hashes it stored or confirmed.
//
// A request's texts are current when the customer's summary and its account's summary are
// stored with a hash that either table records for the latest run and the request's settings,
// and the summary's churn risk is the one gold.customer_scores holds now (a rescoring outside a
// run, `custintel churn-model`, changes it). Four small queries, no sheet.
//
// Why two tables: each is written by one kind of writer only, so a request never deletes a row
// a run rewrites (which would make the run's commit fail, or the request's). A request's text
// written while a run is in flight is not in the run's table (the run did not see it) and its
// own record names the older run, so the next request checks it against the sheet again.
//
// Not seen by the check (the same as for the texts the runs write): silver rows ingested since
// the last run (they reach the gold tables and the texts with the next run) and gold tables other
// than the scores edited by hand between runs (run `custintel insights --refresh` after that).
//
// Thread safety: functions; a Connection belongs to one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "features/scope.h"
#include "insight/writer_builtin_customer.h"
#include "store/database.h"

namespace custintel::ai {
class AiService;
}

namespace custintel::insight::detail {

// What decides a stored text besides its sheet: the writer settings (risk threshold, notification
// length), the LLM's backend and model when one writes (`ai` not builtin), and the playbook (an
// edit between runs is seen at once). A hex digest.
Result<std::string> TextSettings(store::Connection& conn, const std::shared_ptr<ai::AiService>& ai,
                                 const CustomerOutputOptions& outputs);

// True when the customer's stored summary and its account's are current by the recorded checks
// (the header says when); false when unknown — missing texts, no record, another run or other
// settings — and the sheet must decide.
Result<bool> StoredTextsCurrent(store::Connection& conn, const std::string& customer_id, const std::string& settings);

// After an on-demand request built the customer's sheet and stored or confirmed its texts: records
// the customer's and its account's stored hashes as current for the latest run. REQUIRES: inside
// the request's transaction.
Status RecordRequestCheck(store::Connection& conn, const std::string& customer_id, const std::string& settings);

// After a pass over the customers of `scope` (all of them, or an incremental run's): rewrites
// meta.insight_run_checks with the stored texts it can vouch for — every stored customer and
// account text when the scope is everyone (each was checked), else those of the scope and those
// already recorded current as of the latest committed run. `within_run`: the pass is a run's
// step (its facts are that run's, recorded when it commits), else the latest run's.
// REQUIRES: inside the pass's transaction.
Status RecordRunCheck(store::Connection& conn, const std::string& settings, bool within_run,
                      const features::Scope& scope);

}  // namespace custintel::insight::detail
