// Budgets: caps on AI calls and tokens per run and per tenant per day (issue 6 item 6). The
// tenant's daily totals live wherever the host keeps them (UsageStore; DuckDB:
// store/ai/ai_usage.h); without one only the per-run caps hold across the run.
//
// A call is one row sent to a backend (cache hits are free). Calls are granted whole rows at a
// time before they are made; tokens are known only afterwards, so a token cap stops the next
// batch, never one already running.
//
//   Budget budget(limits, "acme", usage);         // usage: a UsageStore, may be null
//   int64_t n = budget.Acquire(rows.size());      // may be fewer than asked, or 0
//   ... send the first n rows ...
//   budget.Record(n, tokens_used);
//
// A step stopped by a spent budget resumes where it stopped through the host's checkpoints
// (DuckDB: store/ai/checkpoints.h).
//
// Thread safety: Budget may be shared by threads (internal mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"

namespace custintel::ai {

struct BudgetLimits {
  int64_t max_calls_per_run = 0;          // 0 = no cap
  int64_t max_tokens_per_run = 0;         // 0 = no cap
  int64_t max_calls_per_tenant_day = 0;   // 0 = no cap; counted in meta.ai_usage across runs
  int64_t max_tokens_per_tenant_day = 0;  // 0 = no cap
};

// Where a tenant's daily AI usage is kept across runs and processes. Implementations are
// best effort (a failure to record never stops the AI) and thread-safe.
class UsageStore {
 public:
  struct Usage {
    int64_t calls = 0, tokens = 0;
  };
  virtual ~UsageStore() = default;
  // The totals recorded for `scope` ("tenant:<name>:<yyyy-mm-dd>"); zeros when none.
  virtual Usage Load(const std::string& scope) = 0;
  virtual void Add(const std::string& scope, int64_t calls, int64_t tokens) = 0;
};

class Budget {
 public:
  // `usage` (may be null) persists the tenant's daily usage.
  Budget(BudgetLimits limits, std::string tenant, std::shared_ptr<UsageStore> usage = nullptr);

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
  std::shared_ptr<UsageStore> usage_;
  mutable std::mutex mu_;
  int64_t run_calls_ = 0, run_tokens_ = 0, day_calls_ = 0, day_tokens_ = 0;
};

}  // namespace custintel::ai
