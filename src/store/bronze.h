// Bronze as files: each ingested batch's raw rows are one zstd Parquet file beside the database,
// `<db>.bronze/<kind>/<batch_id>.parquet` (columns _source, _line, _loaded_at, _batch_id,
// _row_hash, then the source columns verbatim as VARCHAR), recorded in meta.bronze_batches and
// read through the view bronze.<kind> — a read_parquet over the recorded files, so any DuckDB
// client that opens the database reads bronze, and any Parquet reader reads the folder.
//
//   CI_ASSIGN_OR_RETURN(BronzeBatch b, WriteBronzeBatch(conn, "orders", 12, "SELECT ... FROM rows"));
//   ... BEGIN
//   CI_RETURN_IF_ERROR(PublishBronzeBatch(conn, &b));   // recorded + renamed + view replaced
//   ... COMMIT; b.Keep();                                 // else ~BronzeBatch removes the file
//
// Invariants (a batch is all-or-nothing across the file and the database):
//   1. A batch's file is written under `<batch>.parquet.tmp` (outside the transaction, it
//      only reads staged rows), renamed to `<batch>.parquet` inside the transaction that records
//      it, just before the commit; the view names only recorded files, so no reader sees a
//      file whose batch did not commit.
//   2. At every read-write open (ReconcileBronze): a `.tmp` file, and a `.parquet` file whose
//      batch meta.bronze_batches does not record, is an orphan of a batch that never committed
//      (a crash, a kill -9) and is removed; views are re-pointed when the database file moved.
//      A recorded batch whose file is missing is an error naming the batch and the file: logged
//      at open, and raised by every read of bronze.<kind> until the file is back (the open
//      itself succeeds: silver, gold and new batches do not need old bronze files, and a copy
//      of the database file without its folder stays usable for them).
//   3. A kind whose recorded batches are none (an old, empty bronze table migrated) still has a
//      view: the lineage columns, no rows.
// An in-memory database has no folder to keep files in: writing bronze there is an error.
//
// Thread safety: uses the caller's connection.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "store/database.h"

namespace custintel::store {

// The absolute `<db>.bronze` folder of the connection's database file; an error for an
// in-memory database.
Result<std::string> BronzeFolder(Connection& conn);

// The file of a committed batch: `<folder>/<kind>/<batch_id>.parquet`.
std::string BronzeBatchPath(const std::string& folder, const std::string& kind, int64_t batch_id);

// One batch's file between its write and its commit. Removes whatever it wrote (temporary or
// renamed) when destroyed, unless Keep() was called after the commit.
class BronzeBatch {
 public:
  BronzeBatch() = default;
  BronzeBatch(BronzeBatch&& o) noexcept { *this = std::move(o); }
  BronzeBatch& operator=(BronzeBatch&& o) noexcept;
  ~BronzeBatch() { Discard(); }
  // The batch committed: its file stays.
  void Keep() { keep_ = true; }
  // Removes the file now (e.g. the batch turned out to repeat content bronze already holds).
  void Discard();
  bool empty() const { return temp_path_.empty(); }
  int64_t rows() const { return rows_; }

 private:
  friend Result<BronzeBatch> WriteBronzeBatch(Connection&, const std::string&, int64_t, const std::string&);
  friend Status PublishBronzeBatch(Connection&, BronzeBatch*);
  friend Status MoveBronzeTablesToFiles(Connection&);
  std::string folder_, kind_, temp_path_, final_path_;
  int64_t batch_id_ = 0, rows_ = 0;
  bool published_ = false, keep_ = false;
};

// Writes the rows of `select_sql` (lineage columns first, see above) to the batch's temporary
// file, zstd-compressed. May run outside a transaction.
Result<BronzeBatch> WriteBronzeBatch(Connection& conn, const std::string& kind, int64_t batch_id,
                                     const std::string& select_sql);

// Records the batch in meta.bronze_batches, renames its file into place and replaces the view
// bronze.<kind> by one over every recorded file of the kind.
// REQUIRES: inside the transaction that records the batch; the commit follows.
Status PublishBronzeBatch(Connection& conn, BronzeBatch* batch);

// Invariant 2 at open. REQUIRES: no transaction open; migrations applied.
Status ReconcileBronze(Connection& conn);

// Migration 0026's step: every bronze.<kind> table's rows become one file per batch and the
// table becomes the view. REQUIRES: inside the migration's transaction.
Status MoveBronzeTablesToFiles(Connection& conn);

}  // namespace custintel::store
