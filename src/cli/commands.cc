#include "cli/commands.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "cli/output.h"
#include "cli/report.h"
#include "core/allocator.h"
#include "core/strings.h"
#include "core/version.h"
#include "gen/gen_data.h"
#include "ingest/contract.h"
#include "ingest/ingest.h"
#include "pipeline/run.h"
#include "server/control.h"
#include "store/ai/runtime.h"
#include "store/migrations.h"

namespace custintel::cli {
namespace fs = std::filesystem;

Result<std::shared_ptr<store::Database>> OpenDb(const GlobalOptions& g, bool must_exist) {
  if (must_exist && !fs::exists(g.db)) {
    return Status::NotFound(g.db + ": no such database (load data first: custintel ingest --db " + g.db + " ...)");
  }
  CI_ASSIGN_OR_RETURN(Config config, ResolveConfig(g));
  store::DatabaseOptions options;
  options.memory_limit = g.memory_limit.empty() ? config.database.memory_limit : g.memory_limit;
  auto opened = store::OpenEngineDatabase(g.db, options, config.orders);
  if (!opened.ok() && opened.status().message().starts_with("bad DuckDB setting memory_limit")) {
    return opened.status().WithContext(g.memory_limit.empty() ? config.source + ": [database] memory_limit"
                                                              : std::string("--memory-limit"));
  }
  CI_ASSIGN_OR_RETURN(auto db, std::move(opened));
  CI_RETURN_IF_ERROR(InstallAi(g, db));
  return db;
}

Result<Config> ResolveConfig(const GlobalOptions& g) {
  if (!g.config.empty()) return LoadConfig(g.config);
  if (fs::exists("custintel.toml")) return LoadConfig("custintel.toml");
  return DefaultConfig();
}

namespace {

Status RunPipeline(const GlobalOptions& g, const std::string& as_of, bool full, bool quiet) {
  CI_ASSIGN_OR_RETURN(Config config, ResolveConfig(g));
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, true));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  pipeline::RunOptions options{as_of};
  options.full = full;
  if (auto runtime = AiRuntimeOf(*db)) {
    CI_ASSIGN_OR_RETURN(options.ai, runtime->Service());  // --model / --backend change who writes
  }
  CI_ASSIGN_OR_RETURN(pipeline::RunReport report, pipeline::Run(conn, config, options));
  if (quiet) return Status::Ok();
  std::cout << fmt::format("run {} as of {}: {}\n", report.run_id, report.as_of, report.reason);
  if (!report.as_of_note.empty()) std::cout << "note: " << report.as_of_note << '\n';
  for (const auto& line : report.cannot_build) std::cout << line << '\n';
  for (const auto& line : report.status_notes) std::cout << line << '\n';
  for (const auto& s : report.steps) {
    std::cout << fmt::format("  {:<20} {:>8.2f} s{}\n", s.name, s.seconds, s.note.empty() ? "" : "  " + s.note);
  }
  return Status::Ok();
}

Status RunGenData(const gen::GenOptions& o) {
  CI_ASSIGN_OR_RETURN(gen::GenReport r, gen::GenerateShop(o));
  std::cout << fmt::format(
      "wrote {} customers, {} orders, {} order items, {} products, {} events, {} reviews, {} tickets, "
      "{} notes to {} in {:.1f} s (truth in {}/truth)\n",
      r.customers, r.orders, r.order_items, r.products, r.events, r.reviews, r.tickets, r.notes, o.out_dir,
      r.seconds, o.out_dir);
  return Status::Ok();
}

Status RunDemo(GlobalOptions g, const std::string& dir, int64_t customers) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError(dir + ": " + ec.message());
  gen::GenOptions o;
  o.customers = customers;
  o.out_dir = dir + "/data";
  std::cout << "1/3 generating a sample shop\n";
  CI_RETURN_IF_ERROR(RunGenData(o));
  g.db = dir + "/demo.duckdb";
  std::cout << "\n2/3 ingesting into " << g.db << "\n";
  CI_RETURN_IF_ERROR(RunIngestDirectory(g, o.out_dir));
  std::cout << "\n3/3 running the pipeline\n";
  CI_RETURN_IF_ERROR(RunPipeline(g, "", false, false));
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, true));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  std::cout << '\n';
  CI_RETURN_IF_ERROR(PrintSummary(conn, false, std::cout));
  std::cout << fmt::format("\nExplore it: custintel sql --db {} \"SELECT * FROM gold.segments\"\n", g.db);
  return Status::Ok();
}

Status RunSql(const GlobalOptions& g, const std::string& query, bool csv, bool json) {
  // A serving data directory's control.duckdb is not an engine database: it is opened as it is
  // (read-only, no engine schema added), so the audit log, usage and keys can be read with SQL.
  if (server::IsControlDatabase(g.db)) {
    store::DatabaseOptions options;
    options.read_only = true;
    auto opened = store::OpenEngineDatabase(g.db, options);
    if (!opened.ok() && opened.status().message().find("lock") != std::string::npos) {
      return Status::Unavailable(g.db + " is held by a running `custintel serve`; read the audit log through its "
                                 "API (GET /v1/audit) or stop it first");
    }
    CI_ASSIGN_OR_RETURN(auto control, std::move(opened));
    CI_ASSIGN_OR_RETURN(store::Connection conn, control->Connect());
    if (query.empty()) return RunSqlPrompt(conn, csv, json, std::cin, std::cout);
    CI_ASSIGN_OR_RETURN(store::QueryResult r, QueryForPrinting(conn, query));
    PrintResult(r, json ? OutputFormat::kJson : csv ? OutputFormat::kCsv : OutputFormat::kTable, std::cout);
    return Status::Ok();
  }
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, false));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  if (query.empty()) return RunSqlPrompt(conn, csv, json, std::cin, std::cout);
  CI_ASSIGN_OR_RETURN(store::QueryResult r, QueryForPrinting(conn, query));
  PrintResult(r, json ? OutputFormat::kJson : csv ? OutputFormat::kCsv : OutputFormat::kTable, std::cout);
  PrintAiStats(std::cerr);
  return Status::Ok();
}

template <class F>
Status WithDb(const GlobalOptions& g, F f) {
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, true));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  return f(conn);
}

}  // namespace

void RegisterCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  auto* version = app.add_subcommand("version", "print the version of custintel and its engines");
  common(version, &g);
  version->callback([&] {
    action = [] {
      std::cout << fmt::format("custintel {} (DuckDB {}, {})\n", kVersion, store::DuckDbVersion(), AllocatorName());
      return Status::Ok();
    };
  });

  static gen::GenOptions gen_opts;
  auto* gen = app.add_subcommand("gen-data", "write a deterministic synthetic shop as CSV (+ truth/)");
  common(gen, &g);
  gen->add_option("--out", gen_opts.out_dir, "output directory")->required();
  gen->add_option("--customers", gen_opts.customers, "number of customers (1,000..1,000,000)")->capture_default_str();
  gen->add_option("--seed", gen_opts.seed, "random seed; same seed, same bytes")->capture_default_str();
  gen->add_option("--threads", gen_opts.threads, "worker threads (0 = all cores; output is the same)");
  gen->callback([&] { action = [] { return RunGenData(gen_opts); }; });

  // ingest, rejects, export: RegisterIngestCommands (cli/commands_ingest.cc).

  static std::string as_of;
  auto* run = app.add_subcommand("run", "build gold tables: features, churn risk, segments");
  common(run, &g);
  static bool full = false;
  run->add_option("--as-of", as_of,
                  "reference date: the run sees only what existed then, nothing dated after it "
                  "(default: the latest timestamp in the data)");
  run->add_flag("--full", full,
                "recompute every customer and refit the models (default: only the customers whose data changed "
                "since the last run, when the as-of and settings are the same)");
  run->callback([&] { action = [&] { return RunPipeline(g, as_of, full, false); }; });

  static std::string query;
  static bool csv = false, json = false;
  auto* sql = app.add_subcommand("sql", "run SQL against the database and print the result");
  common(sql, &g);
  sql->add_option("query", query, "the SQL query (none: an interactive prompt reading statements ending in ';')");
  auto* csv_flag = sql->add_flag("--csv", csv, "print CSV with a header row");
  sql->add_flag("--json", json, "print a JSON array of row objects")->excludes(csv_flag);
  sql->callback([&] { action = [&] { return RunSql(g, query, csv, json); }; });

  auto* seg = app.add_subcommand("segments", "print the segments of the last run");
  common(seg, &g);
  seg->add_flag("--json", json, "print JSON");
  seg->callback([&] { action = [&] { return WithDb(g, [](auto& c) { return PrintSegments(c, json, std::cout); }); }; });

  static std::string customer_id;
  auto* cust = app.add_subcommand("customer", "print one customer's features, scores and segment");
  common(cust, &g);
  cust->add_option("id", customer_id, "customer_id")->required();
  cust->add_flag("--json", json, "print JSON");
  cust->callback([&] {
    action = [&] { return WithDb(g, [](auto& c) { return PrintCustomer(c, customer_id, json, std::cout); }); };
  });

  auto* sum = app.add_subcommand("summary", "print the findings of the last run");
  common(sum, &g);
  sum->add_flag("--json", json, "print JSON");
  sum->callback([&] { action = [&] { return WithDb(g, [](auto& c) { return PrintSummary(c, json, std::cout); }); }; });

  static std::string demo_dir = "custintel-demo";
  static int64_t demo_customers = 10000;
  auto* demo = app.add_subcommand("demo", "generate a sample shop, run everything, print the findings");
  common(demo, &g);
  demo->add_option("--dir", demo_dir, "working directory (replaced)")->capture_default_str();
  demo->add_option("--customers", demo_customers, "customers in the sample shop")->capture_default_str();
  demo->callback([&] { action = [&] { return RunDemo(g, demo_dir, demo_customers); }; });

  RegisterModelCommands(app, g, action, common);
  RegisterChurnCommands(app, g, action, common);
  RegisterIngestCommands(app, g, action, common);
  RegisterTextCommands(app, g, action, common);
  RegisterAiCommands(app, g, action, common);
  RegisterServeCommands(app, g, action, common);
  RegisterAskCommands(app, g, action, common);
  RegisterInsightEvalCommands(app, g, action, common);
  RegisterInsightsCommands(app, g, action, common);
  RegisterSearchCommands(app, g, action, common);
}

}  // namespace custintel::cli
