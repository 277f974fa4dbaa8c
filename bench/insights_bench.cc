// insights_bench: every insight table for a gen-data shop with the builtin writer (issue 7):
// segment insights, account summaries (per customer and per account), retention strategies,
// personal recommendations, notifications and the executive summary. Times a full rewrite
// (--refresh), then an unchanged re-run (every input hash equal: nothing rewritten), then a
// run scoped to 1% of the customers (an incremental run's share, features/scope.h) with
// --refresh (they and their accounts are rewritten), and prints the rows written and the
// process's peak RSS.
//
//   insights_bench [customers | DB_FILE] [--unchanged-only | --on-demand [N]]   default: 100000 customers
// --unchanged-only skips the rewrite: times the unchanged re-run (and the scoped run) alone, of
// a DB_FILE whose insights are already written, e.g. under `perf record`.
// --on-demand (issue 26 item 2) times texts written on demand instead, as GET /v1/customers/{id}
// and `insights --customer` write them (insight::EnsureCustomerTexts, in process): for N
// customers (default 200) that the run wrote no summary for, the first request (writes the
// customer's summary, recommendations and its account's summary) and a second request (finds
// them current from the recorded checks, insight/text_checks.h: no sheet, no writing), and
// prints the p50 and p99 latency of each. bench/on_demand.sh times the same through the CLI
// and a real server.
// A number generates, ingests and runs a shop first (in a temporary folder, removed afterwards
// unless CUSTINTEL_BENCH_KEEP is set). Pass a database that `custintel run` has built to keep
// generation, ingest and the other steps out of the peak RSS.
#include "bench_util.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>
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

double Percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

Status OnDemand(const std::string& db_path, int64_t n) {
  CI_ASSIGN_OR_RETURN(auto db, store::OpenEngineDatabase(db_path));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  CI_ASSIGN_OR_RETURN(store::QueryResult ids, conn.Query(
      "SELECT customer_id FROM gold.customer_scores WHERE customer_id NOT IN (SELECT subject_id FROM "
      "gold.account_summaries WHERE subject_kind = 'customer') ORDER BY hash(customer_id) LIMIT ?", {n}));
  if (ids.row_count() == 0) return Status::NotFound("every customer has a summary already (run `custintel run` on a fresh shop)");
  CI_ASSIGN_OR_RETURN(store::QueryResult total, conn.Query("SELECT count(*) FROM gold.customer_scores"));
  std::vector<double> first, cached;
  int64_t written = 0, from_store = 0, from_checks = 0;
  for (size_t i = 0; i < ids.row_count(); ++i) {
    const std::string id = ids.GetString(0, i);
    for (std::vector<double>* into : {&first, &cached}) {
      Result<insight::OnDemandTexts> t = Status::Internal("not run");
      into->push_back(bench::Seconds([&] { t = insight::EnsureCustomerTexts(conn, nullptr, id); }) * 1000);
      CI_RETURN_IF_ERROR(t.status());
      (t->written ? written : from_store) += 1;
      from_checks += t->from_checks ? 1 : 0;
    }
  }
  std::printf("on-demand account summary, %zu customers of %lld (builtin writer, in process):\n", first.size(),
              static_cast<long long>(total.GetInt64(0, 0)));
  std::printf("  first request:  p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms\n", Percentile(first, 0.5),
              Percentile(first, 0.99), Percentile(first, 1.0));
  std::printf("  cached request: p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms\n", Percentile(cached, 0.5),
              Percentile(cached, 0.99), Percentile(cached, 1.0));
  std::printf("  %lld requests wrote texts, %lld answered from the store (%lld from the recorded checks, no sheet "
              "built); peak RSS %.0f MiB\n",
              static_cast<long long>(written), static_cast<long long>(from_store), static_cast<long long>(from_checks),
              bench::PeakRssMiB());
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  custintel::SetLogLevel(custintel::LogLevel::kWarn);
  const std::string arg = argc > 1 ? argv[1] : "100000";
  const std::string tmp = (fs::temp_directory_path() / fmt::format("insights-bench-{}", ::getpid())).string();
  fs::create_directories(tmp);
  Result<std::string> db = MakeShop(arg, tmp);
  const std::string mode = argc > 2 ? argv[2] : "";
  Status s = !db.ok()              ? db.status()
             : mode == "--on-demand" ? OnDemand(*db, argc > 3 ? std::atoll(argv[3]) : 200)
                                     : Run(*db, mode == "--unchanged-only");
  if (!std::getenv("CUSTINTEL_BENCH_KEEP")) fs::remove_all(tmp);
  if (!s.ok()) {
    std::fprintf(stderr, "insights_bench: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}
