// Writes through the API, each at most once, each with its audit row.
//
// meta.api_writes in the tenant database records every write the API makes (reviews,
// tickets, refreshed insights) in the write's own transaction: its natural key (kind +
// review_id / ticket_id), a hash of its body, the answer given, and the request's audit row.
// Its primary key (kind, natural_key) is the unique constraint behind idempotency: of two
// writers of one key, one commits; the other sees the first's record and gets the first answer
// when its body is the same, 409 otherwise. And because the audit row commits with the write,
// a server killed before its audit log reached the control database loses none: the next start
// appends what is missing (Server::RecoverWriteAudits), then drops the answers and audit rows of
// writes older than kKeepWriteAnswersDays (CompactWriteLedger), so the ledger stays bounded.
//
//   WriteKey key{"reviews", review_id, BodyHash(body)};
//   return WriteOnce(ctx, key, [&](store::Connection& c) -> Result<Reply> { ...insert...; return reply; });
//
// Thread safety: functions over the caller's connection; concurrency is DuckDB's (MVCC + the key).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "server/api.h"
#include "server/control.h"
#include "store/database.h"

namespace custintel::server {

struct WriteKey {
  std::string kind;         // "reviews", "tickets", "segment_insight"
  std::string natural_key;  // the row's id (for writes without one: the request id)
  std::string body_hash;    // BodyHash of the request
};

// Creates meta.api_writes when missing (at tenant open).
Status PrepareWriteLedger(store::Connection& conn);

// SHA-256 of the body's canonical JSON (object keys sorted, no whitespace): the same request
// sent twice hashes the same, however its client formatted it.
std::string BodyHash(const nlohmann::json& body);

// Runs `write` (which writes the rows, fills ctx.tables/rows/response_summary and returns the
// answer) and records it under `key` in one transaction. A key written before answers as
// described above, without running `write`.
Result<Reply> WriteOnce(RequestContext& ctx, const WriteKey& key,
                        const std::function<Result<Reply>(store::Connection&)>& write);

// Audit rows recorded with writes since `since` (UTC timestamp text; "" = all).
Result<std::vector<AuditRow>> WriteAudits(store::Connection& conn, const std::string& since);

// How long a write's answer stays in the ledger: a repeat within it gets the same answer; after
// it, 409 naming when the row was stored (the key and body hash stay for good: the row exists).
inline constexpr int64_t kKeepWriteAnswersDays = 7;

// Bounds the ledger: drops the answer and the audit row of writes older than `keep_days`,
// keeping (kind, key, body hash, status, time) — what idempotency needs, ~100 bytes a write
// instead of the answer's kilobytes. REQUIRES: their audit rows are in the audit log
// (Server::RecoverWriteAudits runs first). Returns how many writes were compacted.
Result<int64_t> CompactWriteLedger(store::Connection& conn, int64_t keep_days = kKeepWriteAnswersDays);

}  // namespace custintel::server
