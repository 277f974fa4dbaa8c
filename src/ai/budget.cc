#include "ai/budget.h"

#include <algorithm>
#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "core/log.h"

namespace custintel::ai {
namespace {

std::string TodayUtc() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  return fmt::format("{:%Y-%m-%d}", fmt::gmtime(t));
}

int64_t Room(int64_t cap, int64_t used) { return cap <= 0 ? INT64_MAX : std::max<int64_t>(0, cap - used); }

}  // namespace

Budget::Budget(BudgetLimits limits, std::string tenant, std::weak_ptr<store::Database> db)
    : limits_(limits), tenant_(std::move(tenant)), scope_("tenant:" + tenant_ + ":" + TodayUtc()), db_(std::move(db)) {
  LoadTenantUsage();
}

void Budget::LoadTenantUsage() {
  auto db = db_.lock();
  if (!db) return;
  auto conn = db->Connect();
  if (!conn.ok()) return;
  auto r = conn->Query("SELECT calls, tokens FROM meta.ai_usage WHERE scope = ?", {scope_});
  if (r.ok() && r->row_count() == 1) {
    day_calls_ = r->GetInt64(0, 0);
    day_tokens_ = r->GetInt64(1, 0);
  }
}

int64_t Budget::Acquire(int64_t wanted) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!SpentReasonLocked().empty()) return 0;
  int64_t room = std::min({wanted, Room(limits_.max_calls_per_run, run_calls_),
                           Room(limits_.max_calls_per_tenant_day, day_calls_)});
  // Reserve now so that concurrent callers cannot overshoot the call caps.
  run_calls_ += room;
  day_calls_ += room;
  return room;
}

int64_t Budget::CallsLeft() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!SpentReasonLocked().empty()) return 0;
  return std::min(Room(limits_.max_calls_per_run, run_calls_), Room(limits_.max_calls_per_tenant_day, day_calls_));
}

void Budget::Record(int64_t calls, int64_t tokens) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    run_tokens_ += tokens;
    day_tokens_ += tokens;
  }
  auto db = db_.lock();
  if (!db || (calls == 0 && tokens == 0)) return;
  auto conn = db->Connect();
  if (!conn.ok()) return;
  Status s = conn->Query(
                     "INSERT INTO meta.ai_usage(scope, calls, tokens) VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE "
                     "SET calls = ai_usage.calls + excluded.calls, tokens = ai_usage.tokens + excluded.tokens, "
                     "updated_at = now()",
                     {scope_, calls, tokens})
                 .status();
  if (!s.ok()) LogDebug("AI usage not recorded: " + s.message());
}

std::string Budget::SpentReasonLocked() const {
  if (limits_.max_calls_per_run > 0 && run_calls_ >= limits_.max_calls_per_run) {
    return fmt::format("max_calls_per_run = {} reached", limits_.max_calls_per_run);
  }
  if (limits_.max_tokens_per_run > 0 && run_tokens_ >= limits_.max_tokens_per_run) {
    return fmt::format("max_tokens_per_run = {} reached ({} used)", limits_.max_tokens_per_run, run_tokens_);
  }
  if (limits_.max_calls_per_tenant_day > 0 && day_calls_ >= limits_.max_calls_per_tenant_day) {
    return fmt::format("max_calls_per_tenant_day = {} reached for tenant '{}'", limits_.max_calls_per_tenant_day,
                       tenant_);
  }
  if (limits_.max_tokens_per_tenant_day > 0 && day_tokens_ >= limits_.max_tokens_per_tenant_day) {
    return fmt::format("max_tokens_per_tenant_day = {} reached for tenant '{}'", limits_.max_tokens_per_tenant_day,
                       tenant_);
  }
  return "";
}

std::string Budget::SpentReason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return SpentReasonLocked();
}

int64_t Budget::run_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return run_calls_;
}

int64_t Budget::run_tokens() const {
  std::lock_guard<std::mutex> lock(mu_);
  return run_tokens_;
}

Result<std::optional<Checkpoint>> LoadCheckpoint(store::Connection& conn, const std::string& step) {
  CI_ASSIGN_OR_RETURN(auto r, conn.Query("SELECT last_key, rows_done, stopped_reason FROM meta.ai_checkpoints "
                                         "WHERE step = ?",
                                         {step}));
  if (r.row_count() == 0) return std::optional<Checkpoint>();
  return std::optional<Checkpoint>(Checkpoint{r.GetString(0, 0), r.GetInt64(1, 0), r.GetString(2, 0)});
}

Status SaveCheckpoint(store::Connection& conn, const std::string& step, const Checkpoint& c) {
  return conn
      .Query("INSERT OR REPLACE INTO meta.ai_checkpoints(step, last_key, rows_done, stopped_reason, updated_at) "
             "VALUES (?, ?, ?, ?, current_timestamp)",
             {step, c.last_key, c.rows_done, c.stopped_reason})
      .status();
}

Status ClearCheckpoint(store::Connection& conn, const std::string& step) {
  return conn.Query("DELETE FROM meta.ai_checkpoints WHERE step = ?", {step}).status();
}

Result<StepProgress> RunBudgetedStep(store::Connection& conn, const std::string& step,
                                     std::span<const std::string> keys, size_t batch_size, const BatchFn& process) {
  CI_ASSIGN_OR_RETURN(std::optional<Checkpoint> checkpoint, LoadCheckpoint(conn, step));
  size_t start = 0;
  int64_t done_before = 0;
  if (checkpoint) {
    start = static_cast<size_t>(std::upper_bound(keys.begin(), keys.end(), checkpoint->last_key) - keys.begin());
    done_before = checkpoint->rows_done;
  }
  StepProgress p;
  p.rows_skipped = static_cast<int64_t>(start);
  batch_size = std::max<size_t>(batch_size, 1);
  for (size_t i = start; i < keys.size(); i += batch_size) {
    std::span<const std::string> batch = keys.subspan(i, std::min(batch_size, keys.size() - i));
    std::string why;
    CI_ASSIGN_OR_RETURN(size_t completed, process(batch, &why));
    p.rows_done += static_cast<int64_t>(completed);
    if (completed < batch.size()) {
      p.stopped_reason = why.empty() ? "stopped" : why;
      std::string last = i + completed > 0 ? std::string(keys[i + completed - 1]) : std::string();
      CI_RETURN_IF_ERROR(SaveCheckpoint(conn, step, {last, done_before + p.rows_done, p.stopped_reason}));
      return p;
    }
  }
  p.complete = true;
  CI_RETURN_IF_ERROR(ClearCheckpoint(conn, step));
  return p;
}

}  // namespace custintel::ai
