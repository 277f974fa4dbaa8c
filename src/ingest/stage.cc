#include "ingest/stage.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/strings.h"

namespace custintel::ingest {
namespace {

namespace fs = std::filesystem;
using store::Connection;
using store::QueryResult;

// Where the reader's error rows go; dropped before every file so counts are per file.

std::string PrintableChar(const std::string& c) {
  if (c == "\t") return "tab";
  if (c.empty() || c == "\\0" || c == "(empty)") return "none";
  return "'" + c + "'";
}

// What DuckDB's sniffer decided, for the user to check ("csv, delimiter ';', quote '\"', header").
std::string SniffedDialect(Connection& conn, const std::string& lit) {
  auto r = conn.Query(fmt::format("SELECT Delimiter, Quote, HasHeader FROM sniff_csv({})", lit));
  if (!r.ok() || r->row_count() == 0) return "csv";
  return fmt::format("csv, delimiter {}, quote {}, {}", PrintableChar(r->GetString(0, 0)),
                     PrintableChar(r->GetString(1, 0)), r->GetBool(2, 0) ? "header" : "no header sniffed");
}

// CSV: one parallel parse, no window function (row_number() OVER () alone cost more than the
// whole parse). Unparseable rows are set aside by the reader, not fatal.
Result<std::string> StageCsv(Connection& conn, const StageTables& t, const std::string& lit) {
  const std::string errors = t.tag + "_csv_errors", scans = t.tag + "_csv_scans";
  (void)conn.Execute(fmt::format("DROP TABLE IF EXISTS {}; DROP TABLE IF EXISTS {}", errors, scans));
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS SELECT * FROM read_csv({}, all_varchar = true, header = true, "
      "auto_detect = true, store_rejects = true, rejects_table = '{}', rejects_scan = '{}')",
      t.stage(), lit, errors, scans)));
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS SELECT line AS _line, "
      "first(column_name ORDER BY column_idx) AS column_name, "
      "first(lower(replace(error_type, '_', ' ')) || ': ' || error_message ORDER BY column_idx) AS reason, "
      "first(csv_line) AS raw_line FROM {} GROUP BY line", t.parse_rejects(), errors)));
  (void)conn.Execute(fmt::format("DROP TABLE IF EXISTS {}; DROP TABLE IF EXISTS {}", errors, scans));
  return SniffedDialect(conn, lit);
}

Status StageJsonl(Connection& conn, const StageTables& t, const std::string& lit) {
  const std::string json = t.tag + "_json";
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS SELECT json FROM read_ndjson_objects({})", json, lit)));
  CI_ASSIGN_OR_RETURN(QueryResult keys, conn.Query(fmt::format(
      "SELECT k FROM (SELECT unnest(json_keys(json)) AS k, rowid AS r FROM {}) "
      "GROUP BY k ORDER BY min(r), k", json)));
  std::string cols;
  for (size_t r = 0; r < keys.row_count(); ++r) {
    std::string k = keys.GetString(0, r), path_expr = QuoteLiteral("$." + QuoteIdent(k));
    cols += fmt::format("{2}CASE WHEN json_type(json, {0}) IN ('OBJECT', 'ARRAY') THEN "
                        "json_extract(json, {0})::VARCHAR ELSE json_extract_string(json, {0}) END AS {1}",
                        path_expr, QuoteIdent(k), cols.empty() ? "" : ", ");
  }
  if (cols.empty()) cols = "NULL::VARCHAR AS _empty";
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format("CREATE OR REPLACE TEMP TABLE {} AS SELECT {} FROM {}",
                                              t.stage(), cols, json)));
  return conn.Execute("DROP TABLE " + json);
}

std::vector<std::string> SplitOnSpaces(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) out.emplace_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

bool IsNumber(const std::string& s) {
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end && *end == '\0' && !s.empty();
}

// Whitespace-aligned text: the lines (numbered from 1) split in SQL on runs of spaces; rows
// with the header's (or the first line's) field count are staged with their own line numbers
// (_src_line), the others become parse rejects.
Status StageWhitespace(Connection& conn, const StageTables& t, const std::string& path, const std::string& lit) {
  std::ifstream in(path);
  std::string first;
  int64_t first_no = 0;
  while (std::getline(in, first)) {
    ++first_no;
    if (!SplitOnSpaces(first).empty()) break;
  }
  const std::vector<std::string> head = SplitOnSpaces(first);
  if (head.empty()) return Status::InvalidArgument("the file has no lines with fields");
  bool header = true;
  for (const auto& f : head) header &= !IsNumber(f);
  std::vector<std::string> names;
  for (size_t i = 0; i < head.size(); ++i) names.push_back(header ? head[i] : fmt::format("column{}", i));
  std::string cols;
  for (size_t i = 0; i < names.size(); ++i) cols += fmt::format(", f[{}] AS {}", i + 1, QuoteIdent(names[i]));
  const std::string lines = t.tag + "_lines";
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {0} AS SELECT n, line, CASE WHEN trim(line, E' \t') = '' THEN NULL::VARCHAR[] ELSE "
      "regexp_split_to_array(trim(line, E' \t'), '[ \t]+') END AS f FROM (SELECT unnest(l) AS line, "
      "unnest(range(1, len(l) + 1)) AS n FROM (SELECT string_split(replace(content, E'\r', ''), E'\n') AS l "
      "FROM read_text({1}))) WHERE n > {2}",
      lines, lit, header ? first_no : first_no - 1)));
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS SELECT n AS _src_line{} FROM {} WHERE len(f) = {} ORDER BY n",
      t.stage(), cols, lines, names.size())));
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "INSERT INTO {} SELECT n, NULL, 'expected ' || {} || ' whitespace-separated fields (' || {} || '), found ' || "
      "len(f), line FROM {} WHERE f IS NOT NULL AND len(f) <> {} ORDER BY n",
      t.parse_rejects(), names.size(), QuoteLiteral(Join(names, ", ")), lines, names.size())));
  return conn.Execute("DROP TABLE " + lines);
}

Status StageParquet(Connection& conn, const StageTables& t, const std::string& lit) {
  return conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS SELECT COLUMNS(*)::VARCHAR FROM read_parquet({})", t.stage(), lit));
}

// <tag>_rows: _line + the staged columns. Without parse rejects _line is rowid + the first data
// line; with them, each good row also skips the rejected lines before it (an ASOF join on the
// number of good rows that precede each rejected line).
//
// rowid is only sequential, not zero-based: rows of an uncommitted transaction number from a
// large base. So _line counts from the table's smallest rowid.
Status CreateRowsView(Connection& conn, const StageTables& t, int64_t first_line, int64_t parse_rejects,
                      bool own_lines) {
  if (own_lines) {  // whitespace: every staged row carries its source line
    return conn.Execute(fmt::format("CREATE OR REPLACE TEMP VIEW {} AS SELECT _src_line AS _line, * EXCLUDE "
                                    "(_src_line) FROM {}", t.rows(), t.stage()));
  }
  CI_ASSIGN_OR_RETURN(QueryResult base, conn.Query("SELECT coalesce(min(rowid), 0) FROM " + t.stage()));
  first_line -= base.GetInt64(0, 0);
  if (parse_rejects == 0) {
    return conn.Execute(fmt::format(
        "CREATE OR REPLACE TEMP VIEW {} AS SELECT rowid + ({}) AS _line, * FROM {}", t.rows(), first_line,
        t.stage()));
  }
  const std::string gaps = t.tag + "_line_gaps";
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS SELECT good_before, max(n) AS skipped FROM ("
      "SELECT _line - ({}) - (row_number() OVER (ORDER BY _line) - 1) AS good_before, "
      "row_number() OVER (ORDER BY _line) AS n FROM {}) GROUP BY good_before",
      gaps, first_line, t.parse_rejects())));
  return conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP VIEW {} AS SELECT s.rowid + ({}) + coalesce(g.skipped, 0) AS _line, s.* "
      "FROM {} s ASOF LEFT JOIN {} g ON s.rowid >= g.good_before", t.rows(), first_line, t.stage(), gaps));
}

Result<std::vector<std::string>> StagedColumns(Connection& conn, const StageTables& t) {
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query(fmt::format(
      "SELECT column_name FROM duckdb_columns() WHERE table_name = {} AND database_name = 'temp' "
      "AND column_name <> '_src_line' ORDER BY column_index", QuoteLiteral(t.stage()))));
  std::vector<std::string> cols;
  for (size_t i = 0; i < r.row_count(); ++i) cols.push_back(r.GetString(0, i));
  return cols;
}

// A reader's failure as one line: DuckDB's first line (its "Possible fixes" and the SQL it ran
// follow on the next lines and name DuckDB settings the user cannot pass to us), and for a CSV
// whose dialect could not be detected, what to look at.
Status ReaderError(const Status& s) {
  if (s.ok()) return s;
  std::string first = s.message().substr(0, s.message().find('\n'));
  if (first.find("Error when sniffing file") != std::string::npos) {
    first = "cannot read it as CSV: no delimiter, quote and header layout fits every line (look for a "
            "stray carriage return or quote, or lines with another number of fields)";
  }
  return Status(s.code(), first);
}

}  // namespace

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

bool LooksWhitespaceAligned(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::map<size_t, int> counts;  // field count → lines
  int lines = 0;
  for (; lines < 50 && std::getline(in, line);) {
    if (line.find_first_of(",;|\t\"") != std::string::npos) return false;
    const size_t k = SplitOnSpaces(line).size();
    if (k == 0) continue;
    ++counts[k];
    ++lines;
  }
  // Most lines share one field count of at least 2 (a broken line is a reject, not a reason to
  // read the file as a one-column CSV).
  for (const auto& [k, n] : counts) {
    if (k >= 2 && 2 * n > lines) return true;
  }
  return false;
}

Result<StageResult> StageFile(Connection& conn, const StageTables& t, const std::string& path,
                              const std::string& format) {
  const std::string lit = QuoteLiteral(path);
  StageResult out;
  out.dialect = format;
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} (_line BIGINT, column_name VARCHAR, reason VARCHAR, raw_line VARCHAR)",
      t.parse_rejects())));
  Status s;
  if (format == "csv") {
    Result<std::string> dialect = StageCsv(conn, t, lit);
    s = dialect.status();
    if (dialect.ok()) out.dialect = *dialect;
  } else if (format == "whitespace") {
    s = StageWhitespace(conn, t, path, lit);
    out.dialect = "whitespace-aligned columns";
  } else if (format == "jsonl") {
    s = StageJsonl(conn, t, lit);
  } else if (format == "parquet") {
    s = StageParquet(conn, t, lit);
  } else {
    s = Status::InvalidArgument("unknown format '" + format + "' (use csv, whitespace, jsonl or parquet)");
  }
  CI_RETURN_IF_ERROR(ReaderError(s).WithContext(path));
  CI_ASSIGN_OR_RETURN(QueryResult n, conn.Query("SELECT count(*) FROM " + t.parse_rejects()));
  out.parse_rejects = n.GetInt64(0, 0);
  CI_RETURN_IF_ERROR(CreateRowsView(conn, t, format == "csv" ? 2 : 1, out.parse_rejects, format == "whitespace"));
  CI_ASSIGN_OR_RETURN(out.columns, StagedColumns(conn, t));
  return out;
}

void DropStage(Connection& conn, const StageTables& t) {
  (void)conn.Execute("DROP VIEW IF EXISTS " + t.rows());
  (void)conn.Execute("DROP VIEW IF EXISTS " + t.good());
  for (const std::string& table : {t.stage(), t.conformed(), t.good(), t.parse_rejects(), t.tag + "_line_gaps",
                                   t.tag + "_json", t.tag + "_csv_errors", t.tag + "_csv_scans"}) {
    (void)conn.Execute("DROP TABLE IF EXISTS " + table);
  }
  for (const char* kind : StageTables::kDerivedKinds) (void)conn.Execute("DROP TABLE IF EXISTS " + t.derived(kind));
}

}  // namespace custintel::ingest
