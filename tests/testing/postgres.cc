#include "testing/postgres.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

namespace custintel::testing {
namespace {

namespace fs = std::filesystem;

std::string& LastError() {
  static std::string why;
  return why;
}

// The newest installed server's bin directory, or "".
std::string FindBin() {
  std::error_code ec;
  std::string best;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (fs::exists(e.path() / "bin" / "initdb") && e.path().string() > best) best = e.path().string();
  }
  return best.empty() ? "" : best + "/bin";
}

// A port the kernel just handed out on 127.0.0.1 (closed again; the server binds it next).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

}  // namespace

std::string PostgresServer::WhyUnavailable() { return LastError(); }

std::string PostgresServer::Run(const std::string& command) const {
  return geteuid() == 0 ? "runuser -u postgres -- " + command : command;
}

std::unique_ptr<PostgresServer> PostgresServer::Start() { return Start(""); }

std::unique_ptr<PostgresServer> PostgresServer::Start(const std::string& server_options) {
  std::unique_ptr<PostgresServer> pg(new PostgresServer());
  pg->bin_ = FindBin();
  if (pg->bin_.empty()) {
    LastError() = "no PostgreSQL server installed (/usr/lib/postgresql/*/bin/initdb)";
    return nullptr;
  }
  if (geteuid() == 0) RunShell("chown postgres " + Quote(pg->dir_.path()));
  pg->data_ = pg->dir_.File("data");
  CommandResult init = RunShell(pg->Run(pg->bin_ + "/initdb -D " + Quote(pg->data_) +
                                        " -A trust -U custintel -E UTF8 --locale=C --no-sync"));
  if (init.exit_code != 0) {
    LastError() = "initdb failed: " + init.err;
    return nullptr;
  }
  for (int attempt = 0; attempt < 5 && !pg->started_; ++attempt) {
    pg->port_ = FreePort();
    std::string options = "-p " + std::to_string(pg->port_) + " -k " + pg->dir_.path() +
                          " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off " + server_options;
    CommandResult start = RunShell(pg->Run(pg->bin_ + "/pg_ctl -D " + Quote(pg->data_) + " -o " + Quote(options) +
                                           " -l " + Quote(pg->dir_.File("server.log")) + " -w -t 30 start"));
    pg->started_ = start.exit_code == 0;
    pg->options_ = options;
    if (!pg->started_) LastError() = "pg_ctl start failed: " + start.out + start.err + ReadFile(pg->dir_.File("server.log"));
  }
  if (!pg->started_) return nullptr;
  pg->url_ = "postgresql://custintel@127.0.0.1:" + std::to_string(pg->port_) + "/postgres";
  return pg;
}

PostgresServer::~PostgresServer() {
  if (started_) RunShell(Run(bin_ + "/pg_ctl -D " + Quote(data_) + " -m immediate -w -t 30 stop"));
}

bool PostgresServer::CrashAndRestart() {
  RunShell(Run(bin_ + "/pg_ctl -D " + Quote(data_) + " -m immediate -w -t 30 stop"));
  CommandResult start = RunShell(Run(bin_ + "/pg_ctl -D " + Quote(data_) + " -o " + Quote(options_) + " -l " +
                                     Quote(dir_.File("server.log")) + " -w -t 60 start"));
  started_ = start.exit_code == 0;
  return started_;
}

CommandResult PostgresServer::Psql(const std::string& sql) const {
  std::string file = dir_.File("query.sql");
  WriteFile(file, sql);
  return RunShell(bin_ + "/psql -X -q -A -t -v ON_ERROR_STOP=1 -d " + Quote(url_) + " -f " + Quote(file));
}

CommandResult PostgresServer::PsqlFile(const std::string& path, const std::string& flags, const std::string& db) const {
  std::string url = db.empty() ? url_ : url_.substr(0, url_.rfind('/') + 1) + db;
  return RunShell(bin_ + "/psql -X " + flags + " -d " + Quote(url) + " -f " + Quote(path));
}

}  // namespace custintel::testing
