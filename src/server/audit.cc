#include "server/audit.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>

#include "core/log.h"

namespace custintel::server {

std::string UtcTimestamp() {
  auto now = std::chrono::system_clock::now();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:%Y-%m-%d %H:%M:%S}.{:06d}+00", tm, us);
}

std::string UtcDay() { return UtcTimestamp().substr(0, 10); }

void AuditLog::Start() {
  flusher_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, std::chrono::milliseconds(200));
      lock.unlock();
      Status s = Flush();
      if (!s.ok()) LogWarn("audit log: " + s.message());
      lock.lock();
    }
  });
}

void AuditLog::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  Status s = Flush();
  if (!s.ok()) LogWarn("audit log: " + s.message());
}

void AuditLog::Record(AuditRow row) {
  if (row.at.empty()) row.at = UtcTimestamp();
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(row));
}

void AuditLog::CountRequest(const std::string& tenant, bool ai, bool rate_limited) {
  std::string day = UtcDay();
  std::lock_guard<std::mutex> lock(mu_);
  UsageRow& u = usage_[{tenant, day}];
  u.tenant = tenant;
  u.day = day;
  u.requests += 1;
  u.ai_calls += ai ? 1 : 0;
  u.rate_limited += rate_limited ? 1 : 0;
}

Status AuditLog::Flush() {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  std::vector<AuditRow> rows;
  std::vector<UsageRow> usage;
  {
    std::lock_guard<std::mutex> lock(mu_);
    rows.swap(queue_);
    for (auto& [k, u] : usage_) usage.push_back(u);
    usage_.clear();
  }
  Status s = control_->AppendAudit(rows);
  if (s.ok()) s = control_->AddUsage(usage);
  if (!s.ok()) {  // keep them for the next flush
    std::lock_guard<std::mutex> lock(mu_);
    queue_.insert(queue_.begin(), rows.begin(), rows.end());
  }
  return s;
}

}  // namespace custintel::server
