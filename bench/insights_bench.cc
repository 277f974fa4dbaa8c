// insights_bench: every insight table for a gen-data shop with the builtin writer (issue 7):
// segment insights, account summaries (per customer and per account), retention strategies,
// personal recommendations, notifications and the executive summary. Times a full rewrite
// (--refresh), then an unchanged re-run (every input hash equal: nothing rewritten), then a
// run scoped to 1% of the customers (an incremental run's share, features/scope.h) with
// --refresh (they and their accounts are rewritten), and prints the rows written and the
// process's peak RSS.
//
//   insights_bench [customers | DB_FILE] [--unchanged-only]      default: 100000 customers
// --unchanged-only skips the rewrite: times the unchanged re-run (and the scoped run) alone, of
// a DB_FILE whose insights are already written, e.g. under `perf record`.
// A number generates, ingests and runs a shop first (in a temporary folder, removed afterwards
// unless CUSTINTEL_BENCH_KEEP is set). Pass a database that `custintel run` has built to keep
// generation, ingest and the other steps out of the peak RSS.
#include "bench_util.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/config.h"
#include "core/log.h"
#include "features/scope.h"
#include "gen/gen_data.h"
#include "ingest/ingest.h"
#include "insight/step.h"
#include "pipeline/run.h"
#include "store/migrations.h"

namespace {

namespace fs = std::filesystem;
using namespace custintel;

Result<std::string> MakeShop(const std::string& arg, const std::string& tmp) {
  if (fs::exists(arg)) return arg;
  gen::GenOptions g;
  g.customers = std::atoll(arg.c_str());
  g.out_dir = tmp + "/shop";
  Result<gen::GenReport> report = Status::Internal("not run");
  double gen_s = bench::Seconds([&] { report = gen::GenerateShop(g); });
  CI_RETURN_IF_ERROR(report.status());
  std::printf("generated %lld customers in %.1f s\n", static_cast<long long>(report->customers), gen_s);
  const std::string db_path = tmp + "/shop.duckdb";
  CI_ASSIGN_OR_RETURN(auto db, store::OpenEngineDatabase(db_path));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  Status s;
  double ingest_s = bench::Seconds([&] { s = ingest::IngestDirectory(conn, g.out_dir).status(); });
  CI_RETURN_IF_ERROR(s);
  std::printf("ingested in %.1f s\n", ingest_s);
  Result<pipeline::RunReport> run = Status::Internal("not run");
  double run_s = bench::Seconds([&] { run = pipeline::Run(conn, DefaultConfig(), {}); });
  CI_RETURN_IF_ERROR(run.status());
  std::printf("custintel run in %.1f s; its insights step:", run_s);
  for (const auto& step : run->steps) {
    if (step.name == "insights") std::printf(" %.1f s (%s)", step.seconds, step.note.c_str());
  }
  std::printf("\n");
  return db_path;
}

Result<insight::InsightReport> Timed(store::Connection& conn, bool refresh, double* seconds,
                                     const features::Scope& scope = features::Scope::All()) {
  insight::InsightOptions o;
  o.refresh = refresh;
  o.scope = scope;
  Result<insight::InsightReport> r = Status::Internal("not run");
  *seconds = bench::Seconds([&] {
    auto tx = store::Transaction::Begin(conn);
    if (!tx.ok()) {
      r = tx.status();
      return;
    }
    r = insight::RunInsights(conn, nullptr, o);
    if (r.ok()) {
      Status c = tx->Commit();
      if (!c.ok()) r = c;
    }
  });
  return r;
}

Status PrintRows(store::Connection& conn) {
  for (const char* t : {"segment_insights", "account_summaries", "retention_strategies", "personal_recommendations",
                        "notifications", "executive_summary"}) {
    CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(fmt::format("SELECT count(*) FROM gold.{}", t)));
    std::printf("  gold.%-26s %10lld rows\n", t, static_cast<long long>(r.GetInt64(0, 0)));
  }
  return Status::Ok();
}

Status Run(const std::string& db_path, bool unchanged_only) {
  CI_ASSIGN_OR_RETURN(auto db, store::OpenEngineDatabase(db_path));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  double all_s = 0, same_s = 0;
  if (!unchanged_only) {
    CI_ASSIGN_OR_RETURN(insight::InsightReport all, Timed(conn, true, &all_s));
    std::printf("rewrite all (builtin):   %8.1f s  peak RSS so far %.0f MiB  %s\n", all_s, bench::PeakRssMiB(),
                all.Note().c_str());
    std::fflush(stdout);
  }
  CI_ASSIGN_OR_RETURN(insight::InsightReport same, Timed(conn, false, &same_s));
  std::printf("unchanged re-run:        %8.1f s  peak RSS so far %.0f MiB  %s\n", same_s, bench::PeakRssMiB(),
              same.Note().c_str());
  std::fflush(stdout);
  CI_RETURN_IF_ERROR(conn.Execute("CREATE OR REPLACE TEMP TABLE bench_scope AS SELECT customer_id FROM "
                                  "gold.customer_scores USING SAMPLE 1 PERCENT (reservoir, 7)"));
  double scoped_s = 0;
  CI_ASSIGN_OR_RETURN(insight::InsightReport scoped, Timed(conn, true, &scoped_s, features::Scope::Customers("bench_scope")));
  std::printf("scoped 1%% (refresh):     %8.1f s  peak RSS so far %.0f MiB  %s\n", scoped_s, bench::PeakRssMiB(),
              scoped.Note().c_str());
  CI_RETURN_IF_ERROR(PrintRows(conn));
  std::printf("peak RSS %.0f MiB\n", bench::PeakRssMiB());
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  custintel::SetLogLevel(custintel::LogLevel::kWarn);
  const std::string arg = argc > 1 ? argv[1] : "100000";
  const std::string tmp = (fs::temp_directory_path() / fmt::format("insights-bench-{}", ::getpid())).string();
  fs::create_directories(tmp);
  Result<std::string> db = MakeShop(arg, tmp);
  const bool unchanged_only = argc > 2 && std::string(argv[2]) == "--unchanged-only";
  Status s = db.ok() ? Run(*db, unchanged_only) : db.status();
  if (!std::getenv("CUSTINTEL_BENCH_KEEP")) fs::remove_all(tmp);
  if (!s.ok()) {
    std::fprintf(stderr, "insights_bench: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}
