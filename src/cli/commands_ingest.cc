// Commands of the ingest area (issue 3): ingest (files, folders, PostgreSQL tables), rejects
// (the quarantine) and export (files and PostgreSQL upserts). Registered from RegisterCommands.
#include <fmt/format.h>

#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "core/order_status.h"
#include "core/strings.h"
#include "features/data_profile.h"
#include "ingest/contract.h"
#include "ingest/export.h"
#include "ingest/ingest.h"
#include "ingest/postgres_client.h"
#include "ingest/postgres_source.h"
#include "pipeline/text/insights.h"

namespace custintel::cli {
namespace {

struct IngestArgs {
  std::string dir, kind, format, map, from, table;
  std::vector<std::string> files;
};

Result<std::map<std::string, std::string>> ParseMap(const std::string& spec) {
  std::map<std::string, std::string> out;
  if (spec.empty()) return out;
  for (const auto& pair : Split(spec, ',')) {
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
      return Status::InvalidArgument("--map '" + pair + "' is not target=source");
    }
    out[std::string(Trim(pair.substr(0, eq)))] = std::string(Trim(pair.substr(eq + 1)));
  }
  return out;
}

// --dir: "kind:target=source,..." maps per kind, "file=kind,..." kinds per file. A plain
// target=source would be ambiguous across the folder's kinds, so it is a usage error there.
Status ParseDirectoryArgs(const std::string& map, const std::string& kinds, ingest::IngestOptions* o) {
  for (const auto& item : Split(map, ',')) {
    if (Trim(item).empty()) continue;
    auto colon = item.find(':'), eq = item.find('=');
    if (colon == std::string::npos || eq == std::string::npos || colon > eq) {
      return Status::InvalidArgument("with --dir, --map takes kind:target=source (e.g. orders:ordered_at=purchased); '" +
                                     item + "' names no kind");
    }
    CI_ASSIGN_OR_RETURN(auto one, ParseMap(item.substr(colon + 1)));
    const std::string kind(Trim(item.substr(0, colon)));
    for (auto& [target, source] : one) o->kind_maps[kind][target] = source;
  }
  for (const auto& item : Split(kinds, ',')) {
    if (Trim(item).empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      return Status::InvalidArgument("with --dir, --kind takes file=kind (e.g. olist_orders_dataset.csv=orders); '" +
                                     item + "' is not file=kind");
    }
    const std::string kind(Trim(item.substr(eq + 1)));
    if (!ingest::FindContract(kind)) {
      return Status::InvalidArgument("--kind " + item + ": '" + kind + "' is not one of: " + ingest::KindNames());
    }
    o->file_kinds[std::string(Trim(item.substr(0, eq)))] = kind;
  }
  return Status::Ok();
}

std::vector<std::string> ParseList(const std::string& spec) {
  std::vector<std::string> out;
  for (const auto& s : Split(spec, ',')) {
    if (!Trim(s).empty()) out.emplace_back(Trim(s));
  }
  return out;
}

// Every merge, default and attribution of a file, one line each (nothing silently).
void PrintAccounting(const std::vector<ingest::IngestCounts>& all) {
  for (const auto& c : all) {
    if (!c.line_key.empty()) {
      std::cout << fmt::format("{}: no {} column; each row's {} is <file>:<line>\n", c.source, c.line_key, c.line_key);
    }
    if (c.merged_lines > 0 && c.merged_by_sum) {
      std::cout << fmt::format("{}: {} repeated lines of a product in an order added to their first (quantity and "
                               "amount summed)\n", c.source, c.merged_lines);
    } else if (c.merged_lines > 0) {
      std::cout << fmt::format("{}: {} lines repeat an earlier line's {} key; the later line was kept\n", c.source,
                               c.merged_lines, c.kind);
    }
    if (c.defaulted_quantity > 0) {
      std::cout << fmt::format("{}: {} summed lines had no quantity and counted as 1 unit\n", c.source,
                               c.defaulted_quantity);
    }
    if (c.implied_customers > 0) {
      std::cout << fmt::format("{}: {} customers named here are in no customers file; added with their "
                               "attributes empty (a customers file fills them in)\n", c.source, c.implied_customers);
    }
    if (c.attributed_by_order > 0) {
      std::cout << fmt::format("{}: {} reviews/tickets naming an order were given the order's customer\n", c.source,
                               c.attributed_by_order);
    }
    if (c.aliases > 0) {
      std::cout << fmt::format("{}: {} ids other tables carry (alias_id) mapped to their person's customer_id\n",
                               c.source, c.aliases);
    }
    if (c.alias_conflicts > 0) {
      std::cout << fmt::format("{}: {} alias ids were mapped to two or more persons; the later line was kept\n",
                               c.source, c.alias_conflicts);
    }
    if (c.rows_to_person > 0) {
      std::cout << fmt::format("{}: {} rows naming an alias id were filed under its person\n", c.source,
                               c.rows_to_person);
    }
    if (c.merged_customers > 0) {
      std::cout << fmt::format("{}: {} customers known only by an alias id were merged into their person\n", c.source,
                               c.merged_customers);
    }
    for (const auto& s : c.noted_statuses) {
      std::cout << fmt::format("{}: status '{}': {} orders — {}\n", c.source, s.status, s.orders,
                               OrderStatusVerdict(s.status_class, s.counted));
    }
    if (c.amounts_from_items > 0) {
      std::cout << fmt::format("{}: {} orders without an amount took the sum of their items\n", c.source,
                               c.amounts_from_items);
    }
  }
}

constexpr char kCountsRow[] = "{:<12} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}  {}\n";

// One row per batch, then one line per silver table a batch derived (order_lines).
void PrintCounts(const std::vector<ingest::IngestCounts>& all) {
  for (const auto& c : all) std::cout << fmt::format("read {} as {}\n", c.source, c.dialect);
  std::cout << fmt::format(kCountsRow, "kind", "read", "loaded", "updated", "unchanged", "rejected", "orphans",
                           "anonymous", "refunds", "source");
  for (const auto& c : all) {
    std::cout << fmt::format(kCountsRow, c.kind, c.rows_read, c.loaded, c.updated, c.unchanged, c.rejected,
                             c.orphans, c.anonymous, c.refunds, c.source);
  }
  for (const auto& c : all) {
    for (const auto& d : c.derived) {
      std::cout << fmt::format("{} → silver.{}: {} loaded, {} updated, {} unchanged\n", c.kind, d.kind, d.loaded,
                               d.updated, d.unchanged);
    }
  }
  PrintAccounting(all);
  for (const auto& c : all) {
    if (c.rejected > 0) {
      std::cout << fmt::format("{} rows of {} quarantined: custintel rejects --kind {}\n", c.rejected, c.source,
                               c.kind);
    }
  }
}

// Flag values that are the caller's mistake: exit 2.
Status CheckIngestArgs(GlobalOptions& g, const IngestArgs& a) {
  int sources = !a.dir.empty() + !a.files.empty() + !a.from.empty();
  Status s;
  if (sources != 1) s = Status::InvalidArgument("give one of --dir DIR, FILE..., or --from postgresql://... --table T");
  else if (a.dir.empty() && !a.kind.empty() && !ingest::FindContract(a.kind)) {
    s = Status::InvalidArgument("--kind '" + a.kind + "' is not one of: " + ingest::KindNames());
  } else if (!a.from.empty() && !ingest::IsPostgresUrl(a.from)) {
    s = Status::InvalidArgument("--from '" + a.from + "' is not a postgresql:// URL");
  } else if (!a.from.empty() && (a.table.empty() || a.kind.empty())) {
    s = Status::InvalidArgument("--from needs --table T and --kind K");
  }
  if (!s.ok()) g.usage_error = true;
  return s;
}

// Every ingest of the CLI (files, folders, PostgreSQL, demo) starts from these options: the
// one place to add CLI-wide ingest behaviour, e.g. an on_batch hook for analysis on arrival.
ingest::IngestOptions BaseIngestOptions(const GlobalOptions& g) {
  (void)g;
  ingest::IngestOptions options;
  options.on_batch = pipeline::AnalyzeOnArrival;  // reviews, tickets, events: analysed in the batch
  return options;
}

}  // namespace

Status RunIngestDirectory(GlobalOptions& g, const std::string& dir, const std::string& map, const std::string& kinds,
                          const std::string& format) {
  ingest::IngestOptions options = BaseIngestOptions(g);
  options.format = format;
  if (Status s = ParseDirectoryArgs(map, kinds, &options); !s.ok()) {
    g.usage_error = true;
    return s;
  }
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, false));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  std::vector<ingest::SkippedFile> skipped;
  CI_ASSIGN_OR_RETURN(auto all, ingest::IngestDirectory(conn, dir, options, &skipped));
  PrintCounts(all);
  for (const auto& f : skipped) std::cout << fmt::format("not loaded: {}: {}\n", f.path, f.reason);
  return Status::Ok();
}

namespace {

Status RunIngest(GlobalOptions& g, const IngestArgs& a) {
  CI_RETURN_IF_ERROR(CheckIngestArgs(g, a));
  if (!a.dir.empty()) return RunIngestDirectory(g, a.dir, a.map, a.kind, a.format);
  auto map = ParseMap(a.map);
  if (!map.ok()) {
    g.usage_error = true;
    return map.status();
  }
  ingest::IngestOptions options = BaseIngestOptions(g);
  options.kind = a.kind;
  options.format = a.format;
  options.column_map = *map;
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, false));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  std::vector<ingest::IngestCounts> all;
  if (!a.from.empty()) {
    CI_ASSIGN_OR_RETURN(auto c, ingest::IngestPostgresTable(conn, a.from, a.table, options));
    all.push_back(std::move(c));
  }
  for (const auto& f : a.files) {
    CI_ASSIGN_OR_RETURN(auto c, ingest::IngestFile(conn, f, options));
    all.push_back(std::move(c));
  }
  PrintCounts(all);
  return Status::Ok();
}

Status RunRejects(GlobalOptions& g, const std::string& kind, bool json, int64_t limit) {
  if (!kind.empty() && !ingest::FindContract(kind)) {
    g.usage_error = true;
    return Status::InvalidArgument("--kind '" + kind + "' is not one of: " + ingest::KindNames());
  }
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, true));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT kind, _source AS source, _line AS line, column_name AS \"column\", reason, raw, _batch_id AS batch, "
      "rejected_at FROM bronze.rejects WHERE ? = '' OR kind = ? ORDER BY _batch_id, _line LIMIT ?",
      {kind, kind, limit}));
  PrintResult(r, json ? OutputFormat::kJson : OutputFormat::kTable, std::cout);
  return Status::Ok();
}

nlohmann::json DoctorJson(const features::DataProfile& d) {
  nlohmann::json j;
  j["customers"] = d.customers;
  j["implied_customers"] = d.implied_customers;
  j["repeat_buyers"] = d.repeat_buyers;
  for (const auto& t : d.tables) {
    nlohmann::json row = {{"table", t.table}, {"rows", t.rows}, {"duplicates", t.duplicates}};
    row["first_at"] = t.first_at.empty() ? nlohmann::json() : nlohmann::json(t.first_at);
    row["last_at"] = t.last_at.empty() ? nlohmann::json() : nlohmann::json(t.last_at);
    row["customers"] = t.customers < 0 ? nlohmann::json() : nlohmann::json(t.customers);
    row["amount_share"] = t.amount_share < 0 ? nlohmann::json() : nlohmann::json(t.amount_share);
    row["orphans"] = t.orphans < 0 ? nlohmann::json() : nlohmann::json(t.orphans);
    if (t.orphans >= 0) row["orphans_are"] = t.orphans_meaning;
    j["tables"].push_back(row);
  }
  for (const auto& o : d.outputs) {
    nlohmann::json row = {{"output", o.output}, {"can_build", o.can_build}};
    if (!o.can_build) row["needs"] = o.needs;
    j["outputs"].push_back(row);
  }
  j["next_file"] = d.next_file.empty() ? nlohmann::json() : nlohmann::json(d.next_file);
  j["order_statuses"] = nlohmann::json::array();
  for (const auto& s : d.statuses) {
    j["order_statuses"].push_back({{"status", s.status.empty() ? nlohmann::json() : nlohmann::json(s.status)},
                                   {"orders", s.orders}, {"class", s.status_class}, {"counted_as_purchase", s.counted}});
  }
  return j;
}

void PrintDoctor(const features::DataProfile& d) {
  static constexpr char kRow[] = "{:<12} {:>9} {:>10} {:>10} {:>10} {:>8} {:>10} {:>8}\n";
  std::cout << fmt::format(kRow, "table", "rows", "from", "to", "customers", "amounts", "duplicates", "orphans");
  for (const auto& t : d.tables) {
    std::cout << fmt::format(kRow, t.table, t.rows, t.first_at.empty() ? "-" : t.first_at.substr(0, 10),
                             t.last_at.empty() ? "-" : t.last_at.substr(0, 10),
                             t.customers < 0 ? "-" : std::to_string(t.customers),
                             t.amount_share < 0 ? "-" : fmt::format("{:.0f}%", 100 * t.amount_share), t.duplicates,
                             t.orphans < 0 ? "-" : std::to_string(t.orphans));
  }
  std::cout << fmt::format("\n{} customers, {} of them only implied by the tables naming them (no customers file "
                           "gives them); {} repeat buyers\n", d.customers, d.implied_customers, d.repeat_buyers);
  for (const auto& t : d.tables) {
    if (t.orphans > 0) std::cout << fmt::format("{}: {} orphans: {}\n", t.table, t.orphans, t.orphans_meaning);
  }
  std::cout << "\nCan build\n";
  for (const auto& o : d.outputs) {
    if (o.can_build) std::cout << "  " << o.output << '\n';
  }
  std::cout << "\nCannot build\n";
  for (const auto& o : d.outputs) {
    if (!o.can_build) std::cout << fmt::format("  {}: needs {}\n", o.output, o.needs);
  }
  if (!d.statuses.empty()) {
    std::cout << "\nOrder statuses ([orders] in custintel.toml decides which are purchases)\n";
    for (const auto& s : d.statuses) {
      std::cout << fmt::format("  {:<24} {:>9} orders  {}\n", s.status.empty() ? "(none)" : s.status, s.orders,
                               !s.counted               ? "not a purchase"
                               : s.status_class == "unknown" ? "purchase (a status the rule does not know)"
                                                             : "purchase");
    }
    for (const auto& line : features::StatusNotes(d)) std::cout << "  " << line << '\n';
  }
  std::cout << "\nNext file to add: " << (d.next_file.empty() ? "none: every table is there" : d.next_file) << '\n';
}

Status RunDoctor(GlobalOptions& g, bool json) {
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, true));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  CI_ASSIGN_OR_RETURN(features::DataProfile d, features::ProfileData(conn));
  if (json) {
    std::cout << DoctorJson(d).dump(2) << '\n';
  } else {
    PrintDoctor(d);
  }
  return Status::Ok();
}

struct ExportArgs {
  ingest::ExportOptions options;
  std::string key, columns, map;
};

Status RunExport(GlobalOptions& g, ExportArgs a) {
  auto map = ParseMap(a.map);
  if (!map.ok()) {
    g.usage_error = true;
    return map.status();
  }
  a.options.column_map = *map;
  a.options.key = ParseList(a.key);
  a.options.columns = ParseList(a.columns);
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, true));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  CI_ASSIGN_OR_RETURN(ingest::ExportReport r, ingest::ExportTable(conn, a.options));
  std::cout << fmt::format("exported {} rows of {} to {}\n", r.rows, a.options.table, r.destination);
  return Status::Ok();
}

}  // namespace

void RegisterIngestCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  static IngestArgs ingest_args;
  auto* ing = app.add_subcommand("ingest", "load files or a PostgreSQL table into bronze and silver (quarantining bad rows)");
  common(ing, &g);
  ing->add_option("--dir", ingest_args.dir,
                  "load every <kind>.csv|.jsonl|.parquet|.txt of a folder (other files are listed, not loaded)");
  ing->add_option("--kind", ingest_args.kind,
                  "kind of the FILEs or table: " + ingest::KindNames() + "; with --dir: file=kind,... for files "
                  "whose names are not kinds");
  ing->add_option("--format", ingest_args.format,
                  "csv | whitespace (aligned columns, sniffed for .txt/.csv) | jsonl | parquet (default: from the "
                  "extension)")
      ->check(CLI::IsMember({"csv", "whitespace", "jsonl", "parquet"}));
  ing->add_option("--map", ingest_args.map,
                  "column mapping target=source,... for differently named headers; with --dir: "
                  "kind:target=source,...; customers: alias_id=<the id other tables carry> merges a person's ids");
  ing->add_option("--from", ingest_args.from, "read from PostgreSQL: postgresql://user:pass@host:port/db");
  ing->add_option("--table", ingest_args.table, "with --from: the table or view to read (schema.name)");
  ing->add_option("files", ingest_args.files, "files to load");
  ing->callback([&] { action = [&] { return RunIngest(g, ingest_args); }; });

  static std::string rejects_kind;
  static bool rejects_json = false;
  static int64_t rejects_limit = 1000;
  auto* rej = app.add_subcommand("rejects", "list the quarantine: rows that failed conformance, with line, column and reason");
  common(rej, &g);
  rej->add_option("--kind", rejects_kind, "only this kind");
  rej->add_flag("--json", rejects_json, "print a JSON array of row objects");
  rej->add_option("--limit", rejects_limit, "at most this many rows")->capture_default_str();
  rej->callback([&] { action = [&] { return RunRejects(g, rejects_kind, rejects_json, rejects_limit); }; });

  static bool doctor_json = false;
  auto* doc = app.add_subcommand("doctor", "what each table holds, which outputs the data can give (and what the "
                                           "others need), and the most useful file to add next");
  common(doc, &g);
  doc->add_flag("--json", doctor_json, "print one JSON object");
  doc->callback([&] { action = [&] { return RunDoctor(g, doctor_json); }; });

  static ExportArgs ex;
  auto* exp = app.add_subcommand("export", "write a table to Parquet, CSV or a PostgreSQL table (upsert on the key)");
  common(exp, &g);
  exp->add_option("--table", ex.options.table, "table or view to export, e.g. gold.customer_scores")->required();
  exp->add_option("--to", ex.options.to, "FILE.parquet | FILE.csv | postgresql://...")->required();
  exp->add_option("--target-table", ex.options.target_table, "PostgreSQL table to upsert into (default: the source name)");
  exp->add_option("--key", ex.key, "PostgreSQL conflict key columns, a,b (default: the first column)");
  exp->add_option("--columns", ex.columns, "source columns to export, a,b,... (default: all)");
  exp->add_option("--map", ex.map, "rename: target=source,...");
  exp->callback([&] { action = [&] { return RunExport(g, ex); }; });
}

}  // namespace custintel::cli
