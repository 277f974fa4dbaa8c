// `custintel pg-cluster init`: the sharded layout of src/pg/cluster/ (issue 24 item 1) —
// shard.sql on every shard, cluster.sql + custintel_cluster.init on the coordinator; the SQL is
// the same files `make pg` installs, embedded in the binary.
//
// `custintel pg-worker --dsn URL`: a queue worker for the PostgreSQL extension outside the
// database (issue 23 item 5). Each step is one transaction of `SELECT custintel_work(batch)`:
// the extension, in the server, claims a batch with FOR UPDATE SKIP LOCKED, computes it, writes
// the results and deletes the items before the step commits; a worker killed mid-step loses
// nothing and does nothing twice. Any number of workers may run against one database.
#include <csignal>
#include <cstdlib>
#include <chrono>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "core/embedded.h"
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

struct PgClusterArgs {
  std::string coordinator;          // libpq connection string or URI of the coordinator database
  std::vector<std::string> shards;  // key=value connection strings, partition 0 first
  std::string shard_user;           // user mapping: user on the shards ("" = the calling role)
  std::string shard_password_env;   // user mapping: environment variable holding the password
};

// A SQL string literal (standard_conforming_strings, PostgreSQL's default since 9.1).
std::string SqlLiteral(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// A value in a key=value libpq connection string: quoted, with \ and ' escaped.
std::string ConnValue(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

Result<std::string_view> ClusterScript(const char* name) {
  auto sql = embedded::Find(std::string("pg/cluster/") + name);
  if (!sql) return Status::Internal(std::string("pg/cluster/") + name + " is not embedded in this binary");
  return *sql;
}

Status RunPgClusterInit(GlobalOptions& g, const PgClusterArgs& a) {
  for (const std::string& s : a.shards) {
    if (ingest::IsPostgresUrl(s) || s.find("://") != std::string::npos) {
      g.usage_error = true;
      return Status::InvalidArgument("--shard " + ingest::RedactPostgresUrl(s) +
                                     ": give a key=value connection string ('host=H port=P dbname=D'), the form "
                                     "PL/Proxy uses from the coordinator");
    }
  }
  std::string password;
  if (!a.shard_password_env.empty()) {
    const char* p = std::getenv(a.shard_password_env.c_str());
    if (!p) return Status::InvalidArgument("--shard-password-env: " + a.shard_password_env + " is not set");
    password = p;
  }
  CI_ASSIGN_OR_RETURN(std::string_view shard_sql, ClusterScript("shard.sql"));
  CI_ASSIGN_OR_RETURN(std::string_view cluster_sql, ClusterScript("cluster.sql"));
  for (size_t i = 0; i < a.shards.size(); ++i) {
    const std::string where = "shard " + std::to_string(i) + " (" + a.shards[i] + ")";
    // This process connects as the coordinator will (the user mapping's user and password).
    std::string conn = a.shards[i];
    if (!a.shard_user.empty()) conn += " user=" + ConnValue(a.shard_user);
    if (!password.empty()) conn += " password=" + ConnValue(password);
    auto shard = ingest::PgConnection::Connect(conn);
    if (!shard.ok()) return shard.status().WithContext(where);
    CI_RETURN_IF_ERROR(shard->Execute(std::string(shard_sql)).WithContext(where + ": shard.sql"));
  }
  const std::string where = "coordinator " + ingest::RedactPostgresUrl(a.coordinator);
  auto coord = ingest::PgConnection::Connect(a.coordinator);
  if (!coord.ok()) return coord.status().WithContext(where);
  CI_RETURN_IF_ERROR(coord->Execute(std::string(cluster_sql)).WithContext(where + ": cluster.sql"));
  std::string shards;
  for (const std::string& s : a.shards) shards += (shards.empty() ? "" : ", ") + SqlLiteral(s);
  auto placed = coord->Query("SELECT * FROM custintel_cluster.init(ARRAY[" + shards + "]::text[], " +
                             (a.shard_user.empty() ? "NULL" : SqlLiteral(a.shard_user)) + ", " +
                             (a.shard_password_env.empty() ? "NULL" : SqlLiteral(password)) + ")");
  if (!placed.ok()) return placed.status().WithContext(where + ": custintel_cluster.init");
  for (const auto& row : *placed) std::cout << "pg-cluster: " << row[0] << "\n";
  std::cout << "pg-cluster: coordinator ready (" << a.shards.size() << " shards): custintel_cluster.* routes by "
            << "hashtext(customer_id)\n";
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

  static PgClusterArgs cluster;
  CLI::App* c = app.add_subcommand("pg-cluster", "customers sharded over PostgreSQL databases with PL/Proxy");
  c->require_subcommand(1);
  CLI::App* init = c->add_subcommand(
      "init", "create the sharded layout: shard.sql on every shard, cluster.sql + custintel_cluster.init on the "
              "coordinator (src/pg/README.md, \"Past one machine\")");
  init->add_option("--coordinator", cluster.coordinator, "connection string or URI of the coordinator database")
      ->required();
  init->add_option("--shard", cluster.shards,
                   "a shard's key=value connection string, as the coordinator reaches it; repeat, partition 0 first")
      ->required();
  init->add_option("--shard-user", cluster.shard_user, "user the coordinator connects to the shards as");
  init->add_option("--shard-password-env", cluster.shard_password_env,
                   "environment variable holding that user's password (kept in the user mapping)");
  init->callback([&] { action = [&] { return RunPgClusterInit(g, cluster); }; });
}

}  // namespace custintel::cli
