#include "server/audit.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>

#include "core/log.h"
#include "core/utf8.h"

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

UsageRow& AuditLog::Today(const std::string& tenant) {
  std::string day = UtcDay();
  UsageRow& u = usage_[{tenant, day}];
  u.tenant = tenant;
  u.day = std::move(day);
  return u;
}

void AuditLog::CountRequest(const std::string& tenant, bool ai, bool rate_limited) {
  std::lock_guard<std::mutex> lock(mu_);
  UsageRow& u = Today(tenant);
  u.requests += 1;
  u.ai_calls += ai ? 1 : 0;
  u.rate_limited += rate_limited ? 1 : 0;
}

void AuditLog::CountAiCall(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  Today(tenant).ai_calls += 1;
}

namespace {

// Every text of the row as valid UTF-8.
AuditRow Sanitised(AuditRow a) {
  for (std::string* s : {&a.at, &a.request_id, &a.key_id, &a.tenant, &a.role, &a.scope_account, &a.method, &a.route,
                         &a.path, &a.prompt_summary, &a.tables_touched, &a.response_summary}) {
    *s = ToValidUtf8(*s);
  }
  return a;
}

}  // namespace

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
  Status audit = control_->AppendAudit(rows);
  if (!audit.ok()) audit = AppendOneByOne(rows);
  Status counted = control_->AddUsage(usage);
  if (!counted.ok()) {  // keep the counts for the next flush
    std::lock_guard<std::mutex> lock(mu_);
    for (const UsageRow& u : usage) {
      UsageRow& kept = usage_[{u.tenant, u.day}];
      kept.tenant = u.tenant;
      kept.day = u.day;
      kept.requests += u.requests;
      kept.ai_calls += u.ai_calls;
      kept.rate_limited += u.rate_limited;
    }
  }
  return audit.ok() ? counted : audit;
}

Status AuditLog::AppendOneByOne(const std::vector<AuditRow>& rows) {
  for (size_t i = 0; i < rows.size(); ++i) {
    if (control_->AppendAudit({rows[i]}).ok()) continue;
    // Valid text is all a row can get wrong; when even the sanitised row is refused, the
    // database is what failed: keep this row and the rest for the next flush.
    Status s = control_->AppendAudit({Sanitised(rows[i])});
    if (s.ok()) {
      LogWarn("audit log: request " + rows[i].request_id + " was stored with invalid text replaced");
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    queue_.insert(queue_.begin(), rows.begin() + static_cast<std::ptrdiff_t>(i), rows.end());
    return s;
  }
  return Status::Ok();
}

nlohmann::json AuditJson(const AuditRow& a) {
  return {{"at", a.at}, {"request_id", a.request_id}, {"key_id", a.key_id}, {"tenant", a.tenant}, {"role", a.role},
          {"scope_account", a.scope_account}, {"method", a.method}, {"route", a.route}, {"path", a.path},
          {"prompt_summary", a.prompt_summary}, {"tables_touched", a.tables_touched},
          {"response_summary", a.response_summary}, {"rows_returned", a.rows_returned}, {"status", a.status},
          {"uses_ai", a.uses_ai}, {"duration_ms", a.duration_ms}};
}

AuditRow AuditFromJson(const nlohmann::json& j) {
  AuditRow a;
  auto text = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : ""; };
  a.at = text("at");
  a.request_id = text("request_id");
  a.key_id = text("key_id");
  a.tenant = text("tenant");
  a.role = text("role");
  a.scope_account = text("scope_account");
  a.method = text("method");
  a.route = text("route");
  a.path = text("path");
  a.prompt_summary = text("prompt_summary");
  a.tables_touched = text("tables_touched");
  a.response_summary = text("response_summary");
  a.rows_returned = j.value("rows_returned", int64_t{0});
  a.status = j.value("status", 0);
  a.uses_ai = j.value("uses_ai", false);
  a.duration_ms = j.value("duration_ms", 0.0);
  return a;
}

}  // namespace custintel::server
