#include "store/bronze.h"

#include <fmt/format.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "core/log.h"
#include "core/strings.h"

namespace custintel::store {
namespace {

namespace fs = std::filesystem;

constexpr char kTempSuffix[] = ".tmp";

// Fault injection for the crash tests (tests/ingest/kill_test.cc): when CUSTINTEL_CRASH_AT
// names this point, the process kills itself with SIGKILL right here, as a power cut would.
void CrashPoint(const char* name) {
  const char* at = std::getenv("CUSTINTEL_CRASH_AT");
  if (at && std::string_view(at) == name) raise(SIGKILL);
}

std::string ViewName(const std::string& kind) { return "bronze." + QuoteIdent(kind); }

// The batch id of "<id>.parquet" (or "<id>.parquet.tmp" with temp), or -1.
int64_t BatchIdOf(const std::string& name, bool temp) {
  std::string stem = name;
  if (temp) {
    if (!stem.ends_with(kTempSuffix)) return -1;
    stem.resize(stem.size() - std::string_view(kTempSuffix).size());
  }
  if (!stem.ends_with(".parquet")) return -1;
  stem.resize(stem.size() - std::string_view(".parquet").size());
  if (stem.empty() || stem.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(stem);
}

Result<bool> HasBatchTable(Connection& conn) { return TableExists(conn, "meta", "bronze_batches"); }

// kind → recorded batch ids.
Result<std::map<std::string, std::set<int64_t>>> RecordedBatches(Connection& conn) {
  std::map<std::string, std::set<int64_t>> out;
  CI_ASSIGN_OR_RETURN(bool has, HasBatchTable(conn));
  if (!has) return out;
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query("SELECT kind, batch_id FROM meta.bronze_batches"));
  for (size_t i = 0; i < r.row_count(); ++i) out[r.GetString(0, i)].insert(r.GetInt64(1, i));
  return out;
}

constexpr char kLineage[] = "NULL::VARCHAR AS _source, NULL::BIGINT AS _line, NULL::TIMESTAMPTZ AS _loaded_at, "
                            "NULL::BIGINT AS _batch_id, NULL::UBIGINT AS _row_hash";
constexpr char kMissing[] = " is missing, though the database records it";

// bronze.<kind> over every recorded file of the kind (the lineage columns alone when none).
// When a recorded file is missing, the view raises an error naming it on every read, and the
// open logs it: silver, gold and later batches do not need bronze, so the database stays usable
// (a copy of the database file without its folder, say) while no read of bronze can return a
// silently partial history.
Status ReplaceView(Connection& conn, const std::string& folder, const std::string& kind) {
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query(
      "SELECT batch_id FROM meta.bronze_batches WHERE kind = ? ORDER BY batch_id", {kind}));
  std::string files, missing;
  int64_t missing_count = 0;
  for (size_t i = 0; i < r.row_count(); ++i) {
    const std::string path = BronzeBatchPath(folder, kind, r.GetInt64(0, i));
    std::error_code ec;
    if (!fs::exists(path, ec) && missing_count++ == 0) {
      missing = fmt::format("bronze batch {} of {}: {}{} (meta.bronze_batches)", r.GetInt64(0, i), kind, path, kMissing);
    }
    files += (i ? ", " : "") + QuoteLiteral(path);
  }
  std::string body;
  if (missing_count > 0) {
    if (missing_count > 1) missing += fmt::format(", and {} more of its files", missing_count - 1);
    missing += "; restore the database's .bronze folder from the backup the database file came from "
               "(the file and its folder are one unit)";
    LogWarn(missing);
    body = fmt::format("SELECT {} FROM (SELECT error({}) AS e) WHERE e IS NULL", kLineage, QuoteLiteral(missing));
  } else if (r.row_count() == 0) {
    body = fmt::format("SELECT {} WHERE false", kLineage);
  } else {
    body = fmt::format("SELECT * FROM read_parquet([{}], union_by_name = true)", files);
  }
  return conn.Execute(fmt::format("CREATE OR REPLACE VIEW {} AS {}", ViewName(kind), body));
}

Status RemoveFile(const fs::path& p) {
  std::error_code ec;
  fs::remove(p, ec);
  if (ec) return Status::IoError(fmt::format("{}: cannot remove this orphan bronze file: {}", p.string(), ec.message()));
  return Status::Ok();
}

// Invariant 2: orphans (temporary files, files of unrecorded batches) removed.
Status RemoveOrphans(const std::string& folder, const std::map<std::string, std::set<int64_t>>& recorded) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return Status::Ok();
  for (const auto& dir : fs::directory_iterator(folder, ec)) {
    if (!dir.is_directory()) continue;
    const std::string kind = dir.path().filename().string();
    auto known = recorded.find(kind);
    for (const auto& f : fs::directory_iterator(dir.path(), ec)) {
      const std::string name = f.path().filename().string();
      const int64_t id = BatchIdOf(name, false);
      const bool committed = id >= 0 && known != recorded.end() && known->second.count(id) > 0;
      if (BatchIdOf(name, true) >= 0 || (id >= 0 && !committed)) CI_RETURN_IF_ERROR(RemoveFile(f.path()));
    }
  }
  if (ec) return Status::IoError(folder + ": " + ec.message());
  return Status::Ok();
}

// Whether bronze.<kind> reads files of `folder` and none is missing (false when the database
// file moved, or a missing file was reported: it may be back); a view over no files reads none.
Result<bool> ViewIsCurrent(Connection& conn, const std::string& folder, const std::string& kind) {
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query(
      "SELECT sql FROM duckdb_views() WHERE schema_name = 'bronze' AND view_name = ?", {kind}));
  if (r.row_count() == 0) return false;
  const std::string sql = r.GetString(0, 0);
  if (sql.find(kMissing) != std::string::npos) return false;
  return sql.find("read_parquet") == std::string::npos || sql.find(folder + "/" + kind + "/") != std::string::npos;
}

}  // namespace

Result<std::string> BronzeFolder(Connection& conn) {
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query(
      "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"));
  if (r.row_count() == 0 || r.IsNull(0, 0) || r.GetString(0, 0).empty() || r.GetString(0, 0) == ":memory:") {
    return Status::InvalidArgument(
        "bronze keeps each batch's raw rows as files beside the database, and this database is in memory: "
        "ingest into a database file (--db FILE)");
  }
  return fs::absolute(r.GetString(0, 0)).lexically_normal().string() + ".bronze";
}

std::string BronzeBatchPath(const std::string& folder, const std::string& kind, int64_t batch_id) {
  return fmt::format("{}/{}/{}.parquet", folder, kind, batch_id);
}

BronzeBatch& BronzeBatch::operator=(BronzeBatch&& o) noexcept {
  if (this == &o) return *this;
  Discard();
  folder_ = std::move(o.folder_);
  kind_ = std::move(o.kind_);
  temp_path_ = std::move(o.temp_path_);
  final_path_ = std::move(o.final_path_);
  batch_id_ = o.batch_id_;
  rows_ = o.rows_;
  published_ = o.published_;
  keep_ = o.keep_;
  o.temp_path_.clear();
  o.final_path_.clear();
  return *this;
}

void BronzeBatch::Discard() {
  if (keep_ || temp_path_.empty()) return;
  std::error_code ec;
  fs::remove(temp_path_, ec);
  if (published_) fs::remove(final_path_, ec);
  temp_path_.clear();
}

// zstd level 1: on the events of a 200k-customer shop (2.5M rows) the file is the same size as
// at DuckDB's default level 3 (58.2 against 58.5 MB) for 0.75 of the CPU (5.3 against 7.1 s;
// the old FSST bronze table: 8.3 s).
Result<BronzeBatch> WriteBronzeBatch(Connection& conn, const std::string& kind, int64_t batch_id,
                                     const std::string& select_sql) {
  BronzeBatch b;
  CI_ASSIGN_OR_RETURN(b.folder_, BronzeFolder(conn));
  b.kind_ = kind;
  b.batch_id_ = batch_id;
  b.final_path_ = BronzeBatchPath(b.folder_, kind, batch_id);
  b.temp_path_ = b.final_path_ + kTempSuffix;
  std::error_code ec;
  fs::create_directories(fs::path(b.final_path_).parent_path(), ec);
  if (ec) return Status::IoError(fmt::format("{}: cannot create the bronze folder: {}", b.folder_, ec.message()));
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query(fmt::format(
      "COPY ({}) TO {} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)", select_sql, QuoteLiteral(b.temp_path_))));
  b.rows_ = r.row_count() > 0 ? r.GetInt64(0, 0) : 0;
  CrashPoint("bronze-written");
  return b;
}

Status PublishBronzeBatch(Connection& conn, BronzeBatch* b) {
  CI_RETURN_IF_ERROR(conn.Query("INSERT INTO meta.bronze_batches(kind, batch_id, rows) VALUES (?, ?, ?)",
                                {b->kind_, b->batch_id_, b->rows_})
                         .status());
  std::error_code ec;
  fs::rename(b->temp_path_, b->final_path_, ec);
  if (ec) return Status::IoError(fmt::format("{}: cannot rename the bronze file into place: {}", b->temp_path_, ec.message()));
  b->published_ = true;
  CI_RETURN_IF_ERROR(ReplaceView(conn, b->folder_, b->kind_));
  CrashPoint("bronze-renamed");
  return Status::Ok();
}

Status ReconcileBronze(Connection& conn) {
  CI_ASSIGN_OR_RETURN(auto recorded, RecordedBatches(conn));
  Result<std::string> folder = BronzeFolder(conn);
  if (!folder.ok()) return recorded.empty() ? Status::Ok() : folder.status();
  CI_RETURN_IF_ERROR(RemoveOrphans(*folder, recorded));
  std::set<std::string> kinds;
  for (const auto& [kind, ids] : recorded) {
    for (int64_t id : ids) {
      std::error_code ec;
      if (!fs::exists(BronzeBatchPath(*folder, kind, id), ec)) kinds.insert(kind);  // ReplaceView says which
    }
  }
  CI_ASSIGN_OR_RETURN(QueryResult views, conn.Query(
      "SELECT view_name FROM duckdb_views() WHERE schema_name = 'bronze' AND NOT internal"));
  for (size_t i = 0; i < views.row_count(); ++i) {
    const std::string kind = views.GetString(0, i);
    CI_ASSIGN_OR_RETURN(bool current, ViewIsCurrent(conn, *folder, kind));
    if (!current) kinds.insert(kind);
  }
  for (const auto& kind : kinds) CI_RETURN_IF_ERROR(ReplaceView(conn, *folder, kind));
  return Status::Ok();
}

Status MoveBronzeTablesToFiles(Connection& conn) {
  CI_ASSIGN_OR_RETURN(QueryResult tables, conn.Query(
      "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'bronze' AND table_name <> 'rejects' "
      "AND NOT temporary ORDER BY table_name"));
  if (tables.row_count() == 0) return Status::Ok();
  CI_ASSIGN_OR_RETURN(std::string folder, BronzeFolder(conn));
  for (size_t t = 0; t < tables.row_count(); ++t) {
    const std::string kind = tables.GetString(0, t), table = ViewName(kind);
    CI_ASSIGN_OR_RETURN(QueryResult batches, conn.Query(fmt::format(
        "SELECT DISTINCT coalesce(_batch_id, 0) FROM {} ORDER BY 1", table)));
    for (size_t i = 0; i < batches.row_count(); ++i) {
      const int64_t id = batches.GetInt64(0, i);
      CI_ASSIGN_OR_RETURN(BronzeBatch b, WriteBronzeBatch(conn, kind, id, fmt::format(
          "SELECT * FROM {} WHERE coalesce(_batch_id, 0) = {} ORDER BY _line", table, id)));
      CI_RETURN_IF_ERROR(conn.Query("INSERT INTO meta.bronze_batches(kind, batch_id, rows) VALUES (?, ?, ?)",
                                    {kind, id, b.rows()}).status());
      std::error_code ec;
      fs::rename(b.temp_path_, b.final_path_, ec);
      if (ec) return Status::IoError(fmt::format("{}: cannot rename into place: {}", b.temp_path_, ec.message()));
      // A failed migration rolls back; its renamed files are then orphans that the next open's
      // reconcile removes (the migration writes them again).
      b.Keep();
    }
    CI_RETURN_IF_ERROR(conn.Execute("DROP TABLE " + table));
    CI_RETURN_IF_ERROR(ReplaceView(conn, folder, kind));
  }
  return Status::Ok();
}

}  // namespace custintel::store
