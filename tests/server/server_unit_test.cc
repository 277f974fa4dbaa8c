// Unit tests of the serving parts that need no server: cron, token bucket, keys, paths,
// status mapping, the response cache.
#include <gtest/gtest.h>

#include <ctime>

#include "ai/http/http_backend.h"
#include "server/api.h"
#include "server/audit.h"
#include "server/cron.h"
#include "server/keys.h"
#include "server/quota.h"
#include "server/response_cache.h"
#include "server/writes.h"
#include "store/database.h"
#include "testing/testing.h"

namespace custintel::server {
namespace {

int64_t Utc(int y, int mo, int d, int h, int mi) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return timegm(&tm);
}

TEST(Cron, NextDailyAtThreeThirty) {
  auto s = CronSchedule::Parse("30 3 * * *");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->Next(Utc(2026, 1, 1, 0, 0)), Utc(2026, 1, 1, 3, 30));
  EXPECT_EQ(s->Next(Utc(2026, 1, 1, 3, 30)), Utc(2026, 1, 2, 3, 30));  // strictly after
}

TEST(Cron, StepsRangesListsAndNames) {
  auto s = CronSchedule::Parse("*/15 9-17 * jan,jul mon-fri");
  ASSERT_TRUE(s.ok()) << s.status().message();
  // 2026-01-03 is a Saturday: the next match is Monday 2026-01-05 09:00.
  EXPECT_EQ(s->Next(Utc(2026, 1, 3, 12, 0)), Utc(2026, 1, 5, 9, 0));
  EXPECT_EQ(s->Next(Utc(2026, 1, 5, 9, 0)), Utc(2026, 1, 5, 9, 15));
  EXPECT_EQ(s->Next(Utc(2026, 1, 30, 17, 45)), Utc(2026, 7, 1, 9, 0));  // Feb..Jun skipped; Jul 1 is a Wednesday
}

TEST(Cron, DayOfMonthOrDayOfWeekWhenBothGiven) {
  auto s = CronSchedule::Parse("0 0 13 * 5");  // the 13th or any Friday
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->Next(Utc(2026, 2, 1, 0, 0)), Utc(2026, 2, 6, 0, 0));    // Friday the 6th
  EXPECT_EQ(s->Next(Utc(2026, 2, 12, 0, 0)), Utc(2026, 2, 13, 0, 0));  // the 13th (also a Friday)
  auto sunday = CronSchedule::Parse("0 12 * * 7");
  ASSERT_TRUE(sunday.ok());
  EXPECT_EQ(sunday->Next(Utc(2026, 3, 2, 0, 0)), Utc(2026, 3, 8, 12, 0));  // 7 = Sunday
}

TEST(Cron, ImpossibleDateHasNoNext) {
  auto s = CronSchedule::Parse("0 0 30 2 *");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->Next(Utc(2026, 1, 1, 0, 0)), -1);
}

TEST(Cron, RejectsMalformedSchedulesNamingTheField) {
  for (const char* bad : {"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *",
                          "* * * * 8", "5-1 * * * *", "*/0 * * * *", "a * * * *", ",1 * * * *"}) {
    auto s = CronSchedule::Parse(bad);
    EXPECT_FALSE(s.ok()) << bad;
  }
  auto s = CronSchedule::Parse("* 25 * * *");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("hour"), std::string::npos);
}

TEST(TokenBucket, RefusesWhenEmptyAndRefills) {
  TokenBucket b(2, 3);  // 2 per second, burst 3
  double wait = 0;
  EXPECT_TRUE(b.Take(0, &wait));
  EXPECT_TRUE(b.Take(0, &wait));
  EXPECT_TRUE(b.Take(0, &wait));
  EXPECT_FALSE(b.Take(0, &wait));
  EXPECT_NEAR(wait, 0.5, 1e-9);
  EXPECT_TRUE(b.Take(0.5, &wait));
  EXPECT_FALSE(b.Take(0.5, &wait));
  EXPECT_TRUE(b.Take(10, &wait));  // refilled, capped at the burst
}

TEST(Quotas, AiQuotaPerTenantAndDay) {
  Quotas q({{"small", TierConfig{10, 10, 2}}});
  int retry = 0;
  EXPECT_TRUE(q.CheckAi("t", "small", &retry).ok());
  q.CountAi("t");
  q.CountAi("t");
  Status s = q.CheckAi("t", "small", &retry);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 86400);
  EXPECT_TRUE(q.CheckAi("other", "small", &retry).ok());  // per tenant
}

TEST(Keys, GeneratedKeysParseAndHashMatchOnlyTheirSecret) {
  auto k = GenerateKey();
  ASSERT_TRUE(k.ok());
  auto parts = ParseKey(k->key);
  ASSERT_TRUE(parts.ok()) << parts.status().message();
  EXPECT_EQ(parts->key_id, k->key_id);
  EXPECT_TRUE(HashesEqual(HashKey(*parts), k->hash));
  KeyParts wrong = *parts;
  wrong.secret[0] = wrong.secret[0] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(HashesEqual(HashKey(wrong), k->hash));
  EXPECT_EQ(k->key.find(k->hash), std::string::npos);
  for (const char* bad : {"", "ci_", "ci_zz_yy", "Bearer x", "ci_0123456789abcdef_short"}) EXPECT_FALSE(ParseKey(bad).ok());
}

TEST(Api, PathTemplatesMatchWholeSegments) {
  std::map<std::string, std::string> p;
  EXPECT_TRUE(MatchPath("/v1/customers/{id}", "/v1/customers/C1", &p));
  EXPECT_EQ(p["id"], "C1");
  EXPECT_FALSE(MatchPath("/v1/customers/{id}", "/v1/customers", &p));
  EXPECT_FALSE(MatchPath("/v1/customers/{id}", "/v1/customers/C1/recommendations", &p));
  EXPECT_TRUE(MatchPath("/v1/segments/{id}/refresh-insight", "/v1/segments/x/refresh-insight", &p));
}

TEST(Api, OneMappingFromStatusToHttp) {
  EXPECT_EQ(HttpStatusFor(Status::InvalidArgument("x")), 400);
  EXPECT_EQ(HttpStatusFor(Status::NotFound("x")), 404);
  EXPECT_EQ(HttpStatusFor(Status::PermissionDenied("x")), 403);
  EXPECT_EQ(HttpStatusFor(Status::ResourceExhausted("x")), 429);
  EXPECT_EQ(HttpStatusFor(Status::Unimplemented("x")), 501);
  EXPECT_EQ(HttpStatusFor(Status::AlreadyExists("x")), 409);
  EXPECT_EQ(HttpStatusFor(Status::Internal("x")), 500);
  auto body = ErrorBody(413, "");
  EXPECT_EQ(body["error"]["status"], 413);
  EXPECT_FALSE(body["error"]["message"].get<std::string>().empty());
}


HttpRequest Get(const std::string& path, std::multimap<std::string, std::string> query = {}) {
  HttpRequest r;
  r.method = "GET";
  r.path = path;
  r.query = std::move(query);
  return r;
}

TEST(ResponseCache, AnswersOnlyForTheSameTenantScopeRequestAndGeneration) {
  ResponseCache cache(1 << 20);
  std::string k = ResponseCache::Key("acme", "viewer", std::nullopt, Get("/v1/segments"));
  cache.Store(k, 7, {{200, "application/json", "[1]", {}}, 3, "gold.segments", "3 segments", ""});
  auto hit = cache.Find(k, 7);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->response.body, "[1]");
  EXPECT_EQ(hit->rows, 3);
  EXPECT_FALSE(cache.Find(k, 8).has_value());  // the data changed since
  EXPECT_FALSE(
      cache.Find(ResponseCache::Key("acme", "viewer", std::string("a1"), Get("/v1/segments")), 7).has_value());
  EXPECT_FALSE(cache.Find(ResponseCache::Key("beta", "viewer", std::nullopt, Get("/v1/segments")), 7).has_value());
  EXPECT_FALSE(cache.Find(ResponseCache::Key("acme", "admin", std::nullopt, Get("/v1/segments")), 7).has_value());
  EXPECT_FALSE(
      cache.Find(ResponseCache::Key("acme", "viewer", std::nullopt, Get("/v1/segments", {{"x", "1"}})), 7).has_value());
  EXPECT_EQ(cache.hits(), 1);
  EXPECT_EQ(cache.misses(), 5);
}

TEST(ResponseCache, KeysCannotBeForgedAcrossFieldBoundaries) {
  EXPECT_NE(ResponseCache::Key("ac", "viewer", std::string("me"), Get("/v1/x")),
            ResponseCache::Key("acm", "viewer", std::string("e"), Get("/v1/x")));
  EXPECT_NE(ResponseCache::Key("acme", "viewer", std::nullopt, Get("/v1/x")),
            ResponseCache::Key("acme", "viewer", std::string(""), Get("/v1/x")));
}

TEST(ResponseCache, EvictsLeastRecentlyUsedPastItsSize) {
  ResponseCache cache(4096);
  std::string body(600, 'x');
  for (int i = 0; i < 10; ++i) {
    cache.Store(ResponseCache::Key("t", "viewer", std::nullopt, Get("/v1/c/" + std::to_string(i))), 1,
                {{200, "application/json", body, {}}, 1, "", "", ""});
    // Keep /v1/c/0 recently used.
    (void)cache.Find(ResponseCache::Key("t", "viewer", std::nullopt, Get("/v1/c/0")), 1);
  }
  EXPECT_TRUE(cache.Find(ResponseCache::Key("t", "viewer", std::nullopt, Get("/v1/c/0")), 1).has_value());
  EXPECT_TRUE(cache.Find(ResponseCache::Key("t", "viewer", std::nullopt, Get("/v1/c/9")), 1).has_value());
  EXPECT_FALSE(cache.Find(ResponseCache::Key("t", "viewer", std::nullopt, Get("/v1/c/1")), 1).has_value());
}

TEST(AuditLog, ARowWithInvalidUtf8NeverStopsTheLogNorLosesUsage) {
  custintel::testing::TempDir dir;
  auto control = ControlDb::Open(dir.File("data"), true);
  ASSERT_TRUE(control.ok()) << control.status().message();
  AuditLog log(control->get());
  AuditRow bad;
  bad.request_id = "r-bad";
  bad.tenant = "t";
  bad.path = "/v1/customers/C\xff";
  log.Record(bad);
  log.CountRequest("t", false, false);
  EXPECT_TRUE(log.Flush().ok());
  AuditRow good;
  good.request_id = "r-good";
  good.tenant = "t";
  log.Record(good);
  log.CountRequest("t", false, false);
  EXPECT_TRUE(log.Flush().ok());
  auto rows = (*control)->ReadAudit("t", 10, "");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->row_count(), 2u);
  auto usage = (*control)->ReadUsage("t", 1);
  ASSERT_TRUE(usage.ok());
  ASSERT_EQ(usage->size(), 1u);
  EXPECT_EQ((*usage)[0].requests, 2);
}

TEST(ValidateRequest, RefusesInvalidUtf8ControlCharactersAndOversizeParts) {
  EXPECT_TRUE(ValidateRequest(Get("/v1/customers/Cé")).ok());
  EXPECT_FALSE(ValidateRequest(Get("/v1/customers/C\xff")).ok());
  EXPECT_FALSE(ValidateRequest(Get("/v1/customers/C%ff")).ok());  // what MatchPath would decode
  EXPECT_FALSE(ValidateRequest(Get("/v1/customers", {{"q", "a\x01"}})).ok());
  EXPECT_FALSE(ValidateRequest(Get("/v1/customers", {{"q\xc3", "a"}})).ok());
  EXPECT_FALSE(ValidateRequest(Get("/v1/customers", {{"q", std::string(5000, 'a')}})).ok());
  HttpRequest post = Get("/v1/reviews");
  post.body = "{\"review_text\": \"\xe2\x82\"}";
  EXPECT_FALSE(ValidateRequest(post).ok());
}

TEST(ScrubSecrets, RemovesKeysAndEchoedHeaders) {
  std::string echoed = "error: Authorization: Bearer sk-abcdef0123456789 {\"x-api-key\": \"k-123456\"} "
                       "http://user:pw@host/v1 token=abcd1234";
  std::string scrubbed = ai::ScrubSecrets(echoed, {"k-123456"});
  for (const char* secret : {"sk-abcdef0123456789", "k-123456", "user:pw", "abcd1234"}) {
    EXPECT_EQ(scrubbed.find(secret), std::string::npos) << secret << " in " << scrubbed;
  }
  EXPECT_NE(scrubbed.find("error"), std::string::npos);
}

}  // namespace

TEST(WriteLedger, OldAnswersAreDroppedTheKeysStay) {
  auto db = store::Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto conn = (*db)->Connect();
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(PrepareWriteLedger(*conn).ok());
  ASSERT_TRUE(conn->Execute(
      "INSERT INTO meta.api_writes VALUES "
      "('reviews', 'old', 'h1', 201, '{\"review_id\": \"old\"}', 'req-1', '{\"request_id\": \"req-1\"}', "
      " current_timestamp - INTERVAL 30 DAY), "
      "('reviews', 'new', 'h2', 201, '{\"review_id\": \"new\"}', 'req-2', '{\"request_id\": \"req-2\"}', "
      " current_timestamp - INTERVAL 1 DAY)").ok());
  auto n = CompactWriteLedger(*conn);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 1);
  auto r = conn->Query("SELECT natural_key, body_hash, status, response IS NULL, audit IS NULL FROM meta.api_writes "
                       "ORDER BY natural_key");
  ASSERT_EQ(r->row_count(), 2u);
  EXPECT_EQ(r->GetString(0, 0), "new");
  EXPECT_FALSE(r->GetBool(3, 0));  // within the window: the answer stays for repeats
  EXPECT_EQ(r->GetString(0, 1), "old");
  EXPECT_EQ(r->GetString(1, 1), "h1");  // the key and body hash stay: the row still exists
  EXPECT_EQ(r->GetInt64(2, 1), 201);
  EXPECT_TRUE(r->GetBool(3, 1));
  EXPECT_TRUE(r->GetBool(4, 1));
  EXPECT_EQ(*CompactWriteLedger(*conn), 0);  // nothing left to drop
}

}  // namespace custintel::server
