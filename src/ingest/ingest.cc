#include "ingest/ingest.h"

#include <fmt/format.h>

#include <filesystem>

#include "core/strings.h"
#include "ingest/conform_sql.h"
#include "ingest/contract.h"
#include "ingest/order_lines.h"
#include "ingest/stage.h"

namespace custintel::ingest {
namespace {

namespace fs = std::filesystem;
using store::Connection;
using store::QueryResult;

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

Result<int64_t> NextBatchId(Connection& conn) {
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query("SELECT nextval('meta.batch_seq')"));
  return r.GetInt64(0, 0);
}

// One input file between staging (outside the transaction) and writing (inside it).
struct PreparedFile {
  std::string path, source, format;
  const KindContract* contract = nullptr;
  StageResult staged;
  ConformPlan plan;
  ConformInput input;
};

// Drops every staged file's TEMP objects when the ingest ends, however it ends.
class StageSet {
 public:
  explicit StageSet(Connection& conn) : conn_(conn) {}
  ~StageSet() {
    for (const auto& t : tables_) DropStage(conn_, t);
  }
  StageTables Next() {
    tables_.push_back({fmt::format("ci_{}", tables_.size())});
    return tables_.back();
  }

 private:
  Connection& conn_;
  std::vector<StageTables> tables_;
};

Result<PreparedFile> PrepareFile(Connection& conn, StageSet& stages, const std::string& path,
                                 const IngestOptions& options) {
  PreparedFile f;
  f.path = path;
  f.source = options.source_name.empty() ? path : options.source_name;
  Status readable = CheckReadable(path);
  if (!readable.ok()) return options.source_name.empty() ? readable : readable.WithContext(options.source_name);
  std::string kind = options.kind.empty() ? KindFromPath(path) : options.kind;
  f.contract = FindContract(kind);
  if (!f.contract) {
    return Status::InvalidArgument(fmt::format("{}: unknown kind '{}' (expected one of: {})", f.source, kind,
                                               KindNames()));
  }
  f.format = options.format.empty() ? FormatFromPath(path) : options.format;
  if (f.format.empty()) {
    return Status::InvalidArgument(f.source + ": cannot tell the format from the name; pass --format csv|jsonl|parquet");
  }
  StageTables tables = stages.Next();
  CI_ASSIGN_OR_RETURN(f.staged, StageFile(conn, tables, path, f.format));
  CI_ASSIGN_OR_RETURN(f.plan, PlanConform(*f.contract, f.staged.columns, options.column_map, f.source));
  CI_ASSIGN_OR_RETURN(f.input, PrepareConform(conn, *f.contract, f.plan, tables, f.staged.parse_rejects, f.source));
  if (f.contract->key.empty()) CI_RETURN_IF_ERROR(PrepareOrderLines(conn, tables, f.input.good).WithContext(f.source));
  return f;
}

// Kinds whose silver table holds exactly one earlier file of this batch's good rows (it was
// empty before the batch) → that file's TEMP relation. Later files read it instead of the
// batch's uncommitted silver rows (transaction-local storage, slow to scan; see stage.h).
using SilverMirrors = std::map<std::string, std::string>;

// Rows of this batch that point at a parent silver does not have (an order of an unknown
// customer, an item of an unknown order). They load; the count tells the user. On a first load
// (every good row new) the file's good rows are exactly the batch's silver rows, and a parent
// loaded into an empty table earlier in the batch is read from its mirror.
Result<int64_t> CountOrphans(Connection& conn, const KindContract& contract, const PreparedFile& f,
                             const IngestCounts& counts, const SilverMirrors& mirrors) {
  std::string child = "customer_id", parent = "customers";
  if (contract.kind == "order_items") child = "order_id", parent = "orders";
  bool has = false;
  for (const auto& c : contract.columns) has |= c.name == child;
  // Derived kinds (order_lines) add the customers they name: no orphans.
  if (!has || contract.kind == parent || contract.key.empty()) return int64_t{0};
  const bool first_load = counts.updated == 0 && counts.unchanged == 0;
  const std::string rows = first_load ? f.input.good
                                      : fmt::format("(SELECT * FROM silver.{} WHERE _batch_id = {})",
                                                    QuoteIdent(contract.kind), counts.batch_id);
  auto mirror = mirrors.find(parent);
  const std::string parents = mirror != mirrors.end() ? mirror->second : "silver." + QuoteIdent(parent);
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query(fmt::format(
      "SELECT count(*) FROM {0} c WHERE c.{1} IS NOT NULL AND NOT EXISTS "
      "(SELECT 1 FROM {2} p WHERE p.{1} = c.{1})", rows, QuoteIdent(child), parents)));
  return r.GetInt64(0, 0);
}

// After a file is written: its kind's mirror is its good rows if silver was empty before it,
// else none; order_lines changes the tables it derives, so their mirrors go.
void UpdateMirrors(const PreparedFile& f, const MergeCounts& merged, SilverMirrors* mirrors) {
  if (f.contract->key.empty()) {
    for (const char* kind : {"orders", "order_items", "products", "customers"}) mirrors->erase(kind);
  } else if (merged.into_empty) {
    (*mirrors)[f.contract->kind] = f.input.good;
  } else {
    mirrors->erase(f.contract->kind);
  }
}

// order_lines: the derived tables; the batch's loaded / updated / unchanged are its orders'.
// REQUIRES: inside the batch's transaction.
Status WriteDerived(Connection& conn, const PreparedFile& f, IngestCounts* counts) {
  CI_ASSIGN_OR_RETURN(OrderLinesCounts lines, WriteOrderLines(conn, f.input.tables, counts->batch_id));
  counts->loaded = lines.derived[0].loaded;
  counts->updated = lines.derived[0].updated;
  counts->unchanged = lines.derived[0].unchanged;
  counts->anonymous = lines.anonymous;
  counts->refunds = lines.refunds;
  counts->derived = std::move(lines.derived);
  return Status::Ok();
}

// REQUIRES: inside the batch's transaction.
Result<IngestCounts> WritePrepared(Connection& conn, const PreparedFile& f, const IngestOptions& options,
                                   SilverMirrors* mirrors) {
  IngestCounts counts;
  counts.kind = f.contract->kind;
  counts.source = f.source;
  counts.dialect = f.staged.dialect;
  CI_ASSIGN_OR_RETURN(counts.batch_id, NextBatchId(conn));
  CI_ASSIGN_OR_RETURN(MergeCounts merged, WriteConformed(conn, *f.contract, f.plan, f.input, f.source,
                                                         counts.batch_id));
  counts.rows_read = merged.rows_read;
  counts.loaded = merged.loaded;
  counts.updated = merged.updated;
  counts.unchanged = merged.unchanged;
  counts.rejected = merged.rejected;
  if (f.contract->key.empty()) CI_RETURN_IF_ERROR(WriteDerived(conn, f, &counts));
  CI_ASSIGN_OR_RETURN(counts.orphans, CountOrphans(conn, *f.contract, f, counts, *mirrors));
  UpdateMirrors(f, merged, mirrors);
  CI_RETURN_IF_ERROR(conn.Query(
      "INSERT INTO meta.ingest_batches(batch_id, kind, source, format, rows_read, loaded, updated, "
      "unchanged, rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {counts.batch_id, counts.kind, f.source, f.format, counts.rows_read, counts.loaded, counts.updated,
       counts.unchanged, counts.rejected}).status());
  if (options.on_batch) CI_RETURN_IF_ERROR(options.on_batch(conn, counts));
  return counts;
}

// Parents before children, so orphan counts are meaningful.
int KindOrder(const std::string& kind) {
  const auto& all = Contracts();
  // notes (playbooks) before tickets, so tickets analysed on arrival are triaged once, with them.
  static const std::vector<std::string> kOrder = {"products", "customers", "orders", "order_items",
                                                  "order_lines", "notes", "events", "reviews", "tickets"};
  for (size_t i = 0; i < kOrder.size(); ++i) {
    if (kOrder[i] == kind) return static_cast<int>(i);
  }
  return static_cast<int>(all.size());
}

}  // namespace

Result<IngestCounts> IngestFile(Connection& conn, const std::string& path, const IngestOptions& options) {
  StageSet stages(conn);
  CI_ASSIGN_OR_RETURN(PreparedFile f, PrepareFile(conn, stages, path, options));
  CI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(conn));
  SilverMirrors mirrors;
  CI_ASSIGN_OR_RETURN(IngestCounts counts, WritePrepared(conn, f, options, &mirrors));
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
  // Every file is staged and conformed before the transaction begins (see stage.h); then all
  // writes happen in one transaction: all files or none.
  StageSet stages(conn);
  IngestOptions per_file;
  per_file.on_batch = options.on_batch;
  std::vector<PreparedFile> prepared;
  for (const auto& f : files) {
    CI_ASSIGN_OR_RETURN(PreparedFile p, PrepareFile(conn, stages, f, per_file));
    prepared.push_back(std::move(p));
  }
  CI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(conn));
  std::vector<IngestCounts> out;
  SilverMirrors mirrors;
  for (const auto& p : prepared) {
    CI_ASSIGN_OR_RETURN(IngestCounts c, WritePrepared(conn, p, per_file, &mirrors));
    out.push_back(std::move(c));
  }
  CI_RETURN_IF_ERROR(tx.Commit());
  return out;
}

}  // namespace custintel::ingest
