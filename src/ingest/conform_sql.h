// Silver conformance as SQL over the staged file (TEMP view ci_rows: _line + VARCHAR columns,
// see stage.h): the bronze file, cast, validate, split good rows from rejects, dedupe on the
// natural key and merge into silver.<kind>. Internal to ingest/.
//
// Cost model (why the SQL looks the way it does): the staged rows are read three times — once
// into the bronze Parquet file, once through the typed casts and checks into TEMP ci_conformed, once from there
// into silver. There is no window function on the common path: _line comes from rowid, the
// dedupe window runs only when the file repeats a key, and the merge against silver runs only
// when silver already holds rows of the kind. Row hashes are DuckDB's hash() of the typed
// values, never of text built per row.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "ingest/contract.h"
#include "ingest/stage.h"
#include "store/bronze.h"
#include "store/database.h"

namespace custintel::ingest {

struct ConformPlan {
  std::vector<std::string> source_of;  // per contract column: staged column, or "" if absent
  std::vector<std::string> extra;      // staged columns outside the contract → attributes JSON
  std::vector<std::string> staged;     // every staged column, in file order
  // The key column the file lacks, made "<line_key_prefix><line>" per row (KeyFromLine); "" if none.
  std::string line_key;
  std::string line_key_prefix;
};

struct MergeCounts {
  int64_t rows_read = 0, loaded = 0, updated = 0, unchanged = 0, rejected = 0;
  // silver.<kind> held no rows before: it now holds exactly the file's good rows.
  bool into_empty = false;
};

// Matches staged columns to the contract (case-insensitively, after column_map). A missing
// required column refuses the file with a message naming it.
Result<ConformPlan> PlanConform(const KindContract& contract, const std::vector<std::string>& staged,
                                const std::map<std::string, std::string>& column_map,
                                const std::string& path);

// The TEMP macro ci_ts(text) → TIMESTAMPTZ: ISO 8601 (any zone form), US month-first with
// slashes, EU day-first with dots or dashes, "5 Jan 2026", "Jan 5, 2026", RFC 2822; each with
// an optional zone (+02:00, +0200, Z, UTC, CET, Europe/Berlin). No zone = UTC. NULL when none
// fits. Created on the connection by PrepareConform; exposed for tests.
Status CreateTimestampMacro(store::Connection& conn);
// The function ci_text(text) → text: ci_clean, and NULL for a value of only whitespace (tabs,
// newlines, Unicode spaces, zero-width spaces): a review whose text is a newline has no text.
// Applied to every text column of the contract. Registered by PrepareConform.
Status CreateTextFunction(store::Connection& conn);
// The function ci_clean(text) → text: nullif(trim(text), '') — DuckDB's trim, which removes
// Unicode space separators (not tabs or newlines) — with no copy of values that need nothing.
// Registered (database-wide) by PrepareConform; exposed for tests.
Status CreateCleanFunction(store::Connection& conn);

// What PrepareConform computed for one staged file.
struct ConformInput {
  StageTables tables;
  int64_t rows = 0;             // staged rows (good and bad)
  int64_t conform_rejects = 0;  // rows failing a check
  int64_t parse_rejects = 0;    // rows the reader could not parse
  std::string good;             // relation of the good rows, one per natural key
  // Good lines folded into another line of the same key: summed (order_items: quantity and
  // amount add up) or superseded (every other kind: the later line wins).
  int64_t merged_lines = 0;
  bool merged_by_sum = false;
  // order_items lines without a quantity, counted as one unit.
  int64_t defaulted_quantity = 0;
  // Bronze (PrepareBronze): the batch, the file's content key and rows, and the batch's file
  // under its temporary name — empty when bronze holds this content already.
  int64_t batch_id = 0;
  std::string content_key;
  int64_t content_rows = 0;
  store::BronzeBatch bronze;
};

// Casts and checks the staged rows into TEMP <tag>_conformed and dedupes the good ones (the
// later line wins). Pure: reads only the staged file, so it runs outside the batch's
// transaction (see stage.h for why that matters).
Result<ConformInput> PrepareConform(store::Connection& conn, const KindContract& contract,
                                    const ConformPlan& plan, const StageTables& tables,
                                    int64_t parse_rejects, const std::string& source);

// Writes the batch's bronze file under its temporary name (store/bronze.h) unless bronze holds
// the file's content already (meta.bronze_files). Outside the transaction: it reads the staged
// rows only.
Status PrepareBronze(store::Connection& conn, const KindContract& contract, const ConformPlan& plan,
                     const std::string& source, int64_t batch_id, ConformInput* input);

// Publishes the bronze file (recorded, renamed, bronze.<kind> view replaced) and writes
// bronze.rejects and silver.<kind> for a prepared file — unless an earlier batch (or an earlier
// file of this one) kept the same content, whose file and rejects are then not kept again. A
// derived kind (one without a key) gets bronze and rejects only: its silver rows are written by
// its deriver. REQUIRES: inside the caller's transaction; input.batch_id set by PrepareBronze.
Result<MergeCounts> WriteConformed(store::Connection& conn, const KindContract& contract,
                                   const ConformPlan& plan, ConformInput& input, const std::string& source);

// Merges `good` (a relation with the contract's columns, attributes and _row_hash, one row per
// natural key) into silver.<kind>: new keys inserted, changed rows replaced, identical rows
// untouched; counts into m->loaded / updated / unchanged. The first load of a kind has nothing
// to compare against and just appends.
// REQUIRES: inside the caller's transaction; contract.key is not empty.
Status MergeIntoSilver(store::Connection& conn, const KindContract& contract, const std::string& good,
                       int64_t batch_id, MergeCounts* m);

// The DuckDB type of a contract column kind (VARCHAR, TIMESTAMPTZ, DOUBLE, ...).
const char* SqlType(ColumnKind k);

}  // namespace custintel::ingest
