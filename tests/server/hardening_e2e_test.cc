// What a hostile key, a race, a crash and a slow client found (issue 25), each against the real
// `custintel serve` on loopback: one test per defect, each failing on the code before the fix.
// Every test starts its own server over its own copy of the two-tenant fixture, so it may stop,
// kill and restart it and read the databases afterwards.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <set>
#include <thread>

#include "serve_harness.h"
#include "server/http.h"

namespace custintel::server::testing {
namespace {

using custintel::testing::RunCli;
using custintel::testing::WriteFile;
using nlohmann::json;

std::string Sh(const std::string& s) { return "'" + s + "'"; }

// A raw HTTP/1.1 connection: exactly the bytes a client sends, one request after another.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  // Sends `request` and reads one response (headers + Content-Length body). "" when the
  // connection was closed or timed out first.
  std::string RoundTrip(const std::string& request) {
    if (fd_ < 0 || send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      return "";
    }
    std::string in;
    size_t header_end = std::string::npos, need = 0;
    char buf[8192];
    while (true) {
      if (header_end == std::string::npos && (header_end = in.find("\r\n\r\n")) != std::string::npos) {
        size_t cl = in.find("Content-Length: ");
        need = header_end + 4 + (cl != std::string::npos && cl < header_end ? std::stoul(in.substr(cl + 16)) : 0);
      }
      if (header_end != std::string::npos && in.size() >= need) return in.substr(0, need);
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return "";
      in.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
};

int StatusOf(const std::string& response) {
  return response.size() > 12 ? std::atoi(response.substr(9, 3).c_str()) : 0;
}

// An OpenAI-compatible model server on loopback that answers every request with `answer`
// (errors included) and counts the requests.
class FakeModelServer {
 public:
  explicit FakeModelServer(std::function<HttpResponse(const HttpRequest&)> answer)
      : server_({.host = "127.0.0.1", .port = 0, .threads = 4}) {
    auto port = server_.Bind();
    port_ = port.ok() ? *port : 0;
    serving_ = std::thread([this, answer = std::move(answer)] {
      (void)server_.Serve(
          [&](const HttpRequest& r) {
            ++calls;
            return answer(r);
          },
          [](int) { return std::string(); });
    });
  }
  ~FakeModelServer() {
    server_.Stop();
    serving_.join();
  }
  bool ok() const { return port_ > 0; }
  // serve's flags for this server as the tenants' http backend.
  std::vector<std::string> ServeArgs() const {
    return {"--backend", "http", "--base-url", "http://127.0.0.1:" + std::to_string(port_), "--model", "test-model"};
  }
  std::atomic<int> calls{0};

 private:
  HttpServer server_;
  int port_ = 0;
  std::thread serving_;
};

class HardeningTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fx().setup_error.empty()) << fx().setup_error; }
  static Fixture& fx() { return SharedFixture(); }
  void Start(const std::vector<std::string>& extra_args = {}, const std::string& config = "") {
    server_ = std::make_unique<ServeProcess>(fx().data_dir, config.empty() ? fx().config_path : config, extra_args);
    ASSERT_TRUE(server_->ok()) << server_->log();
  }
  Api As(const std::string& who) const { return Api(server_->port(), fx().keys.at(who)); }
  Api WithKey(const std::string& key) const { return Api(server_->port(), key); }
  // A key made through the API; "" (and a test failure) when refused.
  std::string NewKey(const std::string& admin, const json& spec) const {
    auto r = As(admin).Post("/v1/keys", spec.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? json::parse(r.body)["key"].get<std::string>() : "";
  }
  std::string Sql(const std::string& db, const std::string& query) const {
    auto r = RunCli("sql --csv --db " + Sh(db) + " \"" + query + "\"");
    EXPECT_EQ(r.exit_code, 0) << query << "\n" << r.err;
    return r.out;
  }
  std::string TenantDb(const std::string& tenant) const { return fx().data_dir + "/tenants/" + tenant + ".duckdb"; }

  std::unique_ptr<ServeProcess> server_;
};

// 1. Invalid UTF-8 is refused at the door; nothing of it reaches the audit log, whose every
//    tenant keeps answering.
TEST_F(HardeningTest, InvalidUtf8IsRefusedAtTheDoorAndNoTenantsAuditStops) {
  Start();
  Api account = As("acme/account");
  for (std::string p : {"/v1/customers/C%ff", "/v1/customers?q=%ff%fe", "/v1/customers/C%c3%28"}) {
    auto r = account.Get(p);
    EXPECT_EQ(r.status, 400) << p << " " << r.body;
    EXPECT_NE(r.body.find("UTF-8"), std::string::npos) << r.body;
  }
  auto body = As("acme/analyst").Post("/v1/reviews", "{\"customer_id\":\"C000001\",\"review_text\":\"bad \xff\"}");
  EXPECT_EQ(body.status, 400) << body.body;
  // Every tenant's audit and usage still answer, and still record.
  ASSERT_EQ(account.Get("/v1/customers?q=after-the-bad-bytes").status, 200);
  for (std::string admin : {"acme/admin", "beta/admin"}) {
    int status = 0;
    json audit = As(admin).GetJson("/v1/audit?limit=1000", &status);
    EXPECT_EQ(status, 200) << audit.dump();
    EXPECT_EQ(As(admin).Get("/v1/usage").status, 200);
    if (admin == "acme/admin") {
      EXPECT_NE(audit.dump().find("after-the-bad-bytes"), std::string::npos);
    }
  }
  EXPECT_EQ(server_->log().find("Invalid unicode"), std::string::npos) << server_->log();
}

// 2. Writes are idempotent by natural key: of 16 concurrent writers of one review_id one row
//    is stored; the same body gets the first answer, another body 409.
TEST_F(HardeningTest, ConcurrentWritesOfOneIdStoreOneRowAndAnswerOnce) {
  Start();
  auto race = [&](const std::string& path, const std::function<json(int)>& body) {
    std::vector<HttpClientResult> results(16);
    std::vector<std::thread> writers;
    for (int i = 0; i < 16; ++i) {
      writers.emplace_back([&, i] {
        // A transport failure (status 0) is retried as any client retries a POST: with the same
        // body it must get the first answer (that is what idempotent writes are for).
        for (int attempt = 0; attempt < 3 && results[i].status == 0; ++attempt) {
          results[i] = As("acme/analyst").Post(path, body(i).dump());
        }
      });
    }
    for (auto& t : writers) t.join();
    return results;
  };
  json same = {{"customer_id", "C000003"}, {"review_id", "rv-race-same"}, {"review_text", "Great, fast delivery"},
               {"rating", 5}};
  auto results = race("/v1/reviews", [&](int) { return same; });
  std::set<std::string> bodies;
  for (const auto& r : results) {
    EXPECT_EQ(r.status, 201) << r.body << r.error;  // the same body: the first answer, every time
    bodies.insert(r.body);
  }
  EXPECT_EQ(bodies.size(), 1u);
  results = race("/v1/reviews", [&](int i) {
    return json{{"customer_id", "C000003"}, {"review_id", "rv-race-other"}, {"review_text", "text " + std::to_string(i)}};
  });
  int created = 0, conflicts = 0;
  for (const auto& r : results) {
    created += r.status == 201;
    conflicts += r.status == 409;
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(conflicts, 15);
  // Two bodies for one ticket_id: one wins; its body's senders all get its answer, the rest 409.
  results = race("/v1/tickets", [&](int i) {
    return json{{"customer_id", "C000003"}, {"ticket_id", "tk-race"}, {"description", "refund " + std::to_string(i % 2)}};
  });
  bodies.clear();
  created = conflicts = 0;
  for (const auto& r : results) {
    if (r.status == 201) bodies.insert(r.body);
    created += r.status == 201;
    conflicts += r.status == 409;
  }
  EXPECT_EQ(bodies.size(), 1u);
  EXPECT_EQ(created, 8);
  EXPECT_EQ(conflicts, 8);
  server_->Stop();
  const std::string db = TenantDb("acme");
  EXPECT_EQ(Sql(db, "SELECT count(*) AS n FROM silver.reviews WHERE review_id IN ('rv-race-same', 'rv-race-other')"),
            "n\n2\n");
  EXPECT_EQ(Sql(db, "SELECT count(*) AS n FROM gold.review_insights WHERE review_id = 'rv-race-same'"), "n\n1\n");
  EXPECT_EQ(Sql(db, "SELECT count(*) AS n FROM silver.tickets WHERE ticket_id = 'tk-race'"), "n\n1\n");
  EXPECT_EQ(Sql(db, "SELECT count(*) AS n FROM gold.ticket_insights WHERE ticket_id = 'tk-race'"), "n\n1\n");
}

// 3. Tiers and quotas are the operator's: a tenant admin cannot mint a key of a higher tier.
TEST_F(HardeningTest, ATenantAdminCannotRaiseItsTier) {
  auto made = RunCli("keys create --data-dir " + Sh(fx().data_dir) + " --config " + Sh(fx().config_path) +
                     " --tenant acme --role admin --tier tiny");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string tiny_admin = made.out.substr(0, made.out.find('\n'));
  Start();
  Api admin = WithKey(tiny_admin);
  auto escalate = admin.Post("/v1/keys", json{{"role", "viewer"}, {"tier", "unlimited"}}.dump());
  EXPECT_EQ(escalate.status, 403) << escalate.body;
  std::this_thread::sleep_for(std::chrono::seconds(3));  // the tiny bucket refills (0.5/s)
  auto plain = admin.Post("/v1/keys", json{{"role", "viewer"}}.dump());
  ASSERT_EQ(plain.status, 201) << plain.body;
  EXPECT_EQ(json::parse(plain.body)["tier"], "tiny");
}

// 4 and 5. serve --backend/--base-url/--model choose the tenants' AI backend; an upstream error
//    that echoes the request's headers reaches no reader, no stored row and no log line.
TEST_F(HardeningTest, ServeAiFlagsAreHonouredAndUpstreamSecretsReachNoReader) {
  const std::string secret = "sk-test-SECRET-0123456789abcdef";
  FakeModelServer upstream([](const HttpRequest& r) {
    // A careless proxy: the error echoes every header it was sent.
    std::string echo = "upstream exploded; request headers:\nAuthorization: " + r.Header("authorization") +
                       "\n{\"authorization\": \"" + r.Header("authorization") + "\"}";
    return HttpResponse{500, "text/plain", echo, {}};
  });
  ASSERT_TRUE(upstream.ok());
  std::string config = fx().dir.File("ai-flags.toml");
  WriteFile(config, custintel::testing::ReadFile(fx().config_path) +
                        "\n[ai]\napi_key_env = \"CI_TEST_UPSTREAM_KEY\"\nmax_retries = 0\n");
  setenv("CI_TEST_UPSTREAM_KEY", secret.c_str(), 1);
  Start(upstream.ServeArgs(), config);
  auto refreshed = As("acme/analyst").Post("/v1/segments/at-risk-churn/refresh-insight", "");
  EXPECT_NE(refreshed.status, 0);
  EXPECT_EQ(refreshed.body.find("SECRET"), std::string::npos) << refreshed.body;
  EXPECT_GT(upstream.calls.load(), 0) << "the API kept the builtin backend: " << refreshed.body;
  for (std::string p : {"/v1/segments", "/v1/segments/at-risk-churn", "/v1/summary"}) {
    auto r = As("acme/viewer").Get(p);
    EXPECT_EQ(r.status, 200) << p;
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << p << ": " << r.body;
  }
  EXPECT_EQ(As("acme/admin").Get("/v1/audit?limit=1000").body.find("SECRET"), std::string::npos);
  server_->Stop();
  EXPECT_EQ(server_->log().find("SECRET"), std::string::npos) << server_->log();
  EXPECT_EQ(Sql(TenantDb("acme"), "SELECT count(*) AS n FROM gold.segment_insights WHERE "
                                  "to_json(gold.segment_insights)::VARCHAR LIKE '%SECRET%'"),
            "n\n0\n");
  // Flags serve cannot honour are refused, not ignored.
  // (Bounded: a serve that accepts the flag serves on instead of answering.)
  const std::string serve = "timeout 20 " + Sh(std::getenv("CUSTINTEL_BIN")) + " serve --data-dir " + Sh(fx().data_dir);
  auto db_flag = custintel::testing::RunShell(serve + " --db x.duckdb --port 0");
  EXPECT_EQ(db_flag.exit_code, 2) << db_flag.err;
  auto no_model = custintel::testing::RunShell(serve + " --backend llama --model /no/such.gguf --port 0");
  EXPECT_EQ(no_model.exit_code, 2) << no_model.err;
  EXPECT_NE(no_model.err.find("/no/such.gguf"), std::string::npos) << no_model.err;
}

// 6. A server killed right after acknowledging writes loses none of their audit rows.
TEST_F(HardeningTest, AKilledServerLosesNoAuditRowOfAnAcknowledgedWrite) {
  Start();
  std::vector<std::string> ids;
  std::mutex mu;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&] {
      Api api = As("acme/analyst");
      for (int i = 0; i < 10; ++i) {
        auto r = api.Post("/v1/reviews", json{{"customer_id", "C000004"}, {"review_text", "fine, thanks"}}.dump());
        if (r.status != 201) continue;
        std::lock_guard<std::mutex> lock(mu);
        ids.push_back(json::parse(r.body)["review_id"]);
      }
    });
  }
  for (auto& t : writers) t.join();
  server_->Kill();  // no flush
  ASSERT_EQ(ids.size(), 40u);
  Start();
  std::string log = As("acme/admin").Get("/v1/audit?limit=1000").body;
  int missing = 0;
  for (const std::string& id : ids) missing += log.find("review " + id + " stored") == std::string::npos;
  EXPECT_EQ(missing, 0) << log.substr(0, 2000);
}

// 7. /metrics: a tenant admin sees its tenant's series only; the operator the whole server.
TEST_F(HardeningTest, MetricsArePerTenantForAdminsAndWholeForTheOperator) {
  const std::string token = "operator-token-0123456789";
  setenv("CUSTINTEL_OPERATOR_TOKEN", token.c_str(), 1);
  Start();
  unsetenv("CUSTINTEL_OPERATOR_TOKEN");
  ASSERT_EQ(As("beta/viewer").Get("/v1/cohorts").status, 200);
  ASSERT_EQ(As("acme/viewer").Get("/v1/summary").status, 200);
  auto acme = As("acme/admin").Get("/metrics");
  ASSERT_EQ(acme.status, 200) << acme.body;
  EXPECT_NE(acme.body.find("route=\"/v1/summary\""), std::string::npos) << acme.body;
  EXPECT_EQ(acme.body.find("route=\"/v1/cohorts\""), std::string::npos) << acme.body;
  EXPECT_EQ(As("acme/viewer").Get("/metrics").status, 403);
  HttpClient raw("127.0.0.1", server_->port());
  auto whole = raw.Get("/metrics", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(whole.status, 200) << whole.body;
  EXPECT_NE(whole.body.find("route=\"/v1/cohorts\""), std::string::npos);
  EXPECT_NE(whole.body.find("route=\"/v1/summary\""), std::string::npos);
  EXPECT_EQ(raw.Get("/v1/summary", {{"Authorization", "Bearer " + token}}).status, 401);  // metrics only
  EXPECT_EQ(raw.Get("/metrics", {{"Authorization", "Bearer " + token + "x"}}).status, 401);
}

// 8. A scope without customers answers empty results, never an error.
TEST_F(HardeningTest, AnAccountWithoutCustomersGetsEmptyAnswers) {
  Start();
  Api nobody = WithKey(NewKey("acme/admin", {{"role", "account"}, {"account_id", "no-such-account"}}));
  for (std::string p : {"/v1/segments", "/v1/customers", "/v1/churn", "/v1/summary", "/v1/cohorts",
                               "/v1/sentiment"}) {
    auto r = nobody.Get(p);
    EXPECT_EQ(r.status, 200) << p << ": " << r.body;
    EXPECT_EQ(r.body.find("Error"), std::string::npos) << p << ": " << r.body;
  }
  json cohorts = nobody.GetJson("/v1/cohorts");
  EXPECT_TRUE(cohorts["cohorts"].empty()) << cohorts.dump();
  EXPECT_EQ(nobody.Get("/v1/customers/C000001").status, 404);
}

// 11. Connections are kept alive past 5 requests.
TEST_F(HardeningTest, ConnectionsAreKeptAlive) {
  Start();
  RawConnection c(server_->port());
  for (int i = 0; i < 50; ++i) {
    std::string r = c.RoundTrip("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_EQ(StatusOf(r), 200) << "request " << i << ": " << r;
    ASSERT_EQ(r.find("Connection: close"), std::string::npos) << "request " << i;
  }
}

// 12. A POST without a body (no Content-Length) is answered at once; `custintel sql` opens the
//     control database.
TEST_F(HardeningTest, RevokeWithoutABodyAndSqlOnTheControlDatabase) {
  Start();
  std::string victim = NewKey("acme/admin", {{"role", "viewer"}});
  std::string id = victim.substr(3, 16);
  RawConnection c(server_->port());
  auto start = std::chrono::steady_clock::now();
  std::string r = c.RoundTrip("POST /v1/keys/" + id + "/revoke HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                              fx().keys.at("acme/admin") + "\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 200) << r;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(WithKey(victim).Get("/v1/segments").status, 401);
  server_->Stop();
  std::string control = fx().data_dir + "/control.duckdb";
  EXPECT_EQ(Sql(control, "SELECT count(*) > 0 AS revoked FROM serving.api_keys WHERE revoked_at IS NOT NULL"),
            "revoked\ntrue\n");
  // Opened as it is: no engine schema was added to it.
  EXPECT_EQ(Sql(control, "SELECT count(*) AS n FROM information_schema.schemata WHERE schema_name = 'silver'"),
            "n\n0\n");
}

// 3, found again: GET /v1/customers/{id} writes the customer's texts on demand; with a model
//    backend that is a model call, and the tier's ai_calls_per_day governs it as it governs
//    /v1/ask. With the day's calls spent the builtin writer writes them (no model call) and the
//    customer is still answered; otherwise each request that wrote counts one AI call.
TEST_F(HardeningTest, OnDemandCustomerTextsCountAgainstTheAiQuota) {
  // Customers whose texts a run does not write (not at risk): the detail writes them on demand.
  std::string ids_csv = Sql(TenantDb("acme"), "SELECT customer_id FROM gold.customer_scores WHERE NOT high_risk "
                                              "ORDER BY customer_id LIMIT 12");
  std::vector<std::string> ids;
  for (size_t p = ids_csv.find('\n'); p != std::string::npos && p + 1 < ids_csv.size();) {
    size_t e = ids_csv.find('\n', p + 1);
    ids.push_back(ids_csv.substr(p + 1, e - p - 1));
    p = e;
  }
  ASSERT_EQ(ids.size(), 12u) << ids_csv;
  FakeModelServer upstream([](const HttpRequest&) { return HttpResponse{500, "text/plain", "model unavailable", {}}; });
  ASSERT_TRUE(upstream.ok());
  std::string config = fx().dir.File("ai-quota.toml");
  WriteFile(config, custintel::testing::ReadFile(fx().config_path) + "\n[ai]\nmax_retries = 0\n");
  Start(upstream.ServeArgs(), config);
  // The noai tier: zero AI calls a day. Every customer answered, the model never called.
  for (size_t i = 0; i < 6; ++i) {
    auto r = As("acme/noai").Get("/v1/customers/" + ids[i]);
    EXPECT_EQ(r.status, 200) << ids[i] << ": " << r.body;
  }
  EXPECT_EQ(upstream.calls.load(), 0);
  const std::string audit = As("acme/admin").Get("/v1/audit?limit=1000").body;
  EXPECT_NE(audit.find("AI calls for today are spent: written by the builtin writer"), std::string::npos) << audit;
  // An unlimited key: the model is called and the calls are counted in the tenant's usage.
  for (size_t i = 6; i < 12; ++i) {
    auto r = As("acme/analyst").Get("/v1/customers/" + ids[i]);
    EXPECT_EQ(r.status, 200) << ids[i] << ": " << r.body;
  }
  EXPECT_GT(upstream.calls.load(), 0);
  json usage = json::parse(As("acme/admin").Get("/v1/usage").body);
  ASSERT_FALSE(usage["days"].empty()) << usage.dump();
  EXPECT_GE(usage["days"][0]["ai_calls"].get<int64_t>(), 1) << usage.dump();
  server_->Stop();
}

}  // namespace
}  // namespace custintel::server::testing
