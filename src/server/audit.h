// The audit log and usage counters, written to the control database in the background so a
// request never waits on it: Record() queues, a flusher thread appends every 200 ms, and
// Flush() writes what is queued now (GET /v1/audit flushes first, so a client reads its own
// requests). Stop() flushes what is left.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/control.h"

namespace custintel::server {

class AuditLog {
 public:
  explicit AuditLog(ControlDb* control) : control_(control) {}
  ~AuditLog() { Stop(); }
  void Start();
  void Stop();

  void Record(AuditRow row);
  // Requests, AI calls and refusals per tenant and UTC day.
  void CountRequest(const std::string& tenant, bool ai, bool rate_limited);
  // Writes everything queued. Errors are logged and the rows kept for the next try.
  Status Flush();

 private:
  ControlDb* control_;
  std::mutex mu_;
  std::mutex flush_mu_;  // one flush at a time
  std::condition_variable cv_;
  std::vector<AuditRow> queue_;
  std::map<std::pair<std::string, std::string>, UsageRow> usage_;  // (tenant, day) -> deltas
  bool stopping_ = false;
  std::thread flusher_;
};

// Now in UTC: "YYYY-MM-DD HH:MM:SS.ffffff+00" and "YYYY-MM-DD".
std::string UtcTimestamp();
std::string UtcDay();

}  // namespace custintel::server
