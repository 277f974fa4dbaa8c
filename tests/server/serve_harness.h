// Black-box harness: a served data directory with two tenants (acme, beta: different shops),
// keys of every kind, and the real `custintel serve` on a free loopback port, stopped when
// the object dies (also when a test fails).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include "server/http.h"
#include "testing/testing.h"

namespace custintel::server::testing {

// `custintel serve` as a child process; the port is read from its first line of output.
class ServeProcess {
 public:
  // extra_args: more flags of `serve` (e.g. {"--backend", "http"}).
  ServeProcess(const std::string& data_dir, const std::string& config_path,
               const std::vector<std::string>& extra_args = {});
  ~ServeProcess();
  int port() const { return port_; }
  bool ok() const { return port_ > 0; }
  std::string log() const;
  // SIGTERM and wait (a clean stop: audit flushed); SIGKILL: a crash, nothing flushed.
  void Stop();
  void Kill();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

struct Fixture {
  custintel::testing::TempDir dir;
  std::string data_dir, config_path;
  // keys["acme/admin"], keys["acme/account"], keys["beta/viewer"], ...
  std::map<std::string, std::string> keys;
  std::string account;                      // the account of keys["acme/account"]
  std::set<std::string> account_customers;  // its customers in acme
  std::set<std::string> acme_accounts, beta_accounts;
  std::string setup_error;  // non-empty when building the fixture failed
};

// Builds the shared fixture once per test program (two gen-data shops of 1,000 customers).
Fixture& SharedFixture();

// A JSON-speaking client for one key.
class Api {
 public:
  Api(int port, std::string key) : client_("127.0.0.1", port, 60), key_(std::move(key)) {}
  HttpClientResult Get(const std::string& path);
  HttpClientResult Post(const std::string& path, const std::string& body);
  nlohmann::json GetJson(const std::string& path, int* status = nullptr);

 private:
  HttpClient client_;
  std::string key_;
};

// Every string value anywhere in `j` stored under `field` (recursively).
void CollectField(const nlohmann::json& j, const std::string& field, std::vector<std::string>* out);

}  // namespace custintel::server::testing
