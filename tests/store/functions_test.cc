#include "store/functions.h"

#include <gtest/gtest.h>

#include <atomic>

#include "store/store_fixture.h"

namespace custintel::store {
namespace {

SqlFunction Upper(std::atomic<int>* chunks) {
  SqlFunction f;
  f.name = "test_upper";
  f.args = {SqlType::Varchar()};
  f.returns = SqlType::Varchar();
  f.scalar = [chunks](const SqlChunk& in) -> Result<std::vector<SqlValue>> {
    ++*chunks;
    std::vector<SqlValue> out(in.rows);
    for (size_t r = 0; r < in.rows; ++r) {
      if (in.IsNull(0, r)) continue;
      if (in.Text(0, r) == "boom") return Status::InvalidArgument("test_upper: row 'boom' is not allowed");
      std::string s = in.Text(0, r);
      for (char& c : s) c = static_cast<char>(toupper(c));
      out[r] = SqlValue::Text(s);
    }
    return out;
  };
  return f;
}

TEST(Functions, ScalarIsVectorisedAndNullInNullOut) {
  auto db = OpenMemory();
  auto conn = db->Connect();
  ASSERT_TRUE(conn.ok());
  std::atomic<int> chunks = 0;
  ASSERT_TRUE(RegisterFunction(*conn, Upper(&chunks)).ok());
  auto r = conn->Query(
      "SELECT count(*), count(u), min(u) FROM (SELECT test_upper(CASE WHEN i % 10 = 0 THEN NULL ELSE 'ab' || i END) u "
      "FROM range(5000) t(i))");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->GetInt64(0, 0), 5000);
  EXPECT_EQ(r->GetInt64(1, 0), 4500);
  EXPECT_EQ(r->GetString(2, 0), "AB1");
  EXPECT_LE(chunks.load(), 8);  // 5000 rows in chunks of up to 2048, not 5000 calls
}

TEST(Functions, CallbackErrorBecomesSqlError) {
  auto db = OpenMemory();
  auto conn = db->Connect();
  std::atomic<int> chunks = 0;
  ASSERT_TRUE(RegisterFunction(*conn, Upper(&chunks)).ok());
  auto r = conn->Query("SELECT test_upper(x) FROM (VALUES ('a'), ('boom')) t(x)");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("row 'boom'"), std::string::npos) << r.status().message();
}

TEST(Functions, ListsAndStructsRoundTrip) {
  auto db = OpenMemory();
  auto conn = db->Connect();
  SqlFunction f;
  f.name = "test_pack";
  f.args = {SqlType::List(SqlType::Varchar())};
  f.returns = SqlType::Struct({{"n", SqlType::Bigint()},
                               {"first", SqlType::Varchar()},
                               {"v", SqlType::List(SqlType::Float())}});
  f.scalar = [](const SqlChunk& in) -> Result<std::vector<SqlValue>> {
    std::vector<SqlValue> out(in.rows);
    for (size_t r = 0; r < in.rows; ++r) {
      const auto& items = in.columns[0][r].items;
      out[r] = SqlValue::Items({SqlValue::Int(static_cast<int64_t>(items.size())),
                                items.empty() ? SqlValue::Null() : items[0],
                                SqlValue::Floats({0.5f, static_cast<float>(items.size())})});
    }
    return out;
  };
  ASSERT_TRUE(RegisterFunction(*conn, f).ok());
  auto r = conn->Query(
      "SELECT p.n, p.first, p.v[2], len(p.v) FROM (SELECT test_pack(x) p FROM (VALUES (['a','b','c']), ([])) t(x)) "
      "ORDER BY 1 DESC");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->GetInt64(0, 0), 3);
  EXPECT_EQ(r->GetString(1, 0), "a");
  EXPECT_DOUBLE_EQ(r->GetDouble(2, 0), 3.0);
  EXPECT_TRUE(r->IsNull(1, 1));
}

TEST(Functions, AggregateSeesEveryRowOfItsGroup) {
  auto db = OpenMemory();
  auto conn = db->Connect();
  SqlFunction f;
  f.name = "test_concat_agg";
  f.args = {SqlType::Varchar()};
  f.returns = SqlType::Bigint();
  f.aggregate = [](const std::vector<std::vector<SqlValue>>& rows) -> Result<SqlValue> {
    return SqlValue::Int(static_cast<int64_t>(rows.size()));
  };
  ASSERT_TRUE(RegisterFunction(*conn, f).ok());
  auto r = conn->Query(
      "SELECT i % 3 g, test_concat_agg(CASE WHEN i % 7 = 0 THEN NULL ELSE 'x' END) FROM range(30000) t(i) "
      "GROUP BY g ORDER BY g");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->row_count(), 3u);
  int64_t total = r->GetInt64(1, 0) + r->GetInt64(1, 1) + r->GetInt64(1, 2);
  EXPECT_EQ(total, 30000 - 30000 / 7 - 1);
}

TEST(Functions, RegistrationIsDatabaseWide) {
  auto db = OpenMemory();
  auto a = db->Connect();
  auto b = db->Connect();
  std::atomic<int> chunks = 0;
  ASSERT_TRUE(RegisterFunction(*a, Upper(&chunks)).ok());
  auto r = b->Query("SELECT test_upper('x')");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->GetString(0, 0), "X");
  Status again = RegisterFunction(*b, Upper(&chunks));
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
}

TEST(Functions, TextMapKeepsNullsOrReplacesEachValue) {
  auto db = OpenMemory();
  auto conn = db->Connect();
  TextMapFunction f{"test_map", [](std::string_view v, std::string* out) {
                      if (v == "drop") return TextMapOutcome::kNull;
                      if (v.starts_with("up")) {
                        *out = "UP" + std::string(v.substr(2));
                        return TextMapOutcome::kReplace;
                      }
                      return TextMapOutcome::kKeep;
                    }};
  ASSERT_TRUE(RegisterTextMap(*conn, f).ok());
  EXPECT_EQ(RegisterTextMap(*conn, f).code(), StatusCode::kAlreadyExists);
  // Chunks with nothing to change (passed through) and chunks with a few changes, NULLs in both.
  auto r = conn->Query(
      "SELECT count(*), count(m), count(*) FILTER (WHERE m = v), count(*) FILTER (WHERE m LIKE 'UP%'), "
      "max(m) FILTER (WHERE v = 'up a long value past the inline size') FROM (SELECT v, test_map(v) m FROM "
      "(SELECT CASE WHEN i % 11 = 0 THEN NULL WHEN i >= 4096 AND i % 5 = 0 THEN 'drop' "
      "WHEN i >= 4096 AND i % 7 = 0 THEN 'up a long value past the inline size' ELSE 'keep ' || i END v "
      "FROM range(8192) t(i)))");
  ASSERT_TRUE(r.ok()) << r.status().message();
  int64_t nulls = 0, dropped = 0, upped = 0;
  for (int i = 0; i < 8192; ++i) {
    if (i % 11 == 0) ++nulls;
    else if (i >= 4096 && i % 5 == 0) ++dropped;
    else if (i >= 4096 && i % 7 == 0) ++upped;
  }
  EXPECT_EQ(r->GetInt64(0, 0), 8192);
  EXPECT_EQ(r->GetInt64(1, 0), 8192 - nulls - dropped);
  EXPECT_EQ(r->GetInt64(2, 0), 8192 - nulls - dropped - upped);
  EXPECT_EQ(r->GetInt64(3, 0), upped);
  EXPECT_EQ(r->GetString(4, 0), "UP a long value past the inline size");
}

}  // namespace
}  // namespace custintel::store
