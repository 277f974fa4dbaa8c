#include "serve_harness.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <fstream>
#include <cstdlib>
#include <regex>
#include <thread>

namespace custintel::server::testing {
namespace {

using custintel::testing::ReadFile;
using custintel::testing::RunCli;
using custintel::testing::RunShell;
using custintel::testing::WriteFile;

std::string Sh(const std::string& s) { return "'" + s + "'"; }

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

constexpr char kConfig[] = R"(
[tiers.unlimited]
requests_per_second = 1000000
burst = 1000000
ai_calls_per_day = 1000000

[tiers.tiny]
requests_per_second = 0.5
burst = 3
ai_calls_per_day = 1000

[tiers.noai]
requests_per_second = 1000
burst = 1000
ai_calls_per_day = 0
)";

std::string MakeKey(Fixture& f, const std::string& tenant, const std::string& role, const std::string& extra) {
  auto r = RunCli("keys create --data-dir " + Sh(f.data_dir) + " --config " + Sh(f.config_path) + " --tenant " + tenant +
                  " --role " + role + " " + extra);
  if (r.exit_code != 0) f.setup_error += "keys create " + tenant + " " + role + ": " + r.err;
  return Trimmed(r.out);
}

std::set<std::string> Column(const Fixture& f, const std::string& tenant, const std::string& sql) {
  // SQL in double quotes: it holds single-quoted literals.
  auto r = RunCli("sql --csv --db " + Sh(f.data_dir + "/tenants/" + tenant + ".duckdb") + " \"" + sql + "\"");
  std::set<std::string> out;
  size_t start = r.out.find('\n');
  while (start != std::string::npos && start + 1 < r.out.size()) {
    size_t end = r.out.find('\n', start + 1);
    out.insert(r.out.substr(start + 1, end - start - 1));
    start = end;
  }
  return out;
}

void BuildTenant(Fixture& f, const std::string& name, int seed) {
  std::string shop = f.dir.File("shop-" + name);
  std::string db = f.data_dir + "/tenants/" + name + ".duckdb";
  for (const std::string& cmd :
       {"tenants create " + name + " --tier unlimited --data-dir " + Sh(f.data_dir) + " --config " + Sh(f.config_path),
        "gen-data --customers 1000 --seed " + std::to_string(seed) + " --out " + Sh(shop),
        "ingest --db " + Sh(db) + " --dir " + Sh(shop), "run --db " + Sh(db)}) {
    auto r = RunCli(cmd);
    if (r.exit_code != 0) f.setup_error += cmd + ": " + r.err;
  }
}

void BuildInto(Fixture* f) {
  BuildTenant(*f, "acme", 7);
  BuildTenant(*f, "beta", 99);
  if (!f->setup_error.empty()) return;
  // The account with the most customers in acme (at least 2): the account key's scope.
  auto top = RunCli("sql --csv --db " + Sh(f->data_dir + "/tenants/acme.duckdb") +
                    " \"SELECT account_id FROM silver.customers GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1\"");
  f->account = Trimmed(top.out.substr(top.out.find('\n') + 1));
  f->account_customers = Column(*f, "acme", "SELECT customer_id FROM silver.customers WHERE account_id = '" + f->account + "'");
  f->acme_accounts = Column(*f, "acme", "SELECT DISTINCT account_id FROM silver.customers");
  f->beta_accounts = Column(*f, "beta", "SELECT DISTINCT account_id FROM silver.customers");
  for (const std::string& t : {"acme", "beta"}) {
    for (const std::string& role : {"admin", "analyst", "viewer"}) f->keys[t + "/" + role] = MakeKey(*f, t, role, "");
  }
  f->keys["acme/account"] = MakeKey(*f, "acme", "account", "--scope " + Sh("account_id=" + f->account));
  std::string beta_account = *f->beta_accounts.begin();
  f->keys["beta/account"] = MakeKey(*f, "beta", "account", "--scope " + Sh("account_id=" + beta_account));
  f->keys["acme/tiny"] = MakeKey(*f, "acme", "viewer", "--tier tiny");
  f->keys["acme/noai"] = MakeKey(*f, "acme", "analyst", "--tier noai");
  f->keys["acme/revoke-me"] = MakeKey(*f, "acme", "viewer", "--label revoke-me");
}

nlohmann::json Save(const Fixture& f) {
  return {{"keys", f.keys}, {"account", f.account}, {"account_customers", f.account_customers},
          {"acme_accounts", f.acme_accounts}, {"beta_accounts", f.beta_accounts}};
}

void Load(const nlohmann::json& j, Fixture* f) {
  f->keys = j["keys"].get<std::map<std::string, std::string>>();
  f->account = j["account"];
  f->account_customers = j["account_customers"].get<std::set<std::string>>();
  f->acme_accounts = j["acme_accounts"].get<std::set<std::string>>();
  f->beta_accounts = j["beta_accounts"].get<std::set<std::string>>();
}

// ctest runs each test in its own process: the two shops are built once per binary (in the
// build directory, under a lock) and each process serves its own copy.
Fixture* Build() {
  namespace fs = std::filesystem;
  auto* f = new Fixture();
  f->data_dir = f->dir.File("data");
  f->config_path = f->dir.File("custintel.toml");
  WriteFile(f->config_path, kConfig);
  const char* bin = std::getenv("CUSTINTEL_BIN");
  if (!bin) {
    f->setup_error = "CUSTINTEL_BIN is not set (run through ctest)";
    return f;
  }
  // Rebuilt when the binary or this test program changes.
  std::string stamp;
  for (const char* file : {bin, "/proc/self/exe"}) {
    struct stat st{};
    stat(file, &st);
    stamp += std::to_string(st.st_mtime) + ":" + std::to_string(st.st_size) + ";";
  }
  fs::path cache = fs::path(bin).parent_path() / "server-test-fixture";
  fs::create_directories(cache);
  int lock = open((cache / "lock").c_str(), O_RDWR | O_CREAT, 0644);
  flock(lock, LOCK_EX);
  if (ReadFile((cache / "stamp").string()) != stamp) {
    fs::remove_all(cache / "data");
    Fixture built;
    built.data_dir = (cache / "data").string();
    built.config_path = f->config_path;
    BuildInto(&built);
    if (built.setup_error.empty()) {
      WriteFile((cache / "fixture.json").string(), Save(built).dump());
      WriteFile((cache / "stamp").string(), stamp);
    } else {
      f->setup_error = built.setup_error;
    }
  }
  if (f->setup_error.empty()) {
    std::error_code ec;
    fs::copy(cache / "data", f->data_dir, fs::copy_options::recursive, ec);
    if (ec) f->setup_error = "copying the fixture: " + ec.message();
    Load(nlohmann::json::parse(ReadFile((cache / "fixture.json").string())), f);
  }
  flock(lock, LOCK_UN);
  close(lock);
  return f;
}

}  // namespace

ServeProcess::ServeProcess(const std::string& data_dir, const std::string& config_path,
                           const std::vector<std::string>& extra_args) {
  const char* bin = std::getenv("CUSTINTEL_BIN");
  if (!bin) return;
  log_path_ = data_dir + "/serve-" + std::to_string(::getpid()) + ".log";
  int fds[2];
  if (pipe(fds) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fds[1], 1);
    dup2(log, 2);
    close(fds[0]);
    std::vector<std::string> args = {bin, "serve", "--data-dir", data_dir, "--config", config_path, "--port", "0"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin, argv.data());
    _exit(127);
  }
  close(fds[1]);
  // The first stdout line names the port: "custintel serving D on http://127.0.0.1:PORT/".
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[256];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  std::smatch m;
  if (std::regex_search(line, m, std::regex(R"(http://127\.0\.0\.1:(\d+)/)"))) port_ = std::stoi(m[1]);
}

ServeProcess::~ServeProcess() { Stop(); }

void ServeProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {  // up to 10 s for a clean stop
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Kill();
}

void ServeProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string ServeProcess::log() const { return log_path_.empty() ? "" : ReadFile(log_path_); }

Fixture& SharedFixture() {
  // Destroyed at exit, so its TempDir (a copy of both tenants, ~44 MB) goes with the process.
  static std::unique_ptr<Fixture> f(Build());
  return *f;
}

HttpClientResult Api::Get(const std::string& path) { return client_.Get(path, {{"Authorization", "Bearer " + key_}}); }

HttpClientResult Api::Post(const std::string& path, const std::string& body) {
  return client_.Post(path, body, {{"Authorization", "Bearer " + key_}});
}

nlohmann::json Api::GetJson(const std::string& path, int* status) {
  HttpClientResult r = Get(path);
  if (status) *status = r.status;
  return nlohmann::json::parse(r.body, nullptr, false);
}

void CollectField(const nlohmann::json& j, const std::string& field, std::vector<std::string>* out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (k == field && v.is_string()) out->push_back(v.get<std::string>());
      CollectField(v, field, out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) CollectField(v, field, out);
  }
}

}  // namespace custintel::server::testing
