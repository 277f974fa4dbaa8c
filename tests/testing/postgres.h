// A throwaway PostgreSQL server for tests: initdb into a temporary directory, started on a
// free loopback port (socket in the same directory), stopped and removed when the object dies
// — also when the test fails. Uses Debian's server (/usr/lib/postgresql/<version>/bin). As
// root, initdb refuses to run, so the server runs as the `postgres` system user.
//
//   auto pg = testing::PostgresServer::Start();
//   if (!pg) GTEST_SKIP() << testing::PostgresServer::WhyUnavailable();
//   std::string url = pg->url();   // postgresql://custintel@127.0.0.1:<port>/postgres
#pragma once

#include <memory>
#include <string>

#include "testing/testing.h"

namespace custintel::testing {

class PostgresServer {
 public:
  // nullptr when no server binary is installed or it would not start (see WhyUnavailable).
  static std::unique_ptr<PostgresServer> Start();
  // Same, with server settings on the command line ("-c shared_preload_libraries=x -c ...").
  static std::unique_ptr<PostgresServer> Start(const std::string& server_options);
  static std::string WhyUnavailable();
  ~PostgresServer();

  // Stops the server the way a crash does (pg_ctl -m immediate: every backend gone at once, no
  // checkpoint) and starts it again on the same port; true when it is back. Recovery replays
  // the WAL: committed transactions stay, the rest are gone.
  bool CrashAndRestart();

  const std::string& url() const { return url_; }
  // Runs SQL through psql; returns its stdout (unaligned, tuples only) or "ERROR: ..." text.
  CommandResult Psql(const std::string& sql) const;
  // Runs the SQL file `path` through psql with `flags` (e.g. "-v ON_ERROR_STOP=0") in database
  // `db` (empty: postgres), as a user would: stdout and stderr as psql writes them.
  CommandResult PsqlFile(const std::string& path, const std::string& flags, const std::string& db = "") const;

 private:
  PostgresServer() = default;
  std::string Run(const std::string& command) const;  // as the server's user
  TempDir dir_;
  std::string bin_, url_, data_;
  int port_ = 0;
  std::string options_;  // the server options it was started with (port included)
  bool started_ = false;
};

}  // namespace custintel::testing
