// Step: one stage of `custintel run`, as a value. A step declares its name, the tables it reads
// and writes, how it is scoped in an incremental run, and the function that runs it; the run
// (run.cc) is the ordered table of steps (RunSteps()) and nothing else, so adding a step is one
// entry there.
//
// Scoping (the incremental rules, applied here and nowhere else):
//   kCustomers   customer-level rows: a full run recomputes every customer; an incremental run
//                only the plan's changed customers (plan.h), scored with the last full run's
//                population models. StepContext::scope() is the plan's scope.
//   kPopulation  aggregates over every customer (segments' profiles, cohorts, themes, KPIs):
//                rebuilt whole in every run. StepContext::scope() is every customer.
//   kChangedRows the text step: analyses the rows whose input hash changed, in any run; an
//                incremental run only narrows which rows are candidates (the plan's watermark).
//
// Invariants:
//   1. Steps run in table order, in the run's one transaction; a failing step fails the run and
//      nothing of it is committed.
//   2. A step reads only tables that earlier steps (or ingest) write: RunSteps() is checked
//      against this by tests/pipeline/steps_test.cc, and every declared write exists after a run.
//   3. TEMP tables a step makes are its own (named by its constants) and gone when it returns,
//      but for kScopeTable, which the plan owns for the whole run.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "features/scope.h"
#include "pipeline/plan.h"
#include "pipeline/run.h"
#include "store/database.h"

namespace custintel::pipeline {

enum class Scoping { kCustomers, kPopulation, kChangedRows };

// What a running step sees, and what it reports.
struct StepContext {
  store::Connection& conn;
  const Config& config;
  const RunOptions& options;
  const std::string& as_of;  // canonical timestamp of the run
  RunPlan& plan;
  Scoping scoping = Scoping::kPopulation;
  std::string note;  // what the step wants the user to know (the run report shows it)

  // The customers this step recomputes (see Scoping).
  const features::Scope& scope() const;
};

struct Step {
  const char* name;
  std::vector<std::string> reads;   // "silver.orders", "gold.customer_features", ...
  std::vector<std::string> writes;  // gold tables it (re)builds or updates
  Scoping scoping;
  Status (*run)(StepContext& ctx);
};

// The run's steps, in order.
std::span<const Step> RunSteps();

}  // namespace custintel::pipeline
