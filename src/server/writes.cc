#include "server/writes.h"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "core/hash.h"
#include "core/strings.h"
#include "core/utf8.h"
#include "server/audit.h"

namespace custintel::server {
namespace {

using nlohmann::json;

// How long a writer that lost the race waits for the winner's commit to show.
constexpr auto kWaitForWinner = std::chrono::seconds(2);

// Writers of one key take turns in this process (striped by the key's hash), so the second
// finds the first's committed record instead of failing its commit on the primary key: with
// DuckDB 1.4.4 a commit refused on meta.api_writes' key while another writer's commit went in
// has been seen to leave silver.reviews without a row that was acknowledged. The primary key
// stays as the guarantee; the turns keep DuckDB off that path. (One process writes a DuckDB
// file at a time, so in-process turns cover every writer.)
std::mutex& KeyTurn(const WriteKey& key, const std::string& tenant) {
  static std::array<std::mutex, 64> stripes;
  return stripes[std::hash<std::string>{}(tenant + '\n' + key.kind + '\n' + key.natural_key) % stripes.size()];
}

// The earlier answer to `key`: the same one for the same body, 409 for another body.
Result<std::optional<Reply>> Repeated(store::Connection& c, const WriteKey& key) {
  CI_ASSIGN_OR_RETURN(auto r, c.Query("SELECT body_hash, status, response::VARCHAR, "
                                      "strftime(written_at, '%Y-%m-%d') FROM meta.api_writes "
                                      "WHERE kind = $1 AND natural_key = $2",
                                      {key.kind, key.natural_key}));
  if (r.row_count() == 0) return std::optional<Reply>();
  if (r.GetString(0, 0) != key.body_hash) {
    return Status::AlreadyExists(fmt::format("{} '{}' already exists (with another body)", key.kind, key.natural_key));
  }
  if (r.IsNull(2, 0)) {  // compacted: the answer is gone, the row stays
    return Status::AlreadyExists(fmt::format("{} '{}' was stored on {}; its answer is kept {} days only", key.kind,
                                             key.natural_key, r.GetString(3, 0), kKeepWriteAnswersDays));
  }
  Reply first;
  first.status = static_cast<int>(r.GetInt64(1, 0));
  first.body = json::parse(r.GetString(2, 0), nullptr, false);
  return std::optional<Reply>(std::move(first));
}

Status Record(store::Connection& c, const WriteKey& key, const Reply& answer, const AuditRow& audit) {
  return c.Query("INSERT INTO meta.api_writes(kind, natural_key, body_hash, status, response, request_id, audit, "
                 "written_at) VALUES ($1, $2, $3, $4, $5::JSON, $6, $7::JSON, current_timestamp)",
                 {key.kind, key.natural_key, key.body_hash, int64_t{answer.status}, answer.body.dump(),
                  audit.request_id, AuditJson(audit).dump()})
      .status();
}

// Whether the write failed because a concurrent writer of the same key committed first:
// DuckDB refuses the loser's commit (or insert) on meta.api_writes' primary key, or reports a
// write-write conflict.
bool LostRace(const Status& s) {
  const std::string m = ToLower(s.message());
  return m.find("duplicate key") != std::string::npos || m.find("primary key") != std::string::npos ||
         m.find("conflict") != std::string::npos;
}

}  // namespace

Status PrepareWriteLedger(store::Connection& conn) {
  return conn.Execute(
      "CREATE SCHEMA IF NOT EXISTS meta;"
      "CREATE TABLE IF NOT EXISTS meta.api_writes (kind VARCHAR NOT NULL, natural_key VARCHAR NOT NULL, "
      "body_hash VARCHAR NOT NULL, status INTEGER NOT NULL, response JSON, request_id VARCHAR, audit JSON, "
      "written_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (kind, natural_key))");
}

std::string BodyHash(const json& body) { return Sha256Hex(body.dump()); }

Result<Reply> WriteOnce(RequestContext& ctx, const WriteKey& key,
                        const std::function<Result<Reply>(store::Connection&)>& write) {
  store::Connection& c = ctx.lease.conn();
  auto attempt = [&]() -> Result<Reply> {
    CI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(c));
    CI_ASSIGN_OR_RETURN(std::optional<Reply> first, Repeated(c, key));
    if (first) return std::move(*first);
    CI_ASSIGN_OR_RETURN(Reply answer, write(c));
    AuditRow audit = ctx.audit ? *ctx.audit : AuditRow{};
    audit.status = answer.status;
    audit.tables_touched = Join(ctx.tables, ",");
    audit.rows_returned = ctx.rows;
    audit.prompt_summary = Utf8Truncate(ctx.prompt_summary, 200);
    audit.response_summary = Utf8Truncate(ctx.response_summary, 200);
    if (audit.at.empty()) audit.at = UtcTimestamp();
    CI_RETURN_IF_ERROR(Record(c, key, answer, audit));
    CI_RETURN_IF_ERROR(tx.Commit());
    return answer;
  };
  Result<Reply> answer = Status::Internal("not run");
  {
    std::lock_guard<std::mutex> turn(KeyTurn(key, ctx.tenant.name()));
    answer = attempt();
  }
  if (answer.ok() || !LostRace(answer.status())) return answer;
  // A concurrent writer of the same key committed first: answer as a repeat once its record is
  // visible.
  const auto deadline = std::chrono::steady_clock::now() + kWaitForWinner;
  while (std::chrono::steady_clock::now() < deadline) {
    Result<std::optional<Reply>> first = Repeated(c, key);
    if (!first.ok()) return first.status();
    if (*first) return std::move(**first);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::AlreadyExists(fmt::format("another request is writing {} '{}' now; retry", key.kind, key.natural_key));
}

Result<int64_t> CompactWriteLedger(store::Connection& conn, int64_t keep_days) {
  CI_ASSIGN_OR_RETURN(auto r, conn.Query(
      "UPDATE meta.api_writes SET response = NULL, audit = NULL, request_id = NULL "
      "WHERE written_at < current_timestamp - to_days($1::INTEGER) AND (response IS NOT NULL OR audit IS NOT NULL)",
      {keep_days}));
  return r.rows_changed();
}

Result<std::vector<AuditRow>> WriteAudits(store::Connection& conn, const std::string& since) {
  CI_ASSIGN_OR_RETURN(auto r, conn.Query("SELECT audit::VARCHAR FROM meta.api_writes WHERE audit IS NOT NULL AND "
                                         "($1::VARCHAR IS NULL OR written_at >= $1::TIMESTAMPTZ) ORDER BY written_at",
                                         {since.empty() ? store::Param() : store::Param(since)}));
  std::vector<AuditRow> out;
  for (size_t i = 0; i < r.row_count(); ++i) {
    json j = json::parse(r.GetString(0, i), nullptr, false);
    if (j.is_object()) out.push_back(AuditFromJson(j));
  }
  return out;
}

}  // namespace custintel::server
