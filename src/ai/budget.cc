#include "ai/budget.h"

#include <algorithm>
#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>


namespace custintel::ai {
namespace {

std::string TodayUtc() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  return fmt::format("{:%Y-%m-%d}", fmt::gmtime(t));
}

int64_t Room(int64_t cap, int64_t used) { return cap <= 0 ? INT64_MAX : std::max<int64_t>(0, cap - used); }

}  // namespace

Budget::Budget(BudgetLimits limits, std::string tenant, std::shared_ptr<UsageStore> usage)
    : limits_(limits), tenant_(std::move(tenant)), scope_("tenant:" + tenant_ + ":" + TodayUtc()),
      usage_(std::move(usage)) {
  LoadTenantUsage();
}

void Budget::LoadTenantUsage() {
  if (!usage_) return;
  UsageStore::Usage u = usage_->Load(scope_);
  day_calls_ = u.calls;
  day_tokens_ = u.tokens;
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
  if (usage_ && (calls != 0 || tokens != 0)) usage_->Add(scope_, calls, tokens);
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

}  // namespace custintel::ai
