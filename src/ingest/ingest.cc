#include "ingest/ingest.h"

#include <fmt/format.h>

#include <filesystem>

#include "core/strings.h"
#include "ingest/conform_sql.h"
#include "ingest/contract.h"

namespace custintel::ingest {
namespace {

namespace fs = std::filesystem;
using store::Connection;
using store::QueryResult;

std::string FormatFromPath(const std::string& path) {
  std::string name = ToLower(fs::path(path).filename().string());
  for (const char* gz : {".gz", ".zst"}) {
    if (name.ends_with(gz)) name.resize(name.size() - std::string_view(gz).size());
  }
  if (name.ends_with(".csv") || name.ends_with(".tsv") || name.ends_with(".txt")) return "csv";
  if (name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json")) return "jsonl";
  if (name.ends_with(".parquet")) return "parquet";
  return "";
}

std::string KindFromPath(const std::string& path) {
  std::string stem = fs::path(path).filename().string();
  return ToLower(stem.substr(0, stem.find('.')));
}

Status CheckReadable(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::NotFound(path + ": no such file");
  if (fs::is_directory(path, ec)) return Status::InvalidArgument(path + " is a directory, not a file");
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::IoError(path + ": cannot be read (permission denied?)");
  std::fclose(f);
  return Status::Ok();
}

// Loads the file into TEMP table ci_stage: _line plus every source column as VARCHAR.
Status Stage(Connection& conn, const std::string& path, const std::string& format) {
  std::string lit = QuoteLiteral(path);
  std::string source;
  if (format == "csv") {
    source = fmt::format(
        "SELECT row_number() OVER () + 1 AS _line, * FROM read_csv({}, all_varchar = true, "
        "header = true, auto_detect = true)", lit);
  } else if (format == "parquet") {
    source = fmt::format("SELECT row_number() OVER () AS _line, COLUMNS(*)::VARCHAR FROM read_parquet({})", lit);
  } else if (format == "jsonl") {
    CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
        "CREATE OR REPLACE TEMP TABLE ci_json AS SELECT row_number() OVER () AS _line, json "
        "FROM read_ndjson_objects({})", lit)));
    CI_ASSIGN_OR_RETURN(QueryResult keys, conn.Query(
        "SELECT DISTINCT unnest(json_keys(json)) AS k FROM ci_json ORDER BY k"));
    std::string cols;
    for (size_t r = 0; r < keys.row_count(); ++r) {
      std::string k = keys.GetString(0, r), path_expr = QuoteLiteral("$." + QuoteIdent(k));
      cols += fmt::format(", CASE WHEN json_type(json, {0}) IN ('OBJECT', 'ARRAY') THEN "
                          "json_extract(json, {0})::VARCHAR ELSE json_extract_string(json, {0}) END AS {1}",
                          path_expr, QuoteIdent(k));
    }
    source = "SELECT _line" + cols + " FROM ci_json";
  } else {
    return Status::InvalidArgument(path + ": unknown format '" + format + "' (use csv, jsonl or parquet)");
  }
  Status s = conn.Execute("CREATE OR REPLACE TEMP TABLE ci_stage AS " + source);
  return s.WithContext(path);
}

Result<std::vector<std::string>> StageColumns(Connection& conn) {
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query(
      "SELECT column_name FROM duckdb_columns() WHERE table_name = 'ci_stage' AND database_name = 'temp' "
      "AND column_name <> '_line' ORDER BY column_index"));
  std::vector<std::string> cols;
  for (size_t i = 0; i < r.row_count(); ++i) cols.push_back(r.GetString(0, i));
  return cols;
}

Result<int64_t> NextBatchId(Connection& conn) {
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query("SELECT nextval('meta.batch_seq')"));
  return r.GetInt64(0, 0);
}

Result<IngestCounts> IngestInTransaction(Connection& conn, const std::string& path,
                                         const IngestOptions& options) {
  CI_RETURN_IF_ERROR(CheckReadable(path));
  IngestCounts counts;
  counts.source = path;
  counts.kind = options.kind.empty() ? KindFromPath(path) : options.kind;
  const KindContract* contract = FindContract(counts.kind);
  if (!contract) {
    return Status::InvalidArgument(fmt::format("{}: unknown kind '{}' (expected one of: {})", path,
                                               counts.kind, KindNames()));
  }
  std::string format = options.format.empty() ? FormatFromPath(path) : options.format;
  if (format.empty()) {
    return Status::InvalidArgument(path + ": cannot tell the format from the name; pass --format csv|jsonl|parquet");
  }
  CI_RETURN_IF_ERROR(Stage(conn, path, format));
  CI_ASSIGN_OR_RETURN(std::vector<std::string> columns, StageColumns(conn));
  CI_ASSIGN_OR_RETURN(ConformPlan plan, PlanConform(*contract, columns, options.column_map, path));
  CI_ASSIGN_OR_RETURN(counts.batch_id, NextBatchId(conn));
  CI_ASSIGN_OR_RETURN(MergeCounts merged, RunConform(conn, *contract, plan, path, counts.batch_id));
  counts.rows_read = merged.rows_read;
  counts.loaded = merged.loaded;
  counts.updated = merged.updated;
  counts.unchanged = merged.unchanged;
  counts.rejected = merged.rejected;
  CI_RETURN_IF_ERROR(conn.Query(
      "INSERT INTO meta.ingest_batches(batch_id, kind, source, format, rows_read, loaded, updated, "
      "unchanged, rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {counts.batch_id, counts.kind, path, format, counts.rows_read, counts.loaded, counts.updated,
       counts.unchanged, counts.rejected}).status());
  if (options.on_batch) CI_RETURN_IF_ERROR(options.on_batch(conn, counts));
  return counts;
}

// Parents before children, so orphan counts are meaningful.
int KindOrder(const std::string& kind) {
  const auto& all = Contracts();
  static const std::vector<std::string> kOrder = {"products", "customers", "orders", "order_items",
                                                  "events", "reviews", "tickets", "notes"};
  for (size_t i = 0; i < kOrder.size(); ++i) {
    if (kOrder[i] == kind) return static_cast<int>(i);
  }
  return static_cast<int>(all.size());
}

}  // namespace

Result<IngestCounts> IngestFile(Connection& conn, const std::string& path, const IngestOptions& options) {
  CI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(conn));
  CI_ASSIGN_OR_RETURN(IngestCounts counts, IngestInTransaction(conn, path, options));
  CI_RETURN_IF_ERROR(tx.Commit());
  return counts;
}

Result<std::vector<IngestCounts>> IngestDirectory(Connection& conn, const std::string& dir,
                                                  const IngestOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound(dir + ": no such directory");
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    std::string p = entry.path().string();
    if (!FindContract(KindFromPath(p))) {
      return Status::InvalidArgument(fmt::format("{}: the file name does not name a kind (expected "
                                                 "<kind>.csv|.jsonl|.parquet with kind one of: {})",
                                                 p, KindNames()));
    }
    files.push_back(p);
  }
  if (ec) return Status::IoError(dir + ": " + ec.message());
  if (files.empty()) return Status::NotFound(dir + ": no <kind>.csv|.jsonl|.parquet files in it");
  std::sort(files.begin(), files.end(), [](const std::string& a, const std::string& b) {
    return std::pair(KindOrder(KindFromPath(a)), a) < std::pair(KindOrder(KindFromPath(b)), b);
  });
  CI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(conn));
  std::vector<IngestCounts> out;
  for (const auto& f : files) {
    IngestOptions per_file;
    per_file.on_batch = options.on_batch;
    CI_ASSIGN_OR_RETURN(IngestCounts c, IngestInTransaction(conn, f, per_file));
    out.push_back(std::move(c));
  }
  CI_RETURN_IF_ERROR(tx.Commit());
  return out;
}

}  // namespace custintel::ingest
