// Rate limits and quotas per tenant, from the tier of the calling key (config [tiers.<name>]):
//   - requests per second: a token bucket per (tenant, tier), refilled continuously;
//     an empty bucket answers 429 with Retry-After (whole seconds until a token is back);
//   - AI calls per UTC day per tenant: counted when an AI request succeeds, seeded at start
//     from the control database's usage table so a restart does not reset the day.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "core/config.h"
#include "core/status.h"

namespace custintel::server {

class TokenBucket {
 public:
  TokenBucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}
  // Takes one token at time `now_s` (seconds, monotonic). On refusal *retry_after_s is the
  // wait until a token is available.
  bool Take(double now_s, double* retry_after_s);

 private:
  double rate_, burst_, tokens_;
  double last_s_ = -1;
};

class Quotas {
 public:
  explicit Quotas(std::map<std::string, TierConfig> tiers) : tiers_(std::move(tiers)) {}
  // ResourceExhausted("... retry after N s") when the tenant's bucket is empty;
  // *retry_after_s says N.
  Status TakeRequest(const std::string& tenant, const std::string& tier, int* retry_after_s);
  // ResourceExhausted when today's AI calls reached the tier's ai_calls_per_day.
  Status CheckAi(const std::string& tenant, const std::string& tier, int* retry_after_s);
  void CountAi(const std::string& tenant);
  // Sets today's AI calls of a tenant (from the usage table at start).
  void SeedAi(const std::string& tenant, int64_t calls);
  int64_t AiCallsToday(const std::string& tenant);
  TierConfig Tier(const std::string& tier) const;

 private:
  void RollDay();  // REQUIRES: mu_ held
  std::map<std::string, TierConfig> tiers_;
  std::mutex mu_;
  std::map<std::string, TokenBucket> buckets_;
  std::map<std::string, int64_t> ai_today_;
  std::string day_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace custintel::server
