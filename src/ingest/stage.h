// Staging: reads one source file into the connection's TEMP table <tag>_stage (every source
// column as VARCHAR, file order) and exposes it as the TEMP view <tag>_rows (_line + the
// columns), the one input of bronze and conform. Rows DuckDB's reader cannot parse (invalid
// UTF-8, wrong number of columns) are kept in TEMP table <tag>_parse_rejects (line, column,
// reason, raw line) instead of failing the file; _line stays the source line of every good row.
// Internal to ingest/.
//
// Staging runs OUTSIDE the batch's transaction, on purpose: rows a transaction has not
// committed live in DuckDB's transaction-local storage, which scans several times slower (and
// its rowids start at a large base), so a staged file read inside the transaction cost more
// than the whole plain load. Temp tables are not part of the database file, so atomicity is
// untouched: the transaction still covers every write to bronze, silver and meta.
//
// Thread safety: uses the caller's connection; tags keep several staged files apart.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace custintel::ingest {

// The TEMP objects of one staged file.
struct StageTables {
  std::string tag;  // e.g. "ci_3"
  std::string stage() const { return tag + "_stage"; }
  std::string rows() const { return tag + "_rows"; }
  std::string parse_rejects() const { return tag + "_parse_rejects"; }
  std::string conformed() const { return tag + "_conformed"; }
  std::string good() const { return tag + "_good"; }
  // Rows derived from the file for silver.<kind> (order_lines.h).
  std::string derived(const std::string& kind) const { return tag + "_d_" + kind; }
  static constexpr const char* kDerivedKinds[] = {"orders", "order_items", "product_lines", "products",
                                                  "customer_lines", "customers"};
};

struct StageResult {
  std::vector<std::string> columns;  // source columns in file order (without _line)
  std::string dialect;               // what was sniffed, e.g. "csv, delimiter ',', quote '\"', header"
  int64_t parse_rejects = 0;         // rows in ci_parse_rejects
};

// "csv" | "jsonl" | "parquet" from the file name ("" when it does not tell).
std::string FormatFromPath(const std::string& path);

// True when the file reads as whitespace-aligned columns (CDNOW_master.txt: " 00001 19970101
// 1 11.77"): none of its first lines holds a comma, tab, semicolon or pipe, and each splits on
// runs of spaces into the same number (at least 2) of fields. Then its format is "whitespace".
bool LooksWhitespaceAligned(const std::string& path);

// Format "whitespace": fields separated by runs of spaces or tabs, leading and trailing space
// ignored, blank lines skipped (they keep their line numbers). The first line is a header when
// none of its fields is a number, else the columns are column0, column1, ... (as DuckDB names a
// headerless CSV's). A line with another number of fields is a parse reject naming the line,
// what was expected and what was found.
//
// REQUIRES: format is csv, whitespace, jsonl or parquet; the file exists.
Result<StageResult> StageFile(store::Connection& conn, const StageTables& t, const std::string& path,
                              const std::string& format);

// Drops the staging objects (they hold a whole file in memory).
void DropStage(store::Connection& conn, const StageTables& t);

}  // namespace custintel::ingest
