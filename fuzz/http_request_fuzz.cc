// libFuzzer target for the HTTP request path of `custintel serve`: arbitrary method, path,
// query, headers and body through Server::Handle (validate → public → authenticate → admit →
// match → execute → audit), with an admin key, an account key, a garbage key or none, over a
// served data directory with one (empty) tenant made at start.
//
// Besides crashes and sanitizer reports, it stops on:
//   - an answer outside 100..599, or an error answer whose body is not our JSON error;
//   - the audit log or usage failing: every 64 inputs GET /v1/audit and /v1/usage must answer
//     200 (issue 25: one bad request once stopped every tenant's audit for good).
//
//   CC=clang CXX=clang++ cmake -S . -B build-fuzz && cmake --build build-fuzz --target http_request_fuzz
//   build-fuzz/fuzz/http_request_fuzz -max_total_time=60
// Without clang, http_request_fuzz_smoke runs the same function over seeded random inputs for a
// bounded time (fuzz/smoke_main.cc), in ctest.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "server/control.h"
#include "server/server.h"

using namespace custintel;
using namespace custintel::server;

namespace {

// Takes typed values off the front of the input (what libFuzzer's FuzzedDataProvider does; a
// small one, so the target also builds without clang's headers).
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : p_(data), n_(size) {}
  size_t Below(size_t bound) {  // 0..bound-1
    if (bound <= 1 || n_ == 0) return 0;
    size_t v = *p_++;
    --n_;
    return v % bound;
  }
  bool Flag() { return Below(2) == 1; }
  // Up to max bytes, ended early by a backslash (as FuzzedDataProvider's random-length strings).
  std::string Text(size_t max) {
    std::string out;
    while (n_ > 0 && out.size() < max) {
      char c = static_cast<char>(*p_++);
      --n_;
      if (c == '\\') {  // "\\" is one backslash; a backslash before anything else (or last) ends the text
        if (n_ == 0 || *p_ != '\\') break;
        ++p_;
        --n_;
      }
      out += c;
    }
    return out;
  }
  std::string Rest() {
    std::string out(reinterpret_cast<const char*>(p_), n_);
    n_ = 0;
    return out;
  }

 private:
  const uint8_t* p_;
  size_t n_;
};

struct State {
  std::unique_ptr<Server> server;
  std::string admin, account;
};

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "http_request_fuzz: %s\n", what.c_str());
  std::abort();
}

State* Init() {
  auto* s = new State();
  std::string dir = "/tmp/http-request-fuzz-" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  Config config = DefaultConfig();
  config.tiers["fuzz"] = TierConfig{1e9, 1e9, 1000000000};
  auto control = ControlDb::Open(dir, true);
  if (!control.ok()) Fail(control.status().message());
  if (Status c = (*control)->CreateTenant("acme", "fuzz"); !c.ok()) Fail(c.message());
  auto admin = (*control)->CreateKey({"acme", Role::kAdmin, std::nullopt, "fuzz", "fuzz admin"});
  auto account = (*control)->CreateKey({"acme", Role::kAccount, std::string("a1"), "fuzz", "fuzz account"});
  if (!admin.ok() || !account.ok()) Fail("creating keys");
  s->admin = admin->key;
  s->account = account->key;
  control->reset();  // the server opens it itself
  auto server = Server::Create({dir, config});
  if (!server.ok()) Fail(server.status().message());
  s->server = std::move(*server);
  return s;
}

HttpRequest Request(const std::string& method, const std::string& path, const std::string& key) {
  HttpRequest r;
  r.method = method;
  r.path = path;
  if (!key.empty()) r.headers["authorization"] = "Bearer " + key;
  return r;
}

void CheckAnswer(const HttpResponse& res) {
  if (res.status < 100 || res.status > 599) Fail("status " + std::to_string(res.status));
  if (res.status < 400 || res.content_type != "application/json") return;
  auto j = nlohmann::json::parse(res.body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || j["error"].value("status", 0) != res.status) {
    Fail("error answer without our JSON error: " + res.body.substr(0, 200));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static State* s = Init();
  static uint64_t inputs = 0;
  Bytes in(data, size);
  static const char* kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"};
  static const char* kPaths[] = {"/v1/customers/", "/v1/segments/", "/v1/reviews", "/v1/tickets", "/v1/ask",
                                 "/v1/keys/", "/v1/audit", "/metrics", "/v1/customers", "/"};
  HttpRequest r;
  r.method = kMethods[in.Below(std::size(kMethods))];
  r.path = std::string(kPaths[in.Below(std::size(kPaths))]) + in.Text(256);
  for (size_t n = in.Below(5); n > 0; --n) {
    std::string name = in.Text(32);
    r.query.emplace(name, in.Text(128));
  }
  switch (in.Below(4)) {
    case 0: r.headers["authorization"] = "Bearer " + s->admin; break;
    case 1: r.headers["authorization"] = "Bearer " + s->account; break;
    case 2: r.headers["authorization"] = in.Text(128); break;
    default: break;
  }
  // Revoking the keys this target checks with would end the run, not find a bug.
  if (r.path.find("revoke") != std::string::npos) r.headers.erase("authorization");
  if (in.Flag()) r.headers["content-type"] = in.Text(64);
  r.body = in.Rest();
  CheckAnswer(s->server->Handle(r));
  if (++inputs % 64 == 0) {
    for (const char* path : {"/v1/audit", "/v1/usage"}) {
      HttpResponse res = s->server->Handle(Request("GET", path, s->admin));
      if (res.status != 200) Fail(std::string(path) + " answered " + std::to_string(res.status) + ": " + res.body);
    }
  }
  return 0;
}
