// Scoped insights (incremental runs, features/scope.h): after a full run, changed gold rows of
// a few customers and a run scoped to them rewrite exactly their rows and their accounts'
// summaries (or drop them, when no decision needs them any more: issue 26 item 2), while every
// other row — even of a customer whose input changed outside the scope — stays byte-identical;
// a run scoped to every customer (in small chunks) equals a full run. The customers changed are
// ones with texts (the at-risk, whose texts a run writes), so each is either rewritten or dropped.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>

#include "features/scope.h"
#include "insight/insights_shop.h"
#include "insight/step.h"
#include "store/migrations.h"

namespace custintel::insight {
namespace {

using custintel::testing::TempDir;

constexpr const char* kCustomerTables[] = {"retention_strategies", "personal_recommendations", "notifications"};
// The customers a run wrote a summary for (the at-risk).
constexpr const char* kWithTexts = "(SELECT subject_id FROM gold.account_summaries WHERE subject_kind = 'customer')";
constexpr const char* kAllTables[] = {"segment_insights",         "account_summaries", "retention_strategies",
                                      "personal_recommendations", "notifications",     "executive_summary"};

class ScopedInsightsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = testing::CopyShopDb(dir_);
    ASSERT_FALSE(path_.empty()) << testing::SharedInsightsShop().error;
    Open(path_, &db_, &conn_);
  }

  static void Open(const std::string& path, std::shared_ptr<store::Database>* db, std::optional<store::Connection>* conn) {
    auto d = store::OpenEngineDatabase(path);
    ASSERT_TRUE(d.ok()) << d.status().message();
    *db = *d;
    auto c = (*db)->Connect();
    ASSERT_TRUE(c.ok()) << c.status().message();
    conn->emplace(std::move(*c));
  }

  static void Exec(store::Connection& conn, const std::string& sql) {
    Status s = conn.Execute(sql);
    ASSERT_TRUE(s.ok()) << sql << "\n" << s.message();
  }

  static int64_t Count(store::Connection& conn, const std::string& sql) {
    auto r = conn.Query(sql);
    EXPECT_TRUE(r.ok()) << sql << "\n" << r.status().message();
    return r.ok() ? r->GetInt64(0, 0) : -1;
  }

  static std::vector<std::string> Column(store::Connection& conn, const std::string& sql) {
    auto r = conn.Query(sql);
    EXPECT_TRUE(r.ok()) << sql << "\n" << r.status().message();
    std::vector<std::string> out;
    for (size_t i = 0; r.ok() && i < r->row_count(); ++i) out.push_back(r->GetString(0, i));
    return out;
  }

  static std::string InList(const std::vector<std::string>& ids) {
    std::string s;
    for (const std::string& id : ids) s += (s.empty() ? "'" : ", '") + id + "'";
    return "(" + s + ")";
  }

  // A new churn risk (and so a new input hash) for the customers `ids`; across 0.7 both ways,
  // so retention strategies come and go. The high_risk flag follows, as the segments step sets it.
  static void ChangeRisk(store::Connection& conn, const std::vector<std::string>& ids) {
    Exec(conn, "UPDATE gold.customer_scores SET churn_risk = CASE WHEN churn_risk > 0.5 THEN 0.12 ELSE 0.93 END "
               "WHERE customer_id IN " + InList(ids));
    Exec(conn, "UPDATE gold.customer_scores SET high_risk = churn_risk > (SELECT high_risk_above FROM "
               "gold.risk_definition) WHERE customer_id IN " + InList(ids));
  }

  static void MoveAccount(store::Connection& conn, const std::string& id, const std::string& to) {
    Exec(conn, fmt::format("UPDATE gold.customer_features SET account_id = '{}' WHERE customer_id = '{}'", to, id));
  }

  // "This account has N customers": N as the gold tables count them now.
  static std::string AccountHas(store::Connection& conn, const std::string& account) {
    return fmt::format("This account has {} customers", Count(conn,
        "SELECT count(*) FROM gold.customer_scores JOIN gold.customer_features USING (customer_id) "
        "WHERE account_id = '" + account + "'"));
  }

  static Result<InsightReport> Run(store::Connection& conn, const features::Scope& scope, int64_t chunk_size = 100000) {
    InsightOptions o;
    o.scope = scope;
    o.chunk_size = chunk_size;
    return RunInsights(conn, nullptr, o);
  }

  // The scope table of an incremental run: `select_ids` returns a column customer_id.
  static void MakeScope(store::Connection& conn, const std::string& select_ids) {
    Exec(conn, "CREATE OR REPLACE TEMP TABLE ci_scope AS SELECT DISTINCT customer_id::VARCHAR AS customer_id FROM (" +
                   select_ids + ")");
  }

  TempDir dir_;
  std::string path_;
  std::shared_ptr<store::Database> db_;
  std::optional<store::Connection> conn_;
};

TEST_F(ScopedInsightsTest, RewritesOnlyTheScopesCustomersAndTheirAccounts) {
  store::Connection& c = *conn_;
  // Two accounts of several customers: one customer of the first moves to the second.
  std::vector<std::string> accounts = Column(c, fmt::format(
      "SELECT account_id FROM gold.customer_features WHERE coalesce(account_id, '') <> '' "
      "GROUP BY 1 HAVING count(*) >= 2 AND bool_or(customer_id IN {}) ORDER BY 1 LIMIT 2", kWithTexts));
  ASSERT_EQ(accounts.size(), 2u);
  std::string mover = Column(c, "SELECT min(customer_id) FROM gold.customer_features WHERE account_id = '" +
                                    accounts[0] + "' AND customer_id IN " + kWithTexts)[0];
  std::vector<std::string> changed = Column(c,
      "SELECT customer_id FROM gold.customer_scores WHERE customer_id <> '" + mover + "' AND customer_id IN " +
      kWithTexts + " ORDER BY hash(customer_id) LIMIT 4");
  changed.push_back(mover);
  // In the scope but unchanged: rewrites nothing. Changed but out of the scope: untouched.
  std::string same = Column(c, "SELECT customer_id FROM gold.customer_scores WHERE customer_id NOT IN " + InList(changed) +
                                   " AND customer_id IN " + kWithTexts + " AND customer_id NOT IN (SELECT customer_id FROM gold.customer_features WHERE "
                                   "account_id IN " + InList(accounts) + ") ORDER BY hash(customer_id) DESC LIMIT 1")[0];
  std::string outside = Column(c, "SELECT customer_id FROM gold.customer_scores WHERE customer_id NOT IN " +
                                      InList(changed) + " AND customer_id <> '" + same + "' AND customer_id IN " +
                                      kWithTexts + " ORDER BY customer_id LIMIT 1")[0];
  std::vector<std::string> scope = changed;
  scope.push_back(same);
  // The accounts of the scope, before and after the move.
  std::string scope_accounts = "(SELECT account_id FROM gold.customer_features WHERE customer_id IN " + InList(scope) +
                               " UNION SELECT '" + accounts[0] + "')";
  for (const char* t : kAllTables) Exec(c, fmt::format("CREATE TABLE main.before_{0} AS SELECT * FROM gold.{0}", t));
  ChangeRisk(c, changed);
  MoveAccount(c, mover, accounts[1]);
  ChangeRisk(c, {outside});
  MakeScope(c, "SELECT customer_id FROM gold.customer_scores WHERE customer_id IN " + InList(scope));
  ASSERT_EQ(Count(c, "SELECT count(*) FROM ci_scope"), 6);

  auto report = Run(c, features::Scope::Customers("ci_scope"));
  ASSERT_TRUE(report.ok()) << report.status().message();
  // Each changed customer is rewritten or dropped; the unchanged one is left.
  EXPECT_EQ(report->customers.written + report->customers.dropped, 5) << report->Note();
  EXPECT_EQ(report->customers.unchanged, 1) << report->Note();
  const std::string with_rows = "(SELECT customer_id FROM gold.notifications UNION SELECT customer_id FROM "
                                "gold.retention_strategies UNION SELECT subject_id FROM gold.account_summaries WHERE "
                                "subject_kind = 'customer')";
  EXPECT_EQ(report->customers.written,
            Count(c, "SELECT count(*) FROM gold.customer_scores WHERE customer_id IN " + InList(changed) +
                         " AND customer_id IN " + with_rows)) << report->Note();
  EXPECT_GE(report->accounts.written + report->accounts.dropped, 2) << "both accounts of the mover: " << report->Note();
  EXPECT_LE(report->accounts.written + report->accounts.unchanged + report->accounts.dropped,
            Count(c, "SELECT count(DISTINCT account_id) FROM " + scope_accounts + " WHERE coalesce(account_id, '') <> ''"))
      << report->Note();

  // The changed scope customers still at risk got texts with their new churn risk; the others'
  // summaries are gone (written again when asked for).
  for (const std::string& id : changed) {
    const bool at_risk = Count(c, "SELECT count(*) FROM gold.customer_scores WHERE high_risk AND customer_id = '" + id + "'");
    EXPECT_EQ(Count(c, "SELECT count(*) FROM gold.account_summaries a JOIN main.before_account_summaries b USING "
                       "(subject_kind, subject_id) WHERE subject_kind = 'customer' AND subject_id = '" + id +
                       "' AND a.summary <> b.summary AND a.churn_risk <> b.churn_risk"), at_risk ? 1 : 0) << id;
    EXPECT_EQ(Count(c, "SELECT count(*) FROM gold.account_summaries WHERE subject_kind = 'customer' AND subject_id = '" +
                       id + "'"), at_risk ? 1 : 0) << id;
  }
  EXPECT_EQ(Count(c, "SELECT count(*) FROM gold.retention_strategies WHERE customer_id IN " + InList(changed)),
            Count(c, "SELECT count(*) FROM gold.customer_scores WHERE churn_risk > 0.7 AND customer_id IN " + InList(changed)));
  const bool mover_at_risk = Count(c, "SELECT count(*) FROM gold.customer_scores WHERE high_risk AND customer_id = '" +
                                          mover + "'");
  EXPECT_EQ(Count(c, "SELECT count(*) FROM gold.account_summaries WHERE subject_kind = 'customer' AND subject_id = '" +
                         mover + "' AND account_id = '" + accounts[1] + "'"), mover_at_risk ? 1 : 0);
  // Both accounts count their customers after the move (when an at-risk customer keeps their
  // summary wanted; otherwise the stale one is gone).
  for (const std::string& a : accounts) {
    const bool wanted = Count(c, "SELECT count(*) FROM gold.customer_scores JOIN gold.customer_features USING "
                                 "(customer_id) WHERE high_risk AND account_id = '" + a + "'");
    EXPECT_EQ(Count(c, "SELECT count(*) FROM gold.account_summaries WHERE subject_kind = 'account' AND subject_id = '" +
                           a + "' AND contains(summary, '" + AccountHas(c, a) + "')"), wanted ? 1 : 0) << a;
    EXPECT_EQ(Count(c, "SELECT count(*) FROM gold.account_summaries WHERE subject_kind = 'account' AND subject_id = '" +
                           a + "'"), wanted ? 1 : 0) << a;
  }

  // Every other row is byte-identical: the unchanged scope customer, the changed customer
  // outside the scope, and everyone else.
  std::string untouched = "NOT IN " + InList(changed);
  for (const char* t : kCustomerTables) {
    std::string sql = fmt::format("SELECT count(*) FROM (SELECT * FROM main.before_{0} WHERE customer_id {1} "
                                  "EXCEPT ALL SELECT * FROM gold.{0} WHERE customer_id {1})", t, untouched);
    EXPECT_EQ(Count(c, sql), 0) << t;
    EXPECT_EQ(Count(c, fmt::format("SELECT count(*) FROM gold.{} WHERE customer_id {}", t, untouched)),
              Count(c, fmt::format("SELECT count(*) FROM main.before_{} WHERE customer_id {}", t, untouched))) << t;
  }
  std::string others = "(subject_kind = 'customer' AND subject_id " + untouched +
                       ") OR (subject_kind = 'account' AND subject_id NOT IN " + scope_accounts + ")";
  EXPECT_EQ(Count(c, "SELECT count(*) FROM (SELECT * FROM main.before_account_summaries WHERE " + others +
                         " EXCEPT ALL SELECT * FROM gold.account_summaries WHERE " + others + ")"), 0);
  EXPECT_EQ(Count(c, "SELECT count(*) FROM gold.account_summaries WHERE " + others),
            Count(c, "SELECT count(*) FROM main.before_account_summaries WHERE " + others));
  EXPECT_NE(Count(c, "SELECT count(*) FROM gold.account_summaries WHERE subject_kind = 'account' AND subject_id NOT IN " +
                         scope_accounts), 0);

  // A full run then finds only the customer changed outside the scope.
  auto full = Run(c, features::Scope::All());
  ASSERT_TRUE(full.ok()) << full.status().message();
  EXPECT_EQ(full->customers.written + full->customers.dropped, 1) << full->Note();
}

// Customers no longer scored: one in the scope loses its rows, one outside keeps them.
TEST_F(ScopedInsightsTest, OnlyTheScopesGoneCustomersLoseTheirRows) {
  store::Connection& c = *conn_;
  std::vector<std::string> gone = Column(c, std::string("SELECT customer_id FROM gold.notifications WHERE customer_id IN ") +
                                                kWithTexts + " ORDER BY customer_id LIMIT 2");
  ASSERT_EQ(gone.size(), 2u);
  Exec(c, "DELETE FROM gold.customer_scores WHERE customer_id IN " + InList(gone));
  MakeScope(c, "SELECT '" + gone[0] + "' AS customer_id");
  auto report = Run(c, features::Scope::Customers("ci_scope"));
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->customers.written + report->customers.unchanged, 0) << report->Note();
  for (const char* t : kCustomerTables) {
    EXPECT_EQ(Count(c, fmt::format("SELECT count(*) FROM gold.{} WHERE customer_id = '{}'", t, gone[0])), 0) << t;
  }
  EXPECT_EQ(Count(c, "SELECT count(*) FROM gold.account_summaries WHERE subject_id = '" + gone[0] + "'"), 0);
  EXPECT_EQ(Count(c, "SELECT count(*) FROM gold.notifications WHERE customer_id = '" + gone[1] + "'"), 1);
  EXPECT_EQ(Count(c, "SELECT count(*) FROM gold.account_summaries WHERE subject_id = '" + gone[1] + "'"), 1);
}

TEST_F(ScopedInsightsTest, AScopeOfEveryCustomerEqualsAFullRun) {
  const std::string other_path = dir_.File("other.duckdb");
  custintel::testing::CopyDatabase(path_, other_path);
  std::shared_ptr<store::Database> other_db;
  std::optional<store::Connection> other;
  Open(other_path, &other_db, &other);
  std::vector<std::string> accounts = Column(*conn_, fmt::format(
      "SELECT account_id FROM gold.customer_features WHERE coalesce(account_id, '') <> '' "
      "GROUP BY 1 HAVING count(*) >= 2 AND bool_or(customer_id IN {}) ORDER BY 1 DESC LIMIT 2", kWithTexts));
  ASSERT_EQ(accounts.size(), 2u);
  std::string mover = Column(*conn_, "SELECT min(customer_id) FROM gold.customer_features WHERE account_id = '" +
                                         accounts[0] + "' AND customer_id IN " + kWithTexts)[0];
  std::vector<std::string> changed = Column(*conn_, "SELECT customer_id FROM gold.customer_scores WHERE customer_id <> '" +
                                                        mover + "' AND customer_id IN " + kWithTexts +
                                                        " ORDER BY hash(customer_id) LIMIT 30");
  changed.push_back(mover);
  for (store::Connection* c : {&*conn_, &*other}) {
    ChangeRisk(*c, changed);
    MoveAccount(*c, mover, accounts[1]);
  }

  auto full = Run(*conn_, features::Scope::All());
  ASSERT_TRUE(full.ok()) << full.status().message();
  MakeScope(*other, "SELECT customer_id FROM gold.customer_scores");
  auto scoped = Run(*other, features::Scope::Customers("ci_scope"), 300);  // in chunks of customers and accounts
  ASSERT_TRUE(scoped.ok()) << scoped.status().message();
  EXPECT_EQ(full->Note(), scoped->Note());
  EXPECT_EQ(full->customers.written + full->customers.dropped, static_cast<int64_t>(changed.size())) << full->Note();
  other.reset();
  other_db.reset();

  Exec(*conn_, "ATTACH '" + other_path + "' AS other (READ_ONLY)");
  for (const char* t : kAllTables) {
    for (const auto& [a, b] : {std::pair{"gold", "other.gold"}, std::pair{"other.gold", "gold"}}) {
      EXPECT_EQ(Count(*conn_, fmt::format("SELECT count(*) FROM (SELECT * EXCLUDE (generated_at) FROM {1}.{0} EXCEPT ALL "
                                          "SELECT * EXCLUDE (generated_at) FROM {2}.{0})", t, a, b)), 0)
          << t << ": rows of " << a << " missing in " << b;
    }
  }
}

}  // namespace
}  // namespace custintel::insight
