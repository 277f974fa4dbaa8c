// `custintel run`: the steps from silver to gold, in order, as of one reference time.
// The steps are the table RunSteps() (step.h): text insights (reviews, tickets, chat sentiment)
// → customer features → churn heuristic → CLV → learned churn → segments → segment themes →
// segment profiles → RFM → cohorts → recommendations → executive metrics → insights. Each step
// is timed, may add a note, and the run is recorded in meta.runs.
// A run is full or incremental (plan.h): an incremental run recomputes the customer-level
// rows of the customers whose inputs changed since the last run only, scoring them with the
// population models of the last full run, and rebuilds the aggregates (segments, cohorts,
// themes, executive metrics) over every customer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "store/database.h"

namespace custintel::ai {
class AiService;
}  // namespace custintel::ai

namespace custintel::pipeline {

struct RunOptions {
  // Reference time; empty = the latest timestamp in the data.
  std::string as_of;
  // Who writes the text steps' analyses; null = the builtin text engine (no cache, no budget).
  // With a model backend every review/ticket/event analysis goes through this service.
  std::shared_ptr<ai::AiService> ai;
  // Recompute every customer and refit the population models even when an incremental run
  // would do.
  bool full = false;
};

struct StepReport {
  std::string name;
  double seconds = 0;
  std::string note;  // what the step wants the user to know (e.g. why CLV was not fitted)
  // CPU seconds of the whole process during the step (every thread, DuckDB's included): the
  // steadier figure when other work shares the cores. Also in meta.runs.steps.
  double cpu_seconds = 0;
};

struct RunReport {
  int64_t run_id = 0;
  std::string as_of;  // canonical "YYYY-MM-DD HH:MM:SS+00"
  std::string as_of_note;  // how the default as-of was chosen when the data has no dates
  // "cannot build X: needs Y" for every output the data cannot give (features/data_profile.h).
  std::vector<std::string> cannot_build;
  // How the orders' statuses the purchase rule does not plainly call purchases were counted
  // ([orders] in custintel.toml; features::StatusNotes).
  std::vector<std::string> status_notes;
  bool incremental = false;
  std::string reason;              // why full, or what the incremental run covered
  int64_t scoped_customers = 0;    // incremental: customers recomputed
  std::vector<StepReport> steps;
};

// Runs every step in one transaction: readers see the old gold tables or the new, never a mix.
Result<RunReport> Run(store::Connection& conn, const Config& config, const RunOptions& options);

}  // namespace custintel::pipeline
