// Black-box tests of `custintel serve`: every endpoint, the OpenAPI document against the
// routes, tenant isolation with every key kind, account scopes in every endpoint and
// aggregate, SQL-injection strings, body limits, revoked keys, rate limits and quotas, the
// audit log, and a refresh while 8 clients read.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "insight/drivers.h"
#include "serve_harness.h"

namespace custintel::server::testing {
namespace {

using nlohmann::json;

class ServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Fixture& f = SharedFixture();
    if (f.setup_error.empty()) server_ = new ServeProcess(f.data_dir, f.config_path);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(fx().setup_error.empty()) << fx().setup_error;
    ASSERT_TRUE(server_ && server_->ok()) << (server_ ? server_->log() : "");
  }
  static Fixture& fx() { return SharedFixture(); }
  static Api As(const std::string& who) { return Api(server_->port(), fx().keys.at(who)); }
  static ServeProcess* server_;
};
ServeProcess* ServeTest::server_ = nullptr;

// Every read endpoint, with a customer id of `customer` substituted.
std::vector<std::string> ReadPaths(const std::string& customer) {
  return {"/v1/segments", "/v1/segments/at-risk-churn", "/v1/customers?limit=500", "/v1/customers/" + customer,
          "/v1/customers/" + customer + "/recommendations", "/v1/churn?top=1000", "/v1/summary", "/v1/cohorts",
          "/v1/sentiment?weeks=520"};
}

TEST_F(ServeTest, HealthzIsPublicAndEverythingElseNeedsAKey) {
  HttpClient c("127.0.0.1", server_->port());
  EXPECT_EQ(c.Get("/healthz").status, 200);
  EXPECT_EQ(c.Get("/v1/openapi.json").status, 200);
  EXPECT_EQ(c.Get("/").status, 200);
  for (std::string p : {"/v1/segments", "/v1/customers", "/v1/summary", "/metrics", "/v1/audit", "/nope"}) {
    auto r = c.Get(p);
    EXPECT_EQ(r.status, 401) << p;
    auto body = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body["error"]["status"], 401);
  }
  EXPECT_EQ(c.Get("/v1/segments", {{"Authorization", "Bearer ci_0000000000000000_" + std::string(64, '0')}}).status, 401);
}

TEST_F(ServeTest, EveryReadEndpointAnswersJson) {
  Api admin = As("acme/admin");
  for (const std::string& p : ReadPaths("C000001")) {
    int status = 0;
    json j = admin.GetJson(p, &status);
    EXPECT_EQ(status, 200) << p << ": " << j.dump().substr(0, 300);
    EXPECT_TRUE(j.is_object()) << p;
  }
  json seg = admin.GetJson("/v1/segments");
  int64_t total = 0;
  for (const auto& s : seg["segments"]) total += s["size"].get<int64_t>();
  EXPECT_EQ(total, 1000);
  json churn = admin.GetJson("/v1/churn?top=5");
  ASSERT_EQ(churn["top"].size(), 5u);
  // The at-risk by value at stake; the lapsed apart; every status counted.
  for (size_t i = 0; i < churn["top"].size(); ++i) {
    EXPECT_EQ(churn["top"][i]["status"], "at_risk") << churn["top"][i].dump();
    if (i > 0) EXPECT_GE(churn["top"][i - 1]["value_at_stake"].get<double>(), churn["top"][i]["value_at_stake"].get<double>());
  }
  for (const auto& l : churn["lapsed"]) EXPECT_EQ(l["status"], "lapsed") << l.dump();
  int64_t by_status = 0;
  for (const char* st : {"active", "new", "at_risk", "lapsed"}) by_status += churn["statuses"][st]["customers"].get<int64_t>();
  EXPECT_EQ(by_status, 1000) << churn["statuses"].dump();
  // The top customer is above the risk threshold: the insights step wrote its strategy.
  EXPECT_FALSE(churn["top"][0]["strategy"].get<std::string>().empty()) << churn["top"][0].dump();
  EXPECT_EQ(churn["distribution"].size(), 5u);
  // Drivers in words beside the stored JSON (the dashboard shows them).
  EXPECT_FALSE(churn["top"][0]["drivers_text"].get<std::string>().empty()) << churn["top"][0].dump();
  EXPECT_EQ(churn["top"][0]["drivers_text"], insight::DriversInWords(churn["top"][0]["drivers"], 3));
  json detail = admin.GetJson("/v1/customers/C000001");
  for (const char* k : {"features", "scores", "drivers", "recommendations", "insights"}) EXPECT_TRUE(detail.contains(k)) << k;
  EXPECT_EQ(detail["drivers_text"], insight::DriversInWords(detail["drivers"], 5)) << detail["drivers"].dump();
  for (const char* k : {"account_summary", "retention_strategy", "notification", "personal_recommendations"}) {
    EXPECT_TRUE(detail["insights"].contains(k)) << k;
  }
  EXPECT_TRUE(detail["insights"]["account_summary"]["summary"].is_string()) << detail["insights"].dump();
  EXPECT_FALSE(detail["insights"]["personal_recommendations"].empty()) << detail["insights"].dump();
  EXPECT_EQ(admin.Get("/v1/customers/NOPE").status, 404);
  EXPECT_EQ(admin.Get("/v1/segments/nope").status, 404);
  auto metrics = admin.Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("custintel_http_requests_total"), std::string::npos);
  EXPECT_NE(metrics.body.find("custintel_response_cache_hits_total"), std::string::npos);
  EXPECT_EQ(As("acme/viewer").Get("/metrics").status, 403);
}

// Texts where a decision needs them (issue 26 item 2): the run writes no summary for a
// customer who is not at risk; the first GET /v1/customers/{id} writes it — for an account key
// too — and the audit row says so; the next GET answers it from the store.
TEST_F(ServeTest, ASummaryIsWrittenOnTheFirstRequestAndThenServedFromTheStore) {
  Api acct = As("acme/account");
  json churn = acct.GetJson("/v1/churn?top=1000");
  std::set<std::string> at_risk;
  for (const auto& c : churn["top"]) at_risk.insert(c["customer_id"].get<std::string>());
  std::string id;  // the account's last customer not at risk (other tests read its first)
  for (auto it = fx().account_customers.rbegin(); it != fx().account_customers.rend() && id.empty(); ++it) {
    if (!at_risk.count(*it)) id = *it;
  }
  ASSERT_FALSE(id.empty()) << "every customer of the account is at risk";
  auto on_demand_writes = [&] {
    int n = 0;
    const json log = As("acme/admin").GetJson("/v1/audit?limit=1000");
    for (const auto& e : log["entries"]) {
      if (e["route"] == "/v1/customers/{id}" && e["prompt_summary"].get<std::string>().rfind("texts written on demand", 0) == 0) ++n;
    }
    return n;
  };
  const int before = on_demand_writes();
  json first = acct.GetJson("/v1/customers/" + id);
  ASSERT_TRUE(first["insights"]["account_summary"].is_object()) << first["insights"].dump();
  const std::string text = first["insights"]["account_summary"]["summary"].get<std::string>();
  EXPECT_NE(text.find("churn risk"), std::string::npos) << text;
  EXPECT_EQ(first["insights"]["account_summary"]["customer_id"], id);
  EXPECT_FALSE(first["insights"]["personal_recommendations"].empty()) << first["insights"].dump();
  EXPECT_TRUE(first["insights"]["retention_strategy"].is_null()) << "not at risk: no retention strategy";
  EXPECT_EQ(on_demand_writes(), before + 1) << "the first request wrote the texts";
  // Another key (not the account key's cached answer, server/response_cache.h) reads the
  // stored texts: nothing is written again.
  json second = As("acme/analyst").GetJson("/v1/customers/" + id);
  EXPECT_EQ(second["insights"]["account_summary"]["summary"], text);
  EXPECT_EQ(second["insights"]["account_summary"]["generated_at"], first["insights"]["account_summary"]["generated_at"]);
  EXPECT_EQ(on_demand_writes(), before + 1) << "the second request answered from the store";
  // A refresh that changes no fact of theirs (no new data: an incremental run with nothing to
  // redo) keeps the text, and the run's recorded check answers the next request (no rewrite).
  Api admin = As("acme/admin");
  auto job = admin.Post("/v1/jobs/refresh", "");
  ASSERT_EQ(job.status, 202) << job.body;
  const int64_t job_id = json::parse(job.body)["job_id"];
  std::string status = "running";
  for (int i = 0; i < 1200 && status == "running"; ++i) {  // at most 120 s
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const json jobs = admin.GetJson("/v1/jobs");
    for (const auto& j : jobs["jobs"]) {
      if (j["job_id"] == job_id) status = j["status"];
    }
  }
  ASSERT_EQ(status, "succeeded");
  json third = admin.GetJson("/v1/customers/" + id);
  EXPECT_EQ(third["insights"]["account_summary"]["summary"], text);
  EXPECT_EQ(third["insights"]["account_summary"]["generated_at"], first["insights"]["account_summary"]["generated_at"]);
  EXPECT_EQ(on_demand_writes(), before + 1) << "kept through the refresh, answered from the store";
}

TEST_F(ServeTest, CustomersFilterSortAndPaginate) {
  Api a = As("acme/analyst");
  json page1 = a.GetJson("/v1/customers?limit=100&sort=customer_id&order=asc");
  ASSERT_EQ(page1["customers"].size(), 100u);
  EXPECT_EQ(page1["total"], 1000);
  std::set<std::string> seen;
  std::string cursor = page1["next_cursor"];
  for (const auto& c : page1["customers"]) seen.insert(c["customer_id"]);
  for (int i = 0; i < 10 && !cursor.empty(); ++i) {
    json page = a.GetJson("/v1/customers?limit=100&sort=customer_id&order=asc&cursor=" + cursor);
    for (const auto& c : page["customers"]) EXPECT_TRUE(seen.insert(c["customer_id"]).second);
    cursor = page["next_cursor"].is_string() ? page["next_cursor"].get<std::string>() : "";
  }
  EXPECT_EQ(seen.size(), 1000u);
  json risky = a.GetJson("/v1/customers?risk_min=0.8&limit=500");
  for (const auto& c : risky["customers"]) EXPECT_GE(c["churn_risk"].get<double>(), 0.8);
  json seg = a.GetJson("/v1/customers?segment=at-risk-churn&limit=5");
  for (const auto& c : seg["customers"]) EXPECT_EQ(c["segment_id"], "at-risk-churn");
  json found = a.GetJson("/v1/customers?q=C00000");
  EXPECT_GE(found["total"].get<int64_t>(), 9);
  for (const char* bad : {"/v1/customers?limit=0", "/v1/customers?limit=x", "/v1/customers?risk_min=2",
                          "/v1/customers?sort=email", "/v1/customers?order=sideways", "/v1/customers?cursor=zz",
                          "/v1/customers?bogus=1", "/v1/churn?top=-1"}) {
    auto r = a.Get(bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(r.body.find("\"message\""), std::string::npos) << bad;
  }
}

TEST_F(ServeTest, OpenApiDocumentMatchesTheRoutes) {
  json doc = json::parse(HttpClient("127.0.0.1", server_->port()).Get("/v1/openapi.json").body, nullptr, false);
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  // The contract of the issue: each of these is documented.
  for (const char* p : {"/v1/segments", "/v1/segments/{id}", "/v1/segments/{id}/refresh-insight", "/v1/customers",
                        "/v1/customers/{id}", "/v1/customers/{id}/recommendations", "/v1/churn", "/v1/summary",
                        "/v1/cohorts", "/v1/reviews", "/v1/tickets", "/v1/audit", "/v1/jobs", "/v1/ask", "/healthz",
                        "/metrics"}) {
    EXPECT_TRUE(doc["paths"].contains(p)) << p;
  }
  // And every documented operation is served (never "no route" 404 or 405).
  Api admin = As("acme/admin");
  HttpClient raw("127.0.0.1", server_->port());
  for (const auto& [path, ops] : doc["paths"].items()) {
    std::string concrete = path;
    for (size_t p; (p = concrete.find("{id}")) != std::string::npos;) {
      concrete.replace(p, 4, path.find("segments") != std::string::npos ? "at-risk-churn" : "C000001");
    }
    for (const auto& [method, op] : ops.items()) {
      if (concrete == "/v1/jobs/refresh" || concrete.find("/revoke") != std::string::npos) continue;  // side effects
      HttpClientResult r = method == "get" ? admin.Get(concrete) : admin.Post(concrete, "{}");
      EXPECT_NE(r.status, 405) << method << " " << path;
      EXPECT_EQ(r.body.find("no route"), std::string::npos) << method << " " << path;
      EXPECT_NE(r.status, 0) << method << " " << path;
    }
  }
}

TEST_F(ServeTest, NoKeySeesAnotherTenant) {
  Fixture& f = fx();
  std::set<std::string> acme_only, beta_only;
  for (const auto& a : f.acme_accounts) if (!f.beta_accounts.count(a)) acme_only.insert(a);
  for (const auto& a : f.beta_accounts) if (!f.acme_accounts.count(a)) beta_only.insert(a);
  ASSERT_GT(acme_only.size(), 10u);
  ASSERT_GT(beta_only.size(), 10u);
  for (std::string who : {"beta/admin", "beta/analyst", "beta/viewer", "beta/account", "acme/admin", "acme/analyst",
                          "acme/viewer", "acme/account"}) {
    const auto& foreign = who.rfind("beta", 0) == 0 ? acme_only : beta_only;
    Api api = As(who);
    for (const std::string& p : ReadPaths("C000001")) {
      json j = api.GetJson(p);
      std::vector<std::string> accounts;
      CollectField(j, "account_id", &accounts);
      for (const auto& a : accounts) EXPECT_FALSE(foreign.count(a)) << who << " " << p << " saw " << a;
    }
  }
  // The same customer id in both tenants is two different people.
  json a = As("acme/admin").GetJson("/v1/customers/C000001"), b = As("beta/admin").GetJson("/v1/customers/C000001");
  EXPECT_NE(a["email"], b["email"]);
}

TEST_F(ServeTest, AccountKeySeesOnlyItsAccountEverywhere) {
  Fixture& f = fx();
  Api acct = As("acme/account");
  std::string mine = *f.account_customers.begin();
  std::string other;
  json all = As("acme/admin").GetJson("/v1/customers?limit=50&sort=customer_id&order=asc");
  for (const auto& c : all["customers"]) {
    if (!f.account_customers.count(c["customer_id"])) {
      other = c["customer_id"];
      break;
    }
  }
  ASSERT_FALSE(other.empty());
  for (const std::string& p : ReadPaths(mine)) {
    int status = 0;
    json j = acct.GetJson(p, &status);
    EXPECT_TRUE(status == 200 || status == 404) << p << " " << status;
    std::vector<std::string> accounts, customers;
    CollectField(j, "account_id", &accounts);
    CollectField(j, "customer_id", &customers);
    for (const auto& a : accounts) EXPECT_EQ(a, f.account) << p;
    for (const auto& c : customers) EXPECT_TRUE(f.account_customers.count(c)) << p << " saw " << c;
  }
  // Aggregates are the account's own.
  const auto n = static_cast<int64_t>(f.account_customers.size());
  EXPECT_EQ(acct.GetJson("/v1/summary")["kpis"]["customers"], n);
  EXPECT_TRUE(acct.GetJson("/v1/summary")["changes"].empty());
  // "At risk" is the tenant's one definition (the status), counted within the account's rows.
  json summary = acct.GetJson("/v1/summary");
  EXPECT_NE(summary["executive_summary"]["text"].get<std::string>().find(
                " at risk (still saveable) with "), std::string::npos)
      << summary.dump();
  EXPECT_TRUE(summary["kpis"]["lapsed"].is_number()) << summary.dump();
  int64_t seg_total = 0, band_total = 0, cohort_total = 0;
  // (Each response is kept in a variable: a range-for over a temporary's member dangles.)
  json segs = acct.GetJson("/v1/segments"), churn = acct.GetJson("/v1/churn"), cohorts = acct.GetJson("/v1/cohorts");
  for (const auto& s : segs["segments"]) {
    seg_total += s["size"].get<int64_t>();
    EXPECT_TRUE(s["insight"].is_null()) << "tenant-wide segment text leaked to an account key: " << s.dump();
  }
  for (const auto& b : churn["distribution"]) band_total += b["customers"].get<int64_t>();
  for (const auto& c : cohorts["cohorts"]) {
    if (c["months_since"] == 0) cohort_total += c["cohort_size"].get<int64_t>();
  }
  EXPECT_EQ(seg_total, n);
  EXPECT_EQ(band_total, n);
  EXPECT_LE(cohort_total, n);
  EXPECT_EQ(acct.GetJson("/v1/customers")["total"], n);
  // Another account's customer does not exist for this key.
  EXPECT_EQ(acct.Get("/v1/customers/" + other).status, 404);
  EXPECT_EQ(acct.Get("/v1/customers/" + other + "/recommendations").status, 404);
  // Account keys cannot write, refresh or read operations data.
  EXPECT_EQ(acct.Post("/v1/reviews", json{{"customer_id", mine}, {"review_text", "x"}}.dump()).status, 403);
  EXPECT_EQ(acct.Post("/v1/jobs/refresh", "").status, 403);
  EXPECT_EQ(acct.Get("/v1/audit").status, 403);
}

TEST_F(ServeTest, InjectionStringsChangeNothing) {
  Api admin = As("acme/admin"), acct = As("acme/account");
  json before = admin.GetJson("/v1/summary")["kpis"];
  const std::vector<std::string> attacks = {"' OR 1=1 --", "'; DROP TABLE gold.customer_scores; --",
                                            "x' UNION SELECT email FROM silver.customers --", "%' OR '%'='",
                                            "\") OR TRUE; --", "1; SET VARIABLE ci_scope = NULL"};
  for (const std::string& attack : attacks) {
    std::string e = UrlEncode(attack);
    for (const std::string& p : {"/v1/customers?q=" + e, "/v1/customers?segment=" + e, "/v1/customers?sort=" + e,
                                 "/v1/customers?order=" + e, "/v1/customers?cursor=" + e, "/v1/customers?limit=" + e,
                                 "/v1/customers/" + e, "/v1/customers/" + e + "/recommendations", "/v1/segments/" + e,
                                 "/v1/churn?top=" + e, "/v1/cohorts?max_months=" + e, "/v1/audit?before=" + e}) {
      auto r = admin.Get(p);
      EXPECT_TRUE(r.status == 200 || r.status == 400 || r.status == 404) << p << " " << r.status << " " << r.body;
      if (r.status == 200 && p.find("?q=") != std::string::npos) {
        EXPECT_EQ(json::parse(r.body)["total"], 0) << p;
      }
      auto s = acct.Get(p);
      std::vector<std::string> accounts;
      CollectField(json::parse(s.body, nullptr, false), "account_id", &accounts);
      for (const auto& a : accounts) EXPECT_EQ(a, fx().account) << p;
    }
    auto w = admin.Post("/v1/reviews", json{{"customer_id", attack}, {"review_text", attack}}.dump());
    EXPECT_EQ(w.status, 404) << w.body;
  }
  EXPECT_EQ(admin.GetJson("/v1/summary")["kpis"], before);
}

TEST_F(ServeTest, BodiesAreLimitedAndValidated) {
  Api a = As("acme/analyst");
  auto big = a.Post("/v1/reviews", std::string(2 << 20, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_NE(big.body.find("payload_too_large"), std::string::npos) << big.body;
  for (const std::string& bad : {std::string("{bad"), std::string("[1,2]"), std::string(""),
                                 json{{"customer_id", "C000001"}}.dump(),
                                 json{{"customer_id", "C000001"}, {"review_text", "ok"}, {"rating", 9}}.dump(),
                                 json{{"customer_id", "C000001"}, {"review_text", "ok"}, {"extra", 1}}.dump(),
                                 json{{"customer_id", 5}, {"review_text", "ok"}}.dump()}) {
    auto r = a.Post("/v1/reviews", bad);
    EXPECT_EQ(r.status, 400) << bad << " -> " << r.body;
    EXPECT_NE(r.body.find("\"message\""), std::string::npos);
  }
}

TEST_F(ServeTest, ReviewsAndTicketsAreStoredAndAnalysedOnArrival) {
  Api a = As("acme/analyst");
  // Read first, so the answer is cached: the write must invalidate it.
  ASSERT_FALSE(a.GetJson("/v1/customers/C000002").is_null());
  auto r = a.Post("/v1/reviews", json{{"customer_id", "C000002"}, {"review_text", "Terrible quality, it broke in a day"},
                                      {"rating", 1}}.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  json review = json::parse(r.body);
  EXPECT_LT(review["analysis"]["score"].get<double>(), 0);
  EXPECT_EQ(a.Post("/v1/reviews", json{{"customer_id", "C000002"}, {"review_text", "again"},
                                       {"review_id", review["review_id"]}}.dump()).status, 409);
  auto t = a.Post("/v1/tickets", json{{"customer_id", "C000002"}, {"subject", "charged twice"},
                                      {"description", "I was charged twice for my order, refund me now!"}}.dump());
  ASSERT_EQ(t.status, 201) << t.body;
  json ticket = json::parse(t.body);
  EXPECT_TRUE(ticket["analysis"]["triage"].contains("urgency"));
  json detail = a.GetJson("/v1/customers/C000002");
  bool found = false;
  for (const auto& rv : detail["insights"]["recent_reviews"]) found |= rv["review_id"] == review["review_id"];
  EXPECT_TRUE(found) << detail["insights"].dump();
  EXPECT_EQ(As("acme/viewer").Post("/v1/tickets", json{{"customer_id", "C000002"}, {"description", "x"}}.dump()).status,
            403);
}

TEST_F(ServeTest, AskAnswersThroughTheSemanticModelWithinTheKeysScope) {
  auto whole = As("acme/analyst").Post("/v1/ask", json{{"question", "how many customers are there"}}.dump());
  ASSERT_EQ(whole.status, 200) << whole.body;
  json w = json::parse(whole.body);
  ASSERT_TRUE(w["answered"].get<bool>()) << w.dump();
  EXPECT_FALSE(w["sql"].get<std::string>().empty());
  auto scoped = As("acme/account").Post("/v1/ask", json{{"question", "how many customers are there"}}.dump());
  ASSERT_EQ(scoped.status, 200) << scoped.body;
  json s = json::parse(scoped.body);
  ASSERT_TRUE(s["answered"].get<bool>()) << s.dump();
  EXPECT_EQ(s["rows"][0][0].get<int64_t>(), static_cast<int64_t>(fx().account_customers.size())) << s.dump();
  EXPECT_LT(s["rows"][0][0].get<int64_t>(), w["rows"][0][0].get<int64_t>());
  auto nonsense = As("acme/analyst").Post("/v1/ask", json{{"question", "what is the airspeed of a swallow"}}.dump());
  ASSERT_EQ(nonsense.status, 200) << nonsense.body;
  EXPECT_FALSE(json::parse(nonsense.body)["answered"].get<bool>());
  json audit = As("acme/admin").GetJson("/v1/audit");
  EXPECT_NE(audit.dump().find("how many customers are there"), std::string::npos);
}

TEST_F(ServeTest, RefreshInsightRewritesTheSegmentAndReturnsIt) {
  Api a = As("acme/analyst");
  auto ins = a.Post("/v1/segments/at-risk-churn/refresh-insight", "");
  ASSERT_EQ(ins.status, 200) << ins.body;
  json j = json::parse(ins.body);
  EXPECT_EQ(j["segment"], "At-risk churn");
  EXPECT_FALSE(j["text"].get<std::string>().empty());
  EXPECT_EQ(j["strategies"].size(), 3u) << j.dump();
  EXPECT_EQ(j["writer"], "builtin");
  EXPECT_EQ(a.Post("/v1/segments/no-such-segment/refresh-insight", "").status, 404);
  // Account-scoped keys may read but not rewrite insights.
  EXPECT_EQ(As("acme/account").Post("/v1/segments/at-risk-churn/refresh-insight", "").status, 403);
}

TEST_F(ServeTest, RateLimitAndAiQuotaAnswer429WithRetryAfter) {
  Api tiny = As("acme/tiny");
  int limited = 0;
  std::string retry;
  for (int i = 0; i < 10; ++i) {
    auto r = tiny.Get("/v1/segments");
    if (r.status == 429) {
      ++limited;
      retry = r.headers["retry-after"];
    }
  }
  EXPECT_GE(limited, 6);  // burst 3, refill 0.5/s
  EXPECT_GE(std::atoi(retry.c_str()), 1);
  auto ai = As("acme/noai").Post("/v1/ask", json{{"question", "q"}}.dump());
  EXPECT_EQ(ai.status, 429) << ai.body;
  EXPECT_FALSE(ai.headers["retry-after"].empty());
  json usage = As("acme/admin").GetJson("/v1/usage");
  ASSERT_FALSE(usage["days"].empty()) << usage.dump();
  EXPECT_GE(usage["days"][0]["rate_limited"].get<int64_t>(), 6);
}

TEST_F(ServeTest, RevokedKeysFailAtOnce) {
  Api victim = As("acme/revoke-me");
  ASSERT_EQ(victim.Get("/v1/segments").status, 200);
  std::string id = fx().keys["acme/revoke-me"].substr(3, 16);
  EXPECT_EQ(As("beta/admin").Post("/v1/keys/" + id + "/revoke", "").status, 404);  // not beta's key
  EXPECT_EQ(As("acme/viewer").Post("/v1/keys/" + id + "/revoke", "").status, 403);
  ASSERT_EQ(As("acme/admin").Post("/v1/keys/" + id + "/revoke", "").status, 200);
  // The answer is the one the OpenAPI document gives (it said 201 for every POST).
  json doc = json::parse(HttpClient("127.0.0.1", server_->port()).Get("/v1/openapi.json").body, nullptr, false);
  EXPECT_TRUE(doc["paths"]["/v1/keys/{id}/revoke"]["post"]["responses"].contains("200")) << doc["paths"].dump();
  EXPECT_TRUE(doc["paths"]["/v1/reviews"]["post"]["responses"].contains("201"));
  EXPECT_TRUE(doc["paths"]["/v1/jobs/refresh"]["post"]["responses"].contains("202"));
  EXPECT_FALSE(doc["paths"]["/v1/segments/{id}/refresh-insight"]["post"]["responses"].contains("201"));
  auto r = victim.Get("/v1/segments");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("revoked"), std::string::npos);
}

TEST_F(ServeTest, AuditRecordsCustomerReadsForAdminsOnly) {
  Api acct = As("acme/account");
  ASSERT_EQ(acct.Get("/v1/customers?q=zzz-audit-marker").status, 200);
  json log = As("acme/admin").GetJson("/v1/audit?limit=1000");
  bool found = false;
  for (const auto& e : log["entries"]) {
    if (e["prompt_summary"] == "search: zzz-audit-marker") {
      found = true;
      EXPECT_EQ(e["role"], "account");
      EXPECT_EQ(e["scope_account"], fx().account);
      EXPECT_EQ(e["route"], "/v1/customers");
      EXPECT_EQ(e["status"], 200);
      EXPECT_NE(e["tables_touched"].get<std::string>().find("gold.customer_scores"), std::string::npos);
    }
  }
  EXPECT_TRUE(found);
  // Another tenant's admin sees none of acme's log.
  json beta_log = As("beta/admin").GetJson("/v1/audit?limit=1000");
  for (const auto& e : beta_log["entries"]) {
    EXPECT_NE(e["prompt_summary"], "search: zzz-audit-marker");
  }
  EXPECT_EQ(As("acme/analyst").Get("/v1/audit").status, 403);
}

TEST_F(ServeTest, RefreshWhileEightClientsReadGivesNoErrors) {
  Api admin = As("beta/admin");
  std::atomic<bool> done{false};
  std::atomic<int> errors{0}, reads{0}, mixed{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 8; ++i) {
    readers.emplace_back([&, i] {
      Api api = As("beta/viewer");
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
      while (!done && std::chrono::steady_clock::now() < deadline) {
        const std::string p = i % 2 ? "/v1/segments" : "/v1/summary";
        int status = 0;
        json j = api.GetJson(p, &status);
        if (status != 200) ++errors;
        if (p == "/v1/summary" && j.is_object() && j["kpis"]["customers"] != 1000) ++mixed;
        ++reads;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // clients, not a load test
      }
    });
  }
  auto job = admin.Post("/v1/jobs/refresh", "");
  ASSERT_EQ(job.status, 202) << job.body;
  int64_t id = json::parse(job.body)["job_id"];
  std::string status = "running";
  for (int i = 0; i < 900 && status == "running"; ++i) {  // at most 90 s
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    json jobs = admin.GetJson("/v1/jobs");
    for (const auto& j : jobs["jobs"]) {
      if (j["job_id"] == id) status = j["status"];
    }
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(status, "succeeded");
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(mixed.load(), 0);
  EXPECT_GT(reads.load(), 8);
}

}  // namespace
}  // namespace custintel::server::testing
