// Budgets: caps on AI calls and tokens per run and per tenant per day (issue 6 item 6), and
// checkpoints so that a step stopped by a spent budget resumes where it stopped.
//
// A call is one row sent to a backend (cache hits are free). Calls are granted whole rows at a
// time before they are made; tokens are known only afterwards, so a token cap stops the next
// batch, never one already running.
//
//   Budget budget(limits, "acme", db);
//   int64_t n = budget.Acquire(rows.size());      // may be fewer than asked, or 0
//   ... send the first n rows ...
//   budget.Record(n, tokens_used);
//
//   // A pipeline step over keys (sorted), resumable:
//   auto p = RunBudgetedStep(conn, "review_insights", keys, 256, [&](std::span<const std::string> batch) {
//     return WriteInsights(batch);   // rows fully written, a prefix of batch; one transaction
//   });
//
// Thread safety: Budget may be shared by threads (internal mutex).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "core/status.h"
#include "store/database.h"

namespace custintel::ai {

struct BudgetLimits {
  int64_t max_calls_per_run = 0;          // 0 = no cap
  int64_t max_tokens_per_run = 0;         // 0 = no cap
  int64_t max_calls_per_tenant_day = 0;   // 0 = no cap; counted in meta.ai_usage across runs
  int64_t max_tokens_per_tenant_day = 0;  // 0 = no cap
};

class Budget {
 public:
  // `db` (may be empty) persists the tenant's daily usage in meta.ai_usage.
  Budget(BudgetLimits limits, std::string tenant, std::weak_ptr<store::Database> db = {});

  // Grants up to `wanted` calls under every cap; 0 once any cap is spent.
  int64_t Acquire(int64_t wanted);
  // What granted calls used. Persists the tenant/day totals (best effort).
  void Record(int64_t calls, int64_t tokens);
  // Calls Acquire would grant now: INT64_MAX when no call cap is set, 0 once any cap is spent.
  // Lets a caller size its next batch so the budget goes to whole rows, in order.
  int64_t CallsLeft() const;
  // Which cap stopped calls ("" while none has): e.g. "max_calls_per_run = 100 reached".
  std::string SpentReason() const;
  int64_t run_calls() const;
  int64_t run_tokens() const;

 private:
  std::string SpentReasonLocked() const;
  void LoadTenantUsage();

  const BudgetLimits limits_;
  const std::string tenant_;
  const std::string scope_;  // "tenant:<name>:<yyyy-mm-dd>"
  std::weak_ptr<store::Database> db_;
  mutable std::mutex mu_;
  int64_t run_calls_ = 0, run_tokens_ = 0, day_calls_ = 0, day_tokens_ = 0;
};

struct Checkpoint {
  std::string last_key;  // the last row fully written
  int64_t rows_done = 0;
  std::string stopped_reason;
};

Result<std::optional<Checkpoint>> LoadCheckpoint(store::Connection& conn, const std::string& step);
Status SaveCheckpoint(store::Connection& conn, const std::string& step, const Checkpoint& checkpoint);
Status ClearCheckpoint(store::Connection& conn, const std::string& step);

struct StepProgress {
  int64_t rows_done = 0;       // this run
  int64_t rows_skipped = 0;    // done by an earlier run (before the checkpoint)
  bool complete = false;
  std::string stopped_reason;  // when !complete
};

// Processes `keys` (sorted ascending) in batches after the step's checkpoint. `process` writes
// a batch and returns how many of its rows (a prefix) it completed, plus why it stopped early
// (`*why`). A short batch stops the step between rows and saves the checkpoint; a complete
// pass clears it.
using BatchFn = std::function<Result<size_t>(std::span<const std::string> batch, std::string* why)>;
Result<StepProgress> RunBudgetedStep(store::Connection& conn, const std::string& step,
                                     std::span<const std::string> keys, size_t batch_size, const BatchFn& process);

}  // namespace custintel::ai
