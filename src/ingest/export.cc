#include "ingest/export.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <set>

#include "core/strings.h"
#include "ingest/postgres_client.h"

namespace custintel::ingest {
namespace {

namespace fs = std::filesystem;
using store::ColumnType;
using store::Connection;

struct Column {
  std::string source, target;
  ColumnType type;
};

std::string QualifiedName(const std::string& table) {
  std::string out;
  for (const auto& part : Split(table, '.')) out += (out.empty() ? "" : ".") + QuoteIdent(Trim(part));
  return out;
}

// The exported columns: options.columns (or all) of the source, renamed by column_map.
Result<std::vector<Column>> ResolveColumns(Connection& conn, const ExportOptions& o) {
  CI_ASSIGN_OR_RETURN(store::QueryResult probe, conn.Query("SELECT * FROM " + QualifiedName(o.table) + " LIMIT 0"));
  std::map<std::string, std::string> target_of;
  for (const auto& [target, source] : o.column_map) target_of[source] = target;
  std::vector<Column> out;
  std::set<std::string> wanted(o.columns.begin(), o.columns.end());
  const bool all = wanted.empty();
  for (size_t i = 0; i < probe.column_count(); ++i) {
    const std::string& name = probe.column_name(i);
    if (!all && !wanted.erase(name)) continue;
    auto t = target_of.find(name);
    out.push_back({name, t == target_of.end() ? name : t->second, probe.column_type(i)});
    if (t != target_of.end()) target_of.erase(t);
  }
  if (!wanted.empty()) {
    return Status::InvalidArgument(fmt::format("{} has no column '{}'", o.table, *wanted.begin()));
  }
  if (!target_of.empty()) {
    return Status::InvalidArgument(fmt::format("--map {}={}: {} has no exported column '{}'", target_of.begin()->second,
                                               target_of.begin()->first, o.table, target_of.begin()->first));
  }
  if (out.empty()) return Status::InvalidArgument(o.table + ": nothing to export");
  return out;
}

std::string SelectSql(const ExportOptions& o, const std::vector<Column>& cols) {
  std::string list;
  for (const auto& c : cols) list += (list.empty() ? "" : ", ") + QuoteIdent(c.source) + " AS " + QuoteIdent(c.target);
  return "SELECT " + list + " FROM " + QualifiedName(o.table);
}

std::string TempPathBeside(const std::string& path) {
  std::random_device rd;
  return path + ".tmp-" + std::to_string(rd());
}

Result<int64_t> CopyToFile(Connection& conn, const std::string& select, const std::string& path,
                           const std::string& format) {
  std::string options = format == "parquet" ? "FORMAT parquet" : "FORMAT csv, HEADER true";
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(fmt::format("COPY ({}) TO {} ({})", select,
                                                                  QuoteLiteral(path), options)));
  return r.row_count() > 0 ? r.GetInt64(0, 0) : r.rows_changed();
}

Result<ExportReport> ExportToFile(Connection& conn, const ExportOptions& o, const std::vector<Column>& cols) {
  std::string lower = ToLower(o.to);
  std::string format = lower.ends_with(".parquet") ? "parquet" : lower.ends_with(".csv") ? "csv" : "";
  if (format.empty()) {
    return Status::InvalidArgument("--to " + o.to + ": name a .parquet or .csv file or a postgresql:// URL");
  }
  std::string tmp = TempPathBeside(o.to);
  Result<int64_t> rows = CopyToFile(conn, SelectSql(o, cols), tmp, format);
  std::error_code ec;
  if (rows.ok()) fs::rename(tmp, o.to, ec);
  if (!rows.ok() || ec) {
    fs::remove(tmp, ec);
    return rows.ok() ? Status::IoError(o.to + ": cannot be written: " + ec.message()) : rows.status();
  }
  return ExportReport{*rows, o.to};
}

const char* PgType(ColumnType t) {
  switch (t) {
    case ColumnType::kBoolean: return "boolean";
    case ColumnType::kInteger: return "bigint";
    case ColumnType::kDouble: return "double precision";
    case ColumnType::kDecimal: return "numeric";
    case ColumnType::kJson: return "jsonb";
    case ColumnType::kTimestamp: return "timestamptz";
    case ColumnType::kDate: return "date";
    default: return "text";
  }
}

std::string PgColumnList(const PgConnection& pg, const std::vector<Column>& cols, const char* prefix = "") {
  std::string out;
  for (const auto& c : cols) out += (out.empty() ? "" : ", ") + std::string(prefix) + pg.QuoteIdentifier(c.target);
  return out;
}

// The upsert, after the rows are in the temp table ci_export.
std::string UpsertSql(const PgConnection& pg, const std::string& target, const std::vector<Column>& cols,
                      const std::vector<std::string>& key) {
  std::string keys, updates;
  for (const auto& k : key) keys += (keys.empty() ? "" : ", ") + pg.QuoteIdentifier(k);
  for (const auto& c : cols) {
    if (std::find(key.begin(), key.end(), c.target) != key.end()) continue;
    std::string q = pg.QuoteIdentifier(c.target);
    updates += (updates.empty() ? "" : ", ") + q + " = EXCLUDED." + q;
  }
  return fmt::format("INSERT INTO {0} ({1}) SELECT {1} FROM ci_export ON CONFLICT ({2}) DO {3}", target,
                     PgColumnList(pg, cols), keys, updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
}

std::string CreateTargetSql(const PgConnection& pg, const std::string& target, const std::vector<Column>& cols,
                            const std::vector<std::string>& key) {
  std::string defs, keys;
  for (const auto& c : cols) defs += fmt::format("{}{} {}", defs.empty() ? "" : ", ", pg.QuoteIdentifier(c.target), PgType(c.type));
  for (const auto& k : key) keys += (keys.empty() ? "" : ", ") + pg.QuoteIdentifier(k);
  return fmt::format("CREATE TABLE IF NOT EXISTS {} ({}, PRIMARY KEY ({}))", target, defs, keys);
}

// Streams a CSV file into COPY ... FROM STDIN, 1 MiB at a time.
Status StreamFileIn(PgConnection& pg, const std::string& copy_sql, const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::IoError(path + ": cannot be read");
  Status s = pg.CopyIn(copy_sql, [&]() -> Result<std::string> {
    std::string chunk(1 << 20, '\0');
    chunk.resize(std::fread(chunk.data(), 1, chunk.size(), f));
    if (chunk.empty() && std::ferror(f)) return Status::IoError(path + ": read failed");
    return chunk;
  });
  std::fclose(f);
  return s;
}

Result<ExportReport> ExportToPostgres(Connection& conn, const ExportOptions& o, const std::vector<Column>& cols) {
  std::string target_name = o.target_table;
  if (target_name.empty()) target_name = Split(o.table, '.').back();
  std::vector<std::string> key = o.key.empty() ? std::vector<std::string>{cols.front().target} : o.key;
  for (const auto& k : key) {
    bool found = false;
    for (const auto& c : cols) found |= c.target == k;
    if (!found) return Status::InvalidArgument("--key " + k + " is not an exported column");
  }
  ExportReport report{0, RedactPostgresUrl(o.to) + "#" + target_name};
  // Rows go through a CSV file (streamed, bounded memory) into a temp table, then one upsert.
  std::string csv = (fs::temp_directory_path() / ("custintel-export-" + std::to_string(std::random_device{}()) + ".csv")).string();
  struct Remove {
    std::string p;
    ~Remove() {
      std::error_code ec;
      fs::remove(p, ec);
    }
  } remove{csv};
  CI_ASSIGN_OR_RETURN(report.rows, CopyToFile(conn, SelectSql(o, cols), csv, "csv"));
  CI_ASSIGN_OR_RETURN(PgConnection pg, PgConnection::Connect(o.to));
  std::string target;
  for (const auto& part : Split(target_name, '.')) target += (target.empty() ? "" : ".") + pg.QuoteIdentifier(Trim(part));
  Status s = pg.Execute("BEGIN");
  if (s.ok()) s = pg.Execute(CreateTargetSql(pg, target, cols, key));
  if (s.ok()) {
    s = pg.Execute(fmt::format("CREATE TEMP TABLE ci_export ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA",
                               PgColumnList(pg, cols), target));
  }
  if (s.ok()) s = StreamFileIn(pg, "COPY ci_export FROM STDIN WITH (FORMAT csv, HEADER true)", csv);
  if (s.ok()) s = pg.Execute(UpsertSql(pg, target, cols, key));
  if (s.ok()) s = pg.Execute("COMMIT");
  if (!s.ok()) {
    (void)pg.Execute("ROLLBACK");
    return s.WithContext(report.destination);
  }
  return report;
}

}  // namespace

Result<ExportReport> ExportTable(Connection& conn, const ExportOptions& options) {
  if (options.table.empty()) return Status::InvalidArgument("name the table to export (--table)");
  if (options.to.empty()) return Status::InvalidArgument("say where to export to (--to FILE|postgresql://...)");
  CI_ASSIGN_OR_RETURN(std::vector<Column> cols, ResolveColumns(conn, options));
  if (IsPostgresUrl(options.to)) return ExportToPostgres(conn, options, cols);
  return ExportToFile(conn, options, cols);
}

}  // namespace custintel::ingest
