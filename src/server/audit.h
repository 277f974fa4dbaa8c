// The audit log and usage counters, written to the control database in the background so a
// request never waits on it: Record() queues, a flusher thread appends every 200 ms, and
// Flush() writes what is queued now (GET /v1/audit flushes first, so a client reads its own
// requests). Stop() flushes what is left.
//
// A row the database refuses never stops the log: the batch is retried row by row, a refused
// row is written once more with its text made valid UTF-8 (only when even that fails is the
// database itself failing, and the rows are kept for the next flush); usage counters are written on their own, so a bad audit row cannot lose them.
// Writes record their audit row in their own transaction as well (server/writes.h).
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

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
  // An AI call made inside a request whose route is not uses_ai (on-demand texts).
  void CountAiCall(const std::string& tenant);
  // Writes everything queued. Errors are logged and the rows kept for the next try.
  Status Flush();

 private:
  // The tenant's usage deltas of the current UTC day. REQUIRES: mu_ held.
  UsageRow& Today(const std::string& tenant);
  // Appends rows one at a time after a batch failed (see the class comment).
  Status AppendOneByOne(const std::vector<AuditRow>& rows);

  ControlDb* control_;
  std::mutex mu_;
  std::mutex flush_mu_;  // one flush at a time
  std::condition_variable cv_;
  std::vector<AuditRow> queue_;
  std::map<std::pair<std::string, std::string>, UsageRow> usage_;  // (tenant, day) -> deltas
  bool stopping_ = false;
  std::thread flusher_;
};

// An audit row as JSON and back (kept with writes in meta.api_writes).
nlohmann::json AuditJson(const AuditRow& row);
AuditRow AuditFromJson(const nlohmann::json& j);

// Now in UTC: "YYYY-MM-DD HH:MM:SS.ffffff+00" and "YYYY-MM-DD".
std::string UtcTimestamp();
std::string UtcDay();

}  // namespace custintel::server
