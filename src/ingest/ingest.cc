#include "ingest/ingest.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "core/log.h"
#include "core/stopwatch.h"
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

// Where one file's time goes, phase by phase, wall and process CPU seconds (phases run one
// after another, so the process's CPU across a phase is that phase's, DuckDB's threads
// included): logged with -v, the profile behind src/ingest/README.md's figures.
class PhaseClock {
 public:
  void Lap(const char* phase) {
    const double cpu = ProcessCpuSeconds();
    line_ += fmt::format("{}{} {:.2f} s ({:.2f} s CPU)", line_.empty() ? "" : ", ", phase, wall_.Lap(), cpu - cpu_);
    cpu_ = cpu;
  }
  // The phases so far as one line, and a fresh start.
  std::string Take() {
    std::string out = std::move(line_);
    line_.clear();
    wall_.Lap();
    cpu_ = ProcessCpuSeconds();
    return out;
  }

 private:
  Stopwatch wall_;
  double cpu_ = ProcessCpuSeconds();
  std::string line_;
};

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
    return Status::InvalidArgument(f.source +
                                   ": cannot tell the format from the name; pass --format csv|whitespace|jsonl|parquet");
  }
  if (options.format.empty() && f.format == "csv" && LooksWhitespaceAligned(path)) f.format = "whitespace";
  StageTables tables = stages.Next();
  PhaseClock clock;
  CI_ASSIGN_OR_RETURN(f.staged, StageFile(conn, tables, path, f.format));
  clock.Lap("stage");
  CI_ASSIGN_OR_RETURN(f.plan, PlanConform(*f.contract, f.staged.columns, options.column_map, f.source));
  CI_ASSIGN_OR_RETURN(f.input, PrepareConform(conn, *f.contract, f.plan, tables, f.staged.parse_rejects, f.source));
  if (f.contract->key.empty()) CI_RETURN_IF_ERROR(PrepareOrderLines(conn, tables, f.input.good).WithContext(f.source));
  clock.Lap("conform");
  CI_ASSIGN_OR_RETURN(int64_t batch_id, NextBatchId(conn));
  CI_RETURN_IF_ERROR(PrepareBronze(conn, *f.contract, f.plan, f.source, batch_id, &f.input).WithContext(f.source));
  clock.Lap("bronze file");
  LogInfo(fmt::format("{}: {}", f.source, clock.Take()));
  return f;
}

// Kinds whose silver table holds exactly one earlier file of this batch's good rows (it was
// empty before the batch) → that file's TEMP relation. Later files read it instead of the
// batch's uncommitted silver rows (transaction-local storage, slow to scan; see stage.h).
using SilverMirrors = std::map<std::string, std::string>;

// ---- person ids (0029_customer_aliases.sql) ----

// The tables whose rows name a customer.
constexpr const char* kNamingTables[] = {"orders", "events", "reviews", "tickets"};

Result<bool> HasAliases(Connection& conn) {
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query("SELECT count(*) > 0 FROM (SELECT 1 FROM silver.customer_aliases LIMIT 1)"));
  return r.GetBool(0, 0);
}

// `rows` (a relation with customer_id) with every alias replaced by its person; `rows` itself
// while no customers file mapped any alias (the join then cost a pass over every row).
Result<std::string> ThroughAliases(Connection& conn, const std::string& rows) {
  CI_ASSIGN_OR_RETURN(bool aliases, HasAliases(conn));
  if (!aliases) return rows;
  return fmt::format("(SELECT g.* REPLACE (coalesce(a.customer_id, g.customer_id) AS customer_id) FROM {} g "
                     "LEFT JOIN silver.customer_aliases a ON a.alias_id = g.customer_id)", rows);
}

bool MapsAliases(const PreparedFile& f) {
  if (f.contract->kind != "customers") return false;
  for (size_t i = 0; i < f.contract->columns.size(); ++i) {
    if (f.contract->columns[i].name == "alias_id") return !f.plan.source_of[i].empty();
  }
  return false;
}

// A customers file mapping alias_id: records every (alias, person) pair of its good lines —
// also of lines folded into a later line of the same person — then moves the rows other
// tables already hold under an alias to the person, and merges away customers implied by an
// alias. REQUIRES: inside the batch's transaction.
Status RecordAliases(Connection& conn, const PreparedFile& f, IngestCounts* counts) {
  if (!MapsAliases(f)) return Status::Ok();
  const std::string lines = fmt::format(
      "(SELECT * FROM {} WHERE _reject_reason IS NULL AND alias_id IS NOT NULL AND alias_id <> customer_id)",
      f.input.tables.conformed());
  CI_ASSIGN_OR_RETURN(QueryResult conflicts, conn.Query(fmt::format(
      "SELECT count(*) FROM (SELECT alias_id FROM {} GROUP BY alias_id HAVING count(DISTINCT customer_id) > 1)", lines)));
  counts->alias_conflicts = conflicts.GetInt64(0, 0);
  CI_ASSIGN_OR_RETURN(QueryResult n, conn.Query(fmt::format(
      "INSERT OR REPLACE INTO silver.customer_aliases (alias_id, customer_id, _batch_id) "
      "SELECT alias_id, arg_max(customer_id, _line), {} FROM {} GROUP BY alias_id", counts->batch_id, lines)));
  counts->aliases = n.rows_changed();
  for (const char* t : kNamingTables) {
    CI_ASSIGN_OR_RETURN(QueryResult moved, conn.Query(fmt::format(
        "UPDATE silver.{} t SET customer_id = a.customer_id FROM silver.customer_aliases a "
        "WHERE t.customer_id = a.alias_id", t)));
    counts->rows_to_person += moved.rows_changed();
  }
  CI_ASSIGN_OR_RETURN(QueryResult merged, conn.Query(
      "DELETE FROM silver.customers c WHERE implied_by IS NOT NULL "
      "AND customer_id IN (SELECT alias_id FROM silver.customer_aliases)"));
  counts->merged_customers = merged.rows_changed();
  return Status::Ok();
}

// A table naming customers, after a customers file mapped aliases: this batch's rows that name
// an alias are filed under its person. Their row hash stays the source row's, so re-ingesting
// the same file finds them unchanged. REQUIRES: inside the batch's transaction.
Result<int64_t> FileUnderPersons(Connection& conn, const PreparedFile& f, int64_t batch_id) {
  const std::string& kind = f.contract->kind;
  bool names = false;
  for (const char* t : kNamingTables) names |= kind == t;
  if (!names) return int64_t{0};
  CI_ASSIGN_OR_RETURN(bool aliases, HasAliases(conn));
  if (!aliases) return int64_t{0};
  CI_ASSIGN_OR_RETURN(QueryResult moved, conn.Query(fmt::format(
      "UPDATE silver.{} t SET customer_id = a.customer_id FROM silver.customer_aliases a "
      "WHERE t._batch_id = {} AND t.customer_id = a.alias_id", QuoteIdent(kind), batch_id)));
  return moved.rows_changed();
}

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
  if (parent == "customers" && mirrors.find(parent) == mirrors.end()) {
    // Without any customers file, nothing is orphaned: the customers are implied (ImplyCustomers).
    CI_ASSIGN_OR_RETURN(QueryResult given, conn.Query(
        "SELECT count(*) FROM (SELECT 1 FROM silver.customers WHERE implied_by IS NULL LIMIT 1)"));
    if (given.GetInt64(0, 0) == 0) return int64_t{0};
  }
  const bool first_load = counts.updated == 0 && counts.unchanged == 0;
  std::string rows = fmt::format("(SELECT * FROM silver.{} WHERE _batch_id = {})", QuoteIdent(contract.kind),
                                 counts.batch_id);
  if (first_load && parent == "customers") {
    CI_ASSIGN_OR_RETURN(rows, ThroughAliases(conn, f.input.good));
  } else if (first_load) {
    rows = f.input.good;
  }
  auto mirror = mirrors.find(parent);
  // A customer is known when a customers file gave it; implied ones (ImplyCustomers) stay orphans' parents.
  const std::string parents = mirror != mirrors.end() ? mirror->second
                              : parent == "customers" ? "(SELECT customer_id FROM silver.customers WHERE implied_by IS NULL)"
                                                      : "silver." + QuoteIdent(parent);
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query(fmt::format(
      "SELECT count(*) FROM {0} c WHERE c.{1} IS NOT NULL AND NOT EXISTS "
      "(SELECT 1 FROM {2} p WHERE p.{1} = c.{1})", rows, QuoteIdent(child), parents)));
  return r.GetInt64(0, 0);
}

bool NamesCustomers(const KindContract& contract) {
  for (const char* kind : {"orders", "events", "reviews", "tickets"}) {
    if (contract.kind == kind) return true;
  }
  return false;
}

// Customers are implied by every table that names them: an id silver.customers does not hold
// becomes a row with every attribute NULL and implied_by = the kind (0027_first_contact.sql). A
// customers file later replaces the row through the ordinary merge (counted as updated), so the
// ingest order does not matter. Reads the file's TEMP good rows, not the batch's silver rows.
// REQUIRES: inside the batch's transaction.
Result<int64_t> ImplyCustomers(Connection& conn, const PreparedFile& f, int64_t batch_id) {
  if (!NamesCustomers(*f.contract)) return int64_t{0};
  CI_ASSIGN_OR_RETURN(std::string named, ThroughAliases(conn, f.input.good));
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query(fmt::format(
      "INSERT INTO silver.customers (customer_id, implied_by, _batch_id, _row_hash) "
      "SELECT customer_id, {0}, {1}, hash(customer_id, {0}) FROM (SELECT DISTINCT customer_id FROM {2} "
      "WHERE customer_id IS NOT NULL) n WHERE NOT EXISTS (SELECT 1 FROM silver.customers c "
      "WHERE c.customer_id = n.customer_id)", QuoteLiteral(f.contract->kind), batch_id, named)));
  return r.rows_changed();
}

// Reviews and tickets that name an order but no customer get the order's customer, whichever
// file came first: after reviews / tickets, their rows of this batch; after orders (or sales
// lines), every such row still without one. REQUIRES: inside the batch's transaction.
Result<int64_t> AttributeByOrder(Connection& conn, const PreparedFile& f, int64_t batch_id) {
  const std::string& kind = f.contract->kind;
  std::vector<std::string> tables;
  std::string only_batch;
  if (kind == "reviews" || kind == "tickets") {
    tables = {kind};
    only_batch = fmt::format(" AND t._batch_id = {}", batch_id);
  } else if (kind == "orders" || kind == "order_lines") {
    tables = {"reviews", "tickets"};
  }
  int64_t n = 0;
  for (const auto& t : tables) {
    CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query(fmt::format(
        "UPDATE silver.{0} t SET customer_id = o.customer_id FROM silver.orders o WHERE t.customer_id IS NULL "
        "AND t.order_id IS NOT NULL AND o.order_id = t.order_id AND o.customer_id IS NOT NULL{1}",
        QuoteIdent(t), only_batch)));
    n += r.rows_changed();
  }
  return n;
}

// Orders without an amount get Σ quantity × unit_price of their items (amount_source 'items'),
// after either file; an order whose items change is recomputed. Cheap when every order has an
// amount of its own (one count). REQUIRES: inside the batch's transaction.
Result<int64_t> AmountsFromItems(Connection& conn, const PreparedFile& f) {
  const std::string& kind = f.contract->kind;
  if (kind != "orders" && kind != "order_items") return int64_t{0};
  CI_ASSIGN_OR_RETURN(QueryResult open, conn.Query(
      "SELECT count(*) FROM silver.orders WHERE amount IS NULL OR amount_source = 'items'"));
  if (open.GetInt64(0, 0) == 0) return int64_t{0};
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query(
      "UPDATE silver.orders o SET amount = i.total, amount_source = 'items' FROM ("
      "SELECT order_id, sum(coalesce(quantity, 1) * unit_price) AS total FROM silver.order_items "
      "GROUP BY order_id HAVING count(unit_price) = count(*)) i "
      "WHERE o.order_id = i.order_id AND (o.amount IS NULL OR (o.amount_source = 'items' AND o.amount <> i.total))"));
  return r.rows_changed();
}

// Statuses of the file's orders that the [orders] rule does not plainly call a purchase.
Result<std::vector<StatusCount>> NotedStatuses(Connection& conn, const PreparedFile& f) {
  std::vector<StatusCount> out;
  if (f.contract->kind != "orders") return out;
  // Grouped by status first, in a materialised CTE (else the filter is pushed below the
  // grouping): the rule's macros (a lower() and contains() per word) then run once per status,
  // not once per order.
  CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query(fmt::format(
      "WITH g AS MATERIALIZED (SELECT status, count(*) AS n FROM {} GROUP BY status) "
      "SELECT status, order_status_class(status) AS class, is_purchase(status), n FROM g "
      "WHERE order_status_class(status) <> 'purchase' ORDER BY n DESC, status LIMIT 20",
      f.input.good)));
  for (size_t i = 0; i < r.row_count(); ++i) {
    out.push_back({r.GetString(0, i), r.GetString(1, i), r.GetBool(2, i), r.GetInt64(3, i)});
  }
  return out;
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
Result<IngestCounts> WritePrepared(Connection& conn, PreparedFile& f, const IngestOptions& options,
                                   SilverMirrors* mirrors) {
  IngestCounts counts;
  counts.kind = f.contract->kind;
  counts.source = f.source;
  counts.dialect = f.staged.dialect;
  counts.batch_id = f.input.batch_id;
  PhaseClock clock;
  CI_ASSIGN_OR_RETURN(MergeCounts merged, WriteConformed(conn, *f.contract, f.plan, f.input, f.source));
  clock.Lap("bronze, rejects and silver");
  counts.rows_read = merged.rows_read;
  counts.loaded = merged.loaded;
  counts.updated = merged.updated;
  counts.unchanged = merged.unchanged;
  counts.rejected = merged.rejected;
  if (f.contract->key.empty()) CI_RETURN_IF_ERROR(WriteDerived(conn, f, &counts));
  CI_RETURN_IF_ERROR(RecordAliases(conn, f, &counts));
  CI_ASSIGN_OR_RETURN(int64_t filed, FileUnderPersons(conn, f, counts.batch_id));
  counts.rows_to_person += filed;
  CI_ASSIGN_OR_RETURN(counts.orphans, CountOrphans(conn, *f.contract, f, counts, *mirrors));
  CI_ASSIGN_OR_RETURN(counts.implied_customers, ImplyCustomers(conn, f, counts.batch_id));
  CI_ASSIGN_OR_RETURN(counts.attributed_by_order, AttributeByOrder(conn, f, counts.batch_id));
  CI_ASSIGN_OR_RETURN(counts.amounts_from_items, AmountsFromItems(conn, f));
  CI_ASSIGN_OR_RETURN(counts.noted_statuses, NotedStatuses(conn, f));
  counts.merged_lines = f.input.merged_lines;
  counts.merged_by_sum = f.input.merged_by_sum;
  counts.defaulted_quantity = f.input.defaulted_quantity;
  counts.line_key = f.plan.line_key;
  UpdateMirrors(f, merged, mirrors);
  CI_RETURN_IF_ERROR(conn.Query(
      "INSERT INTO meta.ingest_batches(batch_id, kind, source, format, rows_read, loaded, updated, "
      "unchanged, rejected, merged) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {counts.batch_id, counts.kind, f.source, f.format, counts.rows_read, counts.loaded, counts.updated,
       counts.unchanged, counts.rejected, counts.merged_lines}).status());
  clock.Lap("links and counts");
  if (options.on_batch) {
    CI_RETURN_IF_ERROR(options.on_batch(conn, counts));
    clock.Lap("on arrival");
  }
  LogInfo(fmt::format("{}: {}", f.source, clock.Take()));
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
  PhaseClock clock;
  CI_RETURN_IF_ERROR(tx.Commit());
  clock.Lap("commit");
  LogInfo(fmt::format("{}: {}", f.source, clock.Take()));
  f.input.bronze.Keep();
  return counts;
}

namespace {

// The kind of a --dir file: options.file_kinds by file name or stem, else the stem itself.
std::string DirectoryKind(const std::string& path, const IngestOptions& options) {
  const std::string name = fs::path(path).filename().string();
  for (const std::string& k : {name, name.substr(0, name.find('.'))}) {
    auto it = options.file_kinds.find(k);
    if (it != options.file_kinds.end()) return it->second;
  }
  return KindFromPath(path);
}

}  // namespace

Result<std::vector<IngestCounts>> IngestDirectory(Connection& conn, const std::string& dir,
                                                  const IngestOptions& options, std::vector<SkippedFile>* skipped) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound(dir + ": no such directory");
  std::vector<std::pair<std::string, std::string>> files;  // path, kind
  std::set<std::string> named;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    std::string p = entry.path().string(), kind = DirectoryKind(p, options);
    const std::string name = entry.path().filename().string();
    if (options.file_kinds.count(name) || options.file_kinds.count(name.substr(0, name.find('.')))) named.insert(name);
    std::string why;
    if (!FindContract(kind)) {
      why = fmt::format("the file name does not name a kind (one of: {}); load it with --kind {}=KIND", KindNames(), name);
    } else if (FormatFromPath(p).empty() && options.format.empty()) {
      why = "not a .csv, .tsv, .txt, .jsonl or .parquet file";
    }
    if (why.empty()) {
      files.emplace_back(p, kind);
    } else if (skipped) {
      skipped->push_back({p, why});
    } else {
      return Status::InvalidArgument(p + ": " + why);
    }
  }
  if (ec) return Status::IoError(dir + ": " + ec.message());
  for (const auto& [file, kind] : options.file_kinds) {
    bool found = named.count(file) > 0;
    for (const auto& n : named) found |= n.substr(0, n.find('.')) == file;
    if (!found) return Status::NotFound(fmt::format("--kind {}={}: {} has no file {}", file, kind, dir, file));
  }
  for (const auto& [kind, map] : options.kind_maps) {
    if (!FindContract(kind)) {
      return Status::InvalidArgument(fmt::format("--map {}:...: '{}' is not a kind (one of: {})", kind, kind, KindNames()));
    }
  }
  if (files.empty()) return Status::NotFound(dir + ": no <kind>.csv|.jsonl|.parquet files in it");
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return std::pair(KindOrder(a.second), a.first) < std::pair(KindOrder(b.second), b.first);
  });
  // Every file is staged and conformed before the transaction begins (see stage.h); then all
  // writes happen in one transaction: all files or none.
  StageSet stages(conn);
  IngestOptions per_file;
  per_file.on_batch = options.on_batch;
  per_file.format = options.format;
  std::vector<PreparedFile> prepared;
  for (const auto& [f, kind] : files) {
    per_file.kind = kind;
    per_file.column_map = options.column_map;
    auto kind_map = options.kind_maps.find(kind);
    if (kind_map != options.kind_maps.end()) {
      for (const auto& [target, source] : kind_map->second) per_file.column_map[target] = source;
    }
    CI_ASSIGN_OR_RETURN(PreparedFile p, PrepareFile(conn, stages, f, per_file));
    prepared.push_back(std::move(p));
  }
  CI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(conn));
  std::vector<IngestCounts> out;
  SilverMirrors mirrors;
  for (auto& p : prepared) {
    CI_ASSIGN_OR_RETURN(IngestCounts c, WritePrepared(conn, p, per_file, &mirrors));
    out.push_back(std::move(c));
  }
  PhaseClock clock;
  CI_RETURN_IF_ERROR(tx.Commit());
  clock.Lap("commit");
  LogInfo(fmt::format("{}: {}", dir, clock.Take()));
  for (auto& p : prepared) p.input.bronze.Keep();
  return out;
}

}  // namespace custintel::ingest
