// Incremental runs (issue 3 item 7): decides whether `custintel run` recomputes every customer
// (full) or only the customers whose inputs changed since the last run (incremental), from
// what each run recorded in meta.runs (0010_incremental.sql):
//
//   watermark     every ingest batch has an id (meta.batch_seq; a row written through the API
//                 is a batch of one); a run records the highest committed batch id and the
//                 ids below it not committed yet. Silver rows of later batches are new.
//   replaced rows ingest records whose row it replaced (meta.replaced_rows), so a row that
//                 moved from customer A to B touches both.
//   changed customers = owners of new rows in customers, orders, order items (through their
//                 order), events, reviews, tickets; owners of replaced rows; buyers of new or
//                 changed products; customers whose interaction sentiment the text step
//                 rewrote in this run (added by AddTextChanges).
//
// A run is full when: --full; no earlier run recorded a watermark; the as-of differs from the
// last run's (every customer's recency and 90-day windows move); the fingerprint differs
// (segment rules, the high risk threshold, the [orders] purchase rule, playbook, AI backend and
// model, the SQL models, kPipelineVersion); silver's
// row counts do not add up (rows inserted or deleted outside `custintel ingest`); or more than
// max_changed_share of the customers changed since the last full run (population models —
// churn model, BG/NBD, recommender similarities — are refitted only by full runs, so they may
// drift only so far). Otherwise incremental, the scope possibly empty.
//
// Not seen: values changed in place with SQL UPDATE on silver (the row counts still add up).
// Run `custintel run --full` after editing silver by hand.
//
// Thread safety: one call per connection; REQUIRES the run's transaction to be open, so the
// watermark and silver are one snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "features/scope.h"
#include "store/database.h"

namespace custintel::pipeline {

// Bump when a step's results change for the same inputs, so the next run is full.
inline constexpr int kPipelineVersion = 1;

// The TEMP table holding an incremental run's changed customers.
inline constexpr char kScopeTable[] = "ci_scope";

struct PlanOptions {
  bool full = false;                 // --full
  double max_changed_share = 0.2;    // of all customers, since the last full run
  std::string settings;              // hashed into the fingerprint too (e.g. the AI identity)
};

struct RunPlan {
  bool incremental = false;
  std::string reason;                // one line: why full, or what the incremental run covers
  int64_t since_run = 0;             // incremental: the run it continues from
  int64_t since_watermark = 0;       // incremental: that run's watermark and open batches
  std::vector<int64_t> since_open_batches;
  int64_t watermark = 0;             // to record for the next run
  std::vector<int64_t> open_batches;
  std::string fingerprint;
  std::string silver_rows;           // JSON {"orders": 123, ...}
  int64_t scoped_customers = 0;      // incremental: rows of the scope table
  features::Scope scope = features::Scope::All();
};

// Decides the run's mode; for an incremental run creates the TEMP table kScopeTable.
Result<RunPlan> PlanRun(store::Connection& conn, const Config& config, const std::string& as_of,
                        const PlanOptions& options);

// After the text step of an incremental run: adds the customers whose interaction sentiment
// it rewrote (e.g. rows a spent AI budget left for this run) to the scope.
Status AddTextChanges(store::Connection& conn, RunPlan* plan);

}  // namespace custintel::pipeline
