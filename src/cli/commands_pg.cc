// `custintel pg-worker --dsn URL`: a queue worker for the PostgreSQL extension outside the
// database (issue 23 item 5). Each step is one transaction of `SELECT custintel_work(batch)`:
// the extension, in the server, claims a batch with FOR UPDATE SKIP LOCKED, computes it, writes
// the results and deletes the items before the step commits; a worker killed mid-step loses
// nothing and does nothing twice. Any number of workers may run against one database.
#include <csignal>
#include <chrono>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "ingest/postgres_client.h"

namespace custintel::cli {
namespace {

struct PgWorkerArgs {
  std::string dsn;
  int batch = 32;
  int max_attempts = 3;
  int idle_ms = 500;
  bool once = false;  // drain what is due, then exit
};

volatile std::sig_atomic_t g_stop = 0;
void StopOnSignal(int) { g_stop = 1; }

Status RunPgWorker(GlobalOptions& g, const PgWorkerArgs& a) {
  if (a.batch < 1 || a.max_attempts < 1 || a.idle_ms < 0) {
    g.usage_error = true;
    return Status::InvalidArgument("--batch and --max-attempts must be at least 1, --idle-ms at least 0");
  }
  std::signal(SIGTERM, StopOnSignal);
  std::signal(SIGINT, StopOnSignal);
  CI_ASSIGN_OR_RETURN(auto pg, ingest::PgConnection::Connect(a.dsn));
  const std::string step =
      "SELECT custintel_work(" + std::to_string(a.batch) + ", " + std::to_string(a.max_attempts) + ")";
  long long total = 0;
  while (!g_stop) {
    auto rows = pg.Query(step);
    if (!rows.ok()) {
      return rows.status().WithContext(ingest::RedactPostgresUrl(a.dsn) + " (is the custintel extension created there?)");
    }
    const int n = std::stoi((*rows)[0][0]);
    total += n;
    if (n == 0) {
      if (a.once) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(a.idle_ms));
    }
  }
  std::cout << "pg-worker: " << total << " items done\n";
  return Status::Ok();
}

}  // namespace

void RegisterPgCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn) {
  static PgWorkerArgs args;
  CLI::App* w = app.add_subcommand("pg-worker", "work the custintel extension's queue in a PostgreSQL database");
  w->add_option("--dsn", args.dsn, "libpq connection URI of the database (postgresql://user@host:port/db)")->required();
  w->add_option("--batch", args.batch, "items claimed per transaction")->capture_default_str();
  w->add_option("--max-attempts", args.max_attempts, "tries before an item moves to custintel_failed")
      ->capture_default_str();
  w->add_option("--idle-ms", args.idle_ms, "wait when nothing is due")->capture_default_str();
  w->add_flag("--once", args.once, "exit when nothing is due instead of waiting");
  w->callback([&] { action = [&] { return RunPgWorker(g, args); }; });
}

}  // namespace custintel::cli
