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
  // --dir only: kind → (target column → source column), for the files of that kind
  // (`--map orders:ordered_at=order_purchase_timestamp`); column_map applies to every file.
  std::map<std::string, std::map<std::string, std::string>> kind_maps;
  // --dir only: file name (or its stem) → kind, for files whose names are not kinds
  // (`--kind olist_orders_dataset.csv=orders`).
  std::map<std::string, std::string> file_kinds;
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

// Orders of one status, as the purchase rule classes them.
struct StatusCount {
  std::string status;
  std::string status_class;  // order_status_class(): "excluded" or "unknown"
  bool counted = false;      // is_purchase(): counted as purchases
  int64_t orders = 0;
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
  int64_t orphans = 0;    // loaded rows whose parent is unknown (an order of a customer the customers
                          // file lacks, an item of an unknown order); 0 while no customers file was loaded
  // order_lines: loaded / updated / unchanged count the derived orders; these count the file's
  // orders without a customer id (kept, never dropped) and its orders that are refunds
  // (returns, cancellations); `derived` has every derived table's counts.
  int64_t anonymous = 0;
  int64_t refunds = 0;
  std::vector<DerivedCounts> derived;
  std::string dialect;    // what was read: "csv, delimiter ',', quote '\"', header" / "jsonl" / ...
  // Nothing lost, nothing guessed: every merge, default and attribution, counted.
  int64_t merged_lines = 0;        // good lines folded into another line of the same key
  bool merged_by_sum = false;      // ... summed (order_items) rather than superseded (the later wins)
  int64_t defaulted_quantity = 0;  // summed order_items lines without a quantity, counted as 1 unit
  std::string line_key;            // the key column the file lacked, made "<file>:<line>" per row
  int64_t implied_customers = 0;   // customers this file named that silver did not know (added, attributes NULL)
  int64_t attributed_by_order = 0; // reviews / tickets given their order's customer
  int64_t amounts_from_items = 0;  // orders without an amount given Σ quantity × unit_price of their items
  // Person ids (a customers file mapping alias_id, silver.customer_aliases): pairs recorded by
  // this file, its aliases mapped to two persons (the later line wins), rows of any table moved
  // from an alias to its person, and customers implied by an alias merged into their person.
  int64_t aliases = 0;
  int64_t alias_conflicts = 0;
  int64_t rows_to_person = 0;
  int64_t merged_customers = 0;
  // Order statuses of the file that the [orders] rule (core/order_status.h) does not call a
  // purchase — excluded ones and ones it does not know — with their order counts, most orders
  // first: how each counts is printed, so no status is silently in or out of the figures.
  std::vector<StatusCount> noted_statuses;
};

// A file of a --dir folder that was not loaded, and why.
struct SkippedFile {
  std::string path;
  std::string reason;
};

// Ingests one file as one transaction. The file is staged and conformed before the
// transaction begins (TEMP tables only), so the transaction holds just the writes.
// REQUIRES: no transaction open on conn.
Result<IngestCounts> IngestFile(store::Connection& conn, const std::string& path,
                                const IngestOptions& options);

// Ingests every <kind>.csv|.jsonl|.parquet|.txt file of `dir` (the gen-data layout), and the
// files options.file_kinds names, in one transaction: all of them or none. A file whose name is
// not a kind is not loaded and is listed in *skipped with the reason (an error when `skipped`
// is null, so nothing is skipped silently); the truth/ folder and other sub-folders are ignored.
// Each file gets options.column_map overlaid with options.kind_maps of its kind.
Result<std::vector<IngestCounts>> IngestDirectory(store::Connection& conn, const std::string& dir,
                                                  const IngestOptions& options = {},
                                                  std::vector<SkippedFile>* skipped = nullptr);

}  // namespace custintel::ingest
