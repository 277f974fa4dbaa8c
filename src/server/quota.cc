#include "server/quota.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "server/audit.h"

namespace custintel::server {

bool TokenBucket::Take(double now_s, double* retry_after_s) {
  if (last_s_ >= 0) tokens_ = std::min(burst_, tokens_ + (now_s - last_s_) * rate_);
  last_s_ = now_s;
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return true;
  }
  *retry_after_s = (1 - tokens_) / rate_;
  return false;
}

TierConfig Quotas::Tier(const std::string& tier) const {
  auto it = tiers_.find(tier);
  return it == tiers_.end() ? TierConfig{} : it->second;  // unknown tiers get the defaults
}

Status Quotas::TakeRequest(const std::string& tenant, const std::string& tier, int* retry_after_s) {
  double now = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = tenant + "/" + tier;
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    TierConfig t = Tier(tier);
    it = buckets_.emplace(key, TokenBucket(t.requests_per_second, t.burst)).first;
  }
  double wait = 0;
  if (it->second.Take(now, &wait)) return Status::Ok();
  *retry_after_s = std::max(1, static_cast<int>(std::ceil(wait)));
  return Status::ResourceExhausted(fmt::format("rate limit of tier '{}' reached ({} requests per second); retry after "
                                               "{} s", tier, Tier(tier).requests_per_second, *retry_after_s));
}

void Quotas::RollDay() {
  std::string today = UtcDay();
  if (today != day_) {
    day_ = today;
    ai_today_.clear();
  }
}

Status Quotas::CheckAi(const std::string& tenant, const std::string& tier, int* retry_after_s) {
  std::lock_guard<std::mutex> lock(mu_);
  RollDay();
  int64_t limit = Tier(tier).ai_calls_per_day;
  if (ai_today_[tenant] < limit) return Status::Ok();
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  *retry_after_s = static_cast<int>(86400 - secs % 86400);  // until the next UTC day
  return Status::ResourceExhausted(fmt::format("AI quota of tier '{}' spent ({} calls per day); it renews at 00:00 UTC",
                                               tier, limit));
}

void Quotas::CountAi(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  RollDay();
  ++ai_today_[tenant];
}

void Quotas::SeedAi(const std::string& tenant, int64_t calls) {
  std::lock_guard<std::mutex> lock(mu_);
  RollDay();
  ai_today_[tenant] = calls;
}

int64_t Quotas::AiCallsToday(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  RollDay();
  return ai_today_[tenant];
}

}  // namespace custintel::server
