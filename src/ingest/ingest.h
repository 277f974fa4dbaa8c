// Loading files into bronze and silver (DESIGN.md §1).
//
// One call = one batch = one transaction: every source row goes to bronze.<kind> verbatim, rows
// that fail conformance go to bronze.rejects with line, column and reason, the rest are cast,
// validated, deduplicated on the natural key (latest line / latest load wins) and merged into
// silver.<kind>. Re-ingesting identical rows changes nothing. A file missing a required column
// is refused whole and nothing of it is written.
//
// Thread safety: uses the caller's connection; one ingest per connection at a time.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace custintel::ingest {

struct IngestOptions {
  // One of Contracts() kinds; empty = from the file name (orders.csv → orders).
  std::string kind;
  // csv | jsonl | parquet; empty = from the extension.
  std::string format;
  // target column → source column, for files whose headers differ from the contract.
  std::map<std::string, std::string> column_map;
  // Names the input in bronze, rejects and messages instead of the path (e.g. a postgresql://
  // URL without its password, for rows copied out of PostgreSQL into a temporary file).
  std::string source_name;
  // Runs after a file's rows are merged into silver, inside the same transaction (e.g. text
  // analysis on arrival of reviews and tickets). A failure rolls the whole batch back.
  std::function<Status(store::Connection&, const struct IngestCounts&)> on_batch;
};

// What one silver table derived from a file gained (order_lines → orders, order_items,
// products, customers).
struct DerivedCounts {
  std::string kind;
  int64_t loaded = 0, updated = 0, unchanged = 0;
};

struct IngestCounts {
  std::string kind;
  std::string source;
  int64_t batch_id = 0;
  int64_t rows_read = 0;
  int64_t loaded = 0;     // new natural keys
  int64_t updated = 0;    // known keys whose values changed
  int64_t unchanged = 0;  // known keys, identical values
  int64_t rejected = 0;   // rows quarantined in bronze.rejects
  int64_t orphans = 0;    // loaded rows whose parent is unknown (an order of an unknown customer)
  // order_lines: loaded / updated / unchanged count the derived orders; these count the file's
  // orders without a customer id (kept, never dropped) and its orders that are refunds
  // (returns, cancellations); `derived` has every derived table's counts.
  int64_t anonymous = 0;
  int64_t refunds = 0;
  std::vector<DerivedCounts> derived;
  std::string dialect;    // what was read: "csv, delimiter ',', quote '\"', header" / "jsonl" / ...
};

// Ingests one file as one transaction. The file is staged and conformed before the
// transaction begins (TEMP tables only), so the transaction holds just the writes.
// REQUIRES: no transaction open on conn.
Result<IngestCounts> IngestFile(store::Connection& conn, const std::string& path,
                                const IngestOptions& options);

// Ingests every <kind>.csv|.jsonl|.parquet file of `dir` (the gen-data layout) in one
// transaction: all of them or none. Unknown file names are an error, so nothing is skipped
// silently; the truth/ folder and other sub-folders are ignored.
Result<std::vector<IngestCounts>> IngestDirectory(store::Connection& conn, const std::string& dir,
                                                  const IngestOptions& options = {});

}  // namespace custintel::ingest
