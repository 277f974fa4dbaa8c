// The insight tables and `custintel insights` end to end, through the real binary: what the
// pipeline's insights step writes (notifications, recommendations, retention strategies,
// executive summary), that an unchanged re-run rewrites nothing and --refresh rewrites, the
// command's output and its errors, and the LLM path with a tiny random model (gibberish that
// fails grounding, is retried once, and falls back to the builtin text).
#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "insight/insights_shop.h"
#include "testing/testing.h"

namespace custintel::insight {
namespace {

using custintel::testing::RunCli;
using custintel::testing::TempDir;
using nlohmann::json;

class InsightsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::CopyShopDb(dir_);
    ASSERT_FALSE(db_.empty()) << testing::SharedInsightsShop().error;
  }
  // One value of a one-row, one-column query.
  std::string Sql(const std::string& query) {
    auto r = RunCli("sql --db " + db_ + " --csv \"" + query + "\"");
    EXPECT_EQ(r.exit_code, 0) << query << "\n" << r.err;
    size_t nl = r.out.find('\n');
    std::string v = nl == std::string::npos ? "" : r.out.substr(nl + 1);
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {  // a CSV-quoted value
      v = v.substr(1, v.size() - 2);
      for (size_t p = v.find("\"\""); p != std::string::npos; p = v.find("\"\"", p + 1)) v.erase(p, 1);
    }
    return v;
  }
  TempDir dir_;
  std::string db_;
};

TEST_F(InsightsCliTest, NotificationsAreShortNameARealProductAtTheUsualTimeWithAnOfferOnlyAtRisk) {
  EXPECT_NE(Sql("SELECT count(*) FROM gold.notifications"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.notifications WHERE length(message) > 140"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.notifications WHERE NOT contains(message, product_name)"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.notifications WHERE product_name NOT IN "
                "(SELECT name FROM silver.products)"), "0");
  // The product is one they bought in two or more orders, or one recommended to them.
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.notifications n WHERE NOT EXISTS (SELECT 1 FROM silver.orders o "
                "JOIN silver.order_items i USING (order_id) JOIN silver.products p USING (product_id) "
                "WHERE o.customer_id = n.customer_id AND p.name = n.product_name) AND NOT EXISTS (SELECT 1 FROM "
                "gold.recommendations r WHERE r.customer_id = n.customer_id AND r.product_name = n.product_name)"), "0");
  // Offers go to the at-risk (status at_risk: still saveable) only — never the lapsed.
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.notifications n JOIN gold.customer_scores s USING (customer_id) "
                "WHERE n.offer <> (s.status = 'at_risk')"), "0");
  EXPECT_NE(Sql("SELECT count(*) FROM gold.notifications WHERE offer"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.notifications WHERE offer <> contains(message, 'voucher')"), "0");
  EXPECT_NE(Sql("SELECT count(*) FROM gold.notifications WHERE NOT offer"), "0") << "some low-risk customers get no offer";
  // Only the due get one (insight/notification_due.h): the at-risk, and the active whose silence
  // reached their own mean gap between orders — never the lapsed or the new.
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.notifications n JOIN gold.customer_scores s USING (customer_id) "
                "JOIN gold.customer_features f USING (customer_id) WHERE NOT (s.status = 'at_risk' OR "
                "(s.status = 'active' AND f.interpurchase_days_mean > 0 AND f.recency_days >= f.interpurchase_days_mean))"),
            "0");
  EXPECT_NE(Sql("SELECT count(*) FROM gold.notifications n JOIN gold.customer_scores s USING (customer_id) "
                "WHERE s.status = 'active'"), "0") << "active customers at their usual gap are due";
  EXPECT_LT(std::stoll(Sql("SELECT count(*) FROM gold.notifications")),
            std::stoll(Sql("SELECT count(*) FROM gold.customer_scores")) / 2) << "not everyone is due";
  // The weekday and hour are the customer's send time (models/send_times.h: their habit shrunk to
  // the shop's pattern), never inside the default quiet hours 21:00–08:00.
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.notifications n LEFT JOIN gold.send_times t USING (customer_id) "
                "WHERE t.customer_id IS NULL OR n.send_weekday <> t.send_weekday OR n.send_hour <> t.send_hour"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.notifications WHERE send_hour >= 21 OR send_hour < 8"), "0");
}

TEST_F(InsightsCliTest, RecommendationPrioritiesRiseWithChurnRisk) {
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.personal_recommendations WHERE rec_type NOT IN ('product', 'retention', 'upsell')"),
            "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM (SELECT priority, lag(priority) OVER (PARTITION BY rec_type ORDER BY churn_risk, "
                "priority) AS prev FROM gold.personal_recommendations) WHERE priority < prev"), "0");
  // Retention goes to the at-risk only, and every at-risk customer has a strategy.
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.personal_recommendations r JOIN gold.customer_scores s USING (customer_id) "
                "WHERE r.rec_type = 'retention' AND s.status <> 'at_risk'"),
            "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.retention_strategies r JOIN gold.customer_scores s USING (customer_id) "
                "WHERE s.status <> 'at_risk'"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.customer_scores WHERE status = 'at_risk' AND customer_id NOT IN "
                "(SELECT customer_id FROM gold.retention_strategies)"), "0");
  EXPECT_NE(Sql("SELECT count(*) FROM gold.retention_strategies"), "0");
  // A run writes the summaries and recommendations decisions need — every at-risk customer's —
  // and no one else's (those are written on demand: OnDemand... below).
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.customer_scores WHERE status = 'at_risk' AND customer_id NOT IN "
                "(SELECT subject_id FROM gold.account_summaries WHERE subject_kind = 'customer')"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.account_summaries a JOIN gold.customer_scores s ON s.customer_id = "
                "a.subject_id WHERE a.subject_kind = 'customer' AND s.status <> 'at_risk'"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.customer_scores WHERE status = 'at_risk' AND customer_id NOT IN "
                "(SELECT customer_id FROM gold.personal_recommendations)"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.personal_recommendations r JOIN gold.customer_scores s USING (customer_id) "
                "WHERE s.status <> 'at_risk'"), "0");
  // Accounts: the summaries of those with an at-risk customer, and only those.
  EXPECT_EQ(Sql("SELECT count(*) FROM (SELECT DISTINCT account_id FROM gold.customer_features JOIN "
                "gold.customer_scores USING (customer_id) WHERE status = 'at_risk' AND account_id <> '') "
                "WHERE account_id NOT IN (SELECT subject_id FROM gold.account_summaries WHERE subject_kind = 'account')"),
            "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.account_summaries WHERE subject_kind = 'account' AND subject_id NOT IN "
                "(SELECT account_id FROM gold.customer_features JOIN gold.customer_scores USING (customer_id) "
                "WHERE status = 'at_risk')"), "0");
}

// "High churn risk" has one definition, custintel.toml [churn] high_risk: changed, the next run
// is a full one, records it, and every reader follows the flag it sets — the summary, the
// executive metrics, retention strategies, offers, retention recommendations, account facts and
// the ask model's condition.
TEST_F(InsightsCliTest, TheAtRiskStatusIsOneDefinitionEveryReaderFollows) {
  const std::string toml = dir_.File("strict.toml");
  // A looser at-risk bound (silent longer than half the gaps, not three quarters) puts more
  // customers at risk; every reader must follow the status, never a number of its own.
  custintel::testing::WriteFile(toml, "[churn.status]\nat_risk_quantile = 0.5\n");
  const int64_t default_at_risk = std::stoll(Sql("SELECT count(*) FROM gold.customer_scores WHERE status = 'at_risk'"));
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.customer_scores WHERE high_risk IS DISTINCT FROM (status = 'at_risk')"), "0");
  ASSERT_GT(default_at_risk, 0);

  auto run = RunCli("run --config " + toml + " --db " + db_);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Sql("SELECT mode FROM meta.runs ORDER BY run_id DESC LIMIT 1"), "full");
  EXPECT_EQ(Sql("SELECT at_risk_quantile FROM gold.risk_definition"), "0.5");
  const std::string at_risk = Sql("SELECT count(*) FROM gold.customer_scores WHERE status = 'at_risk'");
  ASSERT_GT(std::stoll(at_risk), default_at_risk) << "a looser bound puts more customers at risk";
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.customer_scores WHERE high_risk IS DISTINCT FROM (status = 'at_risk')"), "0");
  EXPECT_EQ(Sql("SELECT value::BIGINT FROM gold.executive_metrics WHERE metric = 'high_risk' "
                "ORDER BY run_id DESC LIMIT 1"), at_risk);
  // Retention strategies and offers go to the at-risk only: the lapsed cost nothing more.
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.retention_strategies"), at_risk);
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.retention_strategies r JOIN gold.customer_scores s USING (customer_id) "
                "WHERE s.status <> 'at_risk'"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.notifications n JOIN gold.customer_scores s USING (customer_id) "
                "WHERE n.offer <> (s.status = 'at_risk')"), "0");
  EXPECT_EQ(Sql("SELECT sum(high_risk) FROM gold.segments"), at_risk);
  auto summary = RunCli("summary --db " + db_);
  ASSERT_EQ(summary.exit_code, 0) << summary.err;
  EXPECT_NE(summary.out.find(at_risk + " at risk (saveable)"), std::string::npos) << summary.out;
  EXPECT_NE(summary.out.find("At risk: " + at_risk + " customers"), std::string::npos) << summary.out;
  EXPECT_NE(summary.out.find("Lapsed: "), std::string::npos) << summary.out;
  EXPECT_NE(Sql("SELECT summary FROM gold.executive_summary").find("are at risk of lapsing but still saveable"),
            std::string::npos) << Sql("SELECT summary FROM gold.executive_summary");
  EXPECT_EQ(Sql("SELECT grounding_score FROM gold.executive_summary"), "1.0");
  auto ask = RunCli("ask --db " + db_ + " --json \"number of high risk customers\"");
  ASSERT_EQ(ask.exit_code, 0) << ask.err;
  EXPECT_EQ(json::parse(ask.out)["rows"][0][0].get<int64_t>(), std::stoll(at_risk)) << ask.out;

  // Back to the default: a full run again, and the flags follow.
  run = RunCli("run --db " + db_);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Sql("SELECT mode FROM meta.runs ORDER BY run_id DESC LIMIT 1"), "full");
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.retention_strategies"), std::to_string(default_at_risk));

  // Scores written before the statuses existed (an older custintel): a clear error until a run.
  RunCli("sql --db " + db_ + " \"ALTER TABLE gold.customer_scores DROP COLUMN high_risk\"");
  RunCli("sql --db " + db_ + " \"DROP TABLE gold.risk_definition\"");
  auto old = RunCli("summary --db " + db_);
  EXPECT_EQ(old.exit_code, 1);
  EXPECT_NE(old.err.find("no customer statuses yet"), std::string::npos) << old.err;
  ASSERT_EQ(RunCli("run --full --db " + db_).exit_code, 0);
  EXPECT_EQ(RunCli("summary --db " + db_).exit_code, 0);

  custintel::testing::WriteFile(toml, "[churn.status]\nlapsed_quantile = 0.5\n");
  auto bad = RunCli("run --config " + toml + " --db " + db_);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("churn.status: need 0 < at_risk_quantile < lapsed_quantile < 1"), std::string::npos) << bad.err;
}

TEST_F(InsightsCliTest, UnchangedInputRewritesNothingAndRefreshRewrites) {
  const std::string stamp = "SELECT max(generated_at)::VARCHAR FROM gold.";
  std::string seg0 = Sql(stamp + "segment_insights"), cust0 = Sql(stamp + "account_summaries");
  auto again = RunCli("run --db " + db_);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("segments 0 written / 5 unchanged"), std::string::npos) << again.out;
  // Unchanged data: an incremental run over no customers (the note has no customers part), or a
  // full run that finds every customer's input hash equal.
  size_t insights = again.out.find("insights: ");
  ASSERT_NE(insights, std::string::npos) << again.out;
  std::string note = again.out.substr(insights, again.out.find('\n', insights) - insights);
  // (Unchanged: the customers with texts — the at-risk and the due — not all 2,000.)
  const std::string with_texts = Sql(
      "SELECT count(DISTINCT id) FROM (SELECT subject_id AS id FROM gold.account_summaries WHERE subject_kind = "
      "'customer' UNION ALL SELECT customer_id FROM gold.notifications UNION ALL SELECT customer_id FROM "
      "gold.retention_strategies)");
  EXPECT_TRUE(note.find("customers") == std::string::npos ||
              note.find("customers 0 written / " + with_texts + " unchanged") != std::string::npos) << note;
  EXPECT_TRUE(note.find("accounts") == std::string::npos || note.find("accounts 0 written") != std::string::npos) << note;
  EXPECT_NE(again.out.find("executive summary 0 written / 1 unchanged"), std::string::npos) << again.out;
  EXPECT_EQ(Sql(stamp + "segment_insights"), seg0);
  EXPECT_EQ(Sql(stamp + "account_summaries"), cust0);
  EXPECT_EQ(Sql("SELECT count(*) || ' ' || max(run_id) FROM gold.executive_summary"), "1 2") << "the latest run's";

  auto one = RunCli("insights --db " + db_ + " --refresh --segment Regular --json");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.err.find("segments 1 written"), std::string::npos) << one.err;
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.segment_insights WHERE generated_at > '" + seg0 + "'"), "1");
  EXPECT_EQ(Sql("SELECT segment FROM gold.segment_insights WHERE generated_at > '" + seg0 + "'"), "Regular");

  auto all = RunCli("insights --db " + db_ + " --refresh");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.err.find("segments 5 written / 0 unchanged; customers " + with_texts + " written"), std::string::npos)
      << all.err;
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.account_summaries WHERE subject_kind = 'customer' AND generated_at <= '" +
                cust0 + "'"), "0");
}

TEST_F(InsightsCliTest, ShowsSegmentsCustomersAndTheExecutiveSummary) {
  auto r = RunCli("insights --db " + db_ + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  ASSERT_EQ(j["segments"].size(), 5u);
  for (const auto& s : j["segments"]) {
    EXPECT_EQ(s["strategies"].size(), 3u);
    EXPECT_TRUE(s["profile"].contains("size"));
    EXPECT_FALSE(s["who"].get<std::string>().empty());
    EXPECT_FALSE(s["why"].get<std::string>().empty());
    EXPECT_FALSE(s["action"].get<std::string>().empty());
    EXPECT_EQ(s["writer"], "builtin");
    EXPECT_EQ(s["input_hash"].get<std::string>().size(), 64u);
  }
  EXPECT_NE(j["executive_summary"]["summary"].get<std::string>().find(Sql("SELECT printf('%,d', count(*)) FROM gold.customer_scores")),
            std::string::npos) << j["executive_summary"].dump();

  std::string id = Sql("SELECT customer_id FROM gold.retention_strategies ORDER BY churn_risk DESC, customer_id LIMIT 1");
  auto c = RunCli("insights --db " + db_ + " --customer " + id + " --json");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  json cj = json::parse(c.out);
  EXPECT_FALSE(cj["summary"]["summary"].get<std::string>().empty());
  EXPECT_FALSE(cj["retention"].is_null());
  EXPECT_FALSE(cj["recommendations"].empty());
  auto text = RunCli("insights --db " + db_ + " --segment Regular");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("== Regular"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("strategies:"), std::string::npos) << text.out;
}

TEST_F(InsightsCliTest, BadInputIsOneLineOnStderrWithTheRightExitCode) {
  auto help = RunCli("insights --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--refresh"), std::string::npos);
  auto both = RunCli("insights --db " + db_ + " --segment Regular --customer C000001");
  EXPECT_EQ(both.exit_code, 2) << both.err;
  auto refresh_one = RunCli("insights --db " + db_ + " --refresh --customer C000001");
  EXPECT_EQ(refresh_one.exit_code, 2) << refresh_one.err;
  EXPECT_EQ(RunCli("insights --db " + db_ + " --all --customer C000001").exit_code, 2);
  EXPECT_EQ(RunCli("insights --db " + db_ + " --all --refresh").exit_code, 2);
  auto unknown = RunCli("insights --db " + db_ + " --segment 'No such segment'");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("No such segment"), std::string::npos) << unknown.err;
  EXPECT_EQ(std::count(unknown.err.begin(), unknown.err.end(), '\n'), 1) << unknown.err;
  auto customer = RunCli("insights --db " + db_ + " --customer C999999");
  EXPECT_EQ(customer.exit_code, 1);
  EXPECT_NE(customer.err.find("C999999"), std::string::npos) << customer.err;
  auto missing = RunCli("insights --db " + dir_.File("none.duckdb"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("none.duckdb"), std::string::npos) << missing.err;
}

// Texts where a decision needs them (issue 26 item 2): a customer who is neither at risk nor
// due has no texts after a run; `insights --customer` writes them on the first request and
// stores them, answers the next from the store, and writes them again once their facts change
// (a new order and a run); `insights --all` fills every customer and account.
TEST_F(InsightsCliTest, OnDemandTextsAreWrittenOnceAndAgainWhenTheirFactsChange) {
  const std::string id = Sql(
      "SELECT customer_id FROM gold.customer_scores s JOIN gold.customer_features f USING (customer_id) "
      "WHERE s.status = 'active' AND f.frequency >= 2 AND f.recency_days < f.interpurchase_days_mean "
      "ORDER BY customer_id LIMIT 1");
  ASSERT_FALSE(id.empty());
  const std::string summary_of = "SELECT count(*) FROM gold.account_summaries WHERE subject_kind = 'customer' AND "
                                 "subject_id = '" + id + "'";
  EXPECT_EQ(Sql(summary_of), "0") << "the run wrote no summary for a customer who is not at risk";
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.personal_recommendations WHERE customer_id = '" + id + "'"), "0");

  auto first = RunCli("insights --db " + db_ + " --customer " + id + " --json");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("written on demand"), std::string::npos) << first.err;
  json one = json::parse(first.out);
  const std::string text = one["summary"]["summary"].get<std::string>();
  EXPECT_NE(text.find("churn risk"), std::string::npos) << text;
  EXPECT_EQ(one["summary"]["grounding_score"], 1.0) << one["summary"].dump();
  EXPECT_FALSE(one["recommendations"].empty());
  EXPECT_TRUE(one["retention"].is_null()) << "not at risk";
  EXPECT_TRUE(one["notification"].is_null()) << "not due";
  EXPECT_EQ(Sql(summary_of), "1") << "stored";
  EXPECT_EQ(Sql("SELECT summary FROM gold.account_summaries WHERE subject_kind = 'customer' AND subject_id = '" + id + "'"),
            text);
  const std::string account = Sql("SELECT account_id FROM gold.customer_features WHERE customer_id = '" + id + "'");
  if (!account.empty()) {
    EXPECT_EQ(Sql("SELECT count(*) FROM gold.account_summaries WHERE subject_kind = 'account' AND subject_id = '" +
                  account + "'"), "1") << "its account's summary is written with it";
  }

  auto second = RunCli("insights --db " + db_ + " --customer " + id + " --json");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("from the stored texts"), std::string::npos) << second.err;
  EXPECT_EQ(json::parse(second.out)["summary"]["generated_at"], one["summary"]["generated_at"]);
  // An unchanged run keeps the stored text (its hash holds).
  ASSERT_EQ(RunCli("run --db " + db_).exit_code, 0);
  EXPECT_EQ(Sql(summary_of), "1");

  // A new order of theirs (before the as-of, so the run stays as of the same day): its facts
  // change, the run drops the stale text, and the next request writes a new one.
  const std::string orders = dir_.File("new_order.csv");
  custintel::testing::WriteFile(orders, "order_id,customer_id,ordered_at,amount,currency,status,channel\nONEW1," + id +
                                            "," + Sql("SELECT strftime(max(ordered_at) - INTERVAL 1 DAY, "
                                                      "'%Y-%m-%dT%H:%M:%SZ') FROM silver.orders") +
                                            ",500.00,USD,completed,web\n");
  auto ingest = RunCli("ingest --db " + db_ + " --kind orders " + orders);
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  auto run = RunCli("run --db " + db_);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const bool decision_now = Sql("SELECT count(*) FROM gold.customer_scores WHERE customer_id = '" + id +
                                "' AND status = 'at_risk'") == "1";
  if (!decision_now) EXPECT_EQ(Sql(summary_of), "0") << "the stale text is dropped\n" << run.out;
  auto third = RunCli("insights --db " + db_ + " --customer " + id + " --json");
  ASSERT_EQ(third.exit_code, 0) << third.err;
  if (!decision_now) EXPECT_NE(third.err.find("written on demand"), std::string::npos) << third.err;
  json three = json::parse(third.out);
  EXPECT_NE(three["summary"]["input_hash"], one["summary"]["input_hash"]);
  EXPECT_NE(three["summary"]["summary"], text) << "a new order changes what the summary says";

  // --all: every customer and every account, with an estimate first.
  auto all = RunCli("insights --db " + db_ + " --all");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.err.find("have no texts yet; measured on"), std::string::npos) << all.err;
  EXPECT_NE(all.err.find("for the rest"), std::string::npos) << all.err;
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.customer_scores WHERE customer_id NOT IN "
                "(SELECT subject_id FROM gold.account_summaries WHERE subject_kind = 'customer')"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.customer_scores WHERE customer_id NOT IN "
                "(SELECT customer_id FROM gold.personal_recommendations)"), "0");
  EXPECT_EQ(Sql("SELECT count(DISTINCT account_id) FROM gold.customer_features WHERE account_id <> '' AND account_id "
                "NOT IN (SELECT subject_id FROM gold.account_summaries WHERE subject_kind = 'account')"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.account_summaries WHERE grounding_score < 1"), "0");
  // Materialised texts stay through a run that changes nothing (their hashes hold). (A full run
  // that refits the models changes most customers' churn risk, so their texts would be dropped
  // and written again when asked for.)
  auto again = RunCli("run --db " + db_);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Sql("SELECT count(*) FROM gold.account_summaries WHERE subject_kind = 'customer'"),
            Sql("SELECT count(*) FROM gold.customer_scores"));
}

// A cached request builds no sheet (issue 26 item 2, text_checks.h): the recorded checks say the
// stored texts are current. They stay right: a customer whose data changed gets a new text after
// an incremental run, one whose data did not keeps its text and stays cheap, a playbook edit makes
// the next request check the sheet again, and so does a churn risk rescored outside a run.
TEST_F(InsightsCliTest, CachedOnDemandRequestsBuildNoSheetAndStillSeeChangedFacts) {
  // Two customers with no texts after the run (neither at risk nor due), in different accounts
  // (a new order of one changes its account's summary).
  const std::string quiet = "SELECT customer_id FROM gold.customer_scores s JOIN gold.customer_features f "
                            "USING (customer_id) WHERE s.status = 'active' AND f.frequency >= 2 AND "
                            "f.recency_days < f.interpurchase_days_mean";
  const std::string changed = Sql(quiet + " ORDER BY customer_id LIMIT 1");
  ASSERT_FALSE(changed.empty());
  const std::string kept = Sql(quiet + " AND (coalesce(f.account_id, '') = '' OR f.account_id <> (SELECT "
                               "coalesce(account_id, '') FROM gold.customer_features WHERE customer_id = '" + changed +
                               "')) AND customer_id <> '" + changed + "' ORDER BY customer_id LIMIT 1");
  ASSERT_FALSE(kept.empty());
  auto ask = [&](const std::string& id) {
    auto r = RunCli("insights --db " + db_ + " --customer " + id + " --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r;
  };
  auto summary = [&](const custintel::testing::CommandResult& r) { return json::parse(r.out)["summary"]; };
  const char* kNoSheet = "current as of the last run: no sheet built";
  ASSERT_NE(ask(changed).err.find("written on demand"), std::string::npos);
  auto kept_first = ask(kept);
  ASSERT_NE(kept_first.err.find("written on demand"), std::string::npos) << kept_first.err;
  auto cached = ask(changed);
  EXPECT_NE(cached.err.find(kNoSheet), std::string::npos) << cached.err;

  // A new order of one customer (dated before the as-of: the run stays incremental).
  const std::string orders = dir_.File("new_order.csv");
  custintel::testing::WriteFile(orders, "order_id,customer_id,ordered_at,amount,currency,status,channel\nONEW2," +
                                            changed + "," + Sql("SELECT strftime(max(ordered_at) - INTERVAL 1 DAY, "
                                                                "'%Y-%m-%dT%H:%M:%SZ') FROM silver.orders") +
                                            ",700.00,USD,completed,web\n");
  ASSERT_EQ(RunCli("ingest --db " + db_ + " --kind orders " + orders).exit_code, 0);
  auto run = RunCli("run --db " + db_);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("incremental run"), std::string::npos) << run.out;
  auto after = ask(changed);
  EXPECT_NE(after.err.find("written on demand"), std::string::npos) << "its facts changed: " << after.err;
  EXPECT_NE(summary(after)["input_hash"], summary(cached)["input_hash"]);
  EXPECT_NE(summary(after)["summary"], summary(cached)["summary"]);
  auto untouched = ask(kept);
  EXPECT_NE(untouched.err.find(kNoSheet), std::string::npos) << "outside the run's scope: " << untouched.err;
  EXPECT_EQ(summary(untouched)["generated_at"], summary(kept_first)["generated_at"]) << "not rewritten";
  EXPECT_NE(ask(changed).err.find(kNoSheet), std::string::npos) << "the new text is cached in turn";

  // A playbook edit between runs: the settings differ, so the sheet decides (what a summary cites
  // is unchanged here: the notification messages' expected impact is in no sheet).
  ASSERT_EQ(RunCli("sql --db " + db_ + " \"UPDATE meta.insight_playbook SET expected_impact = "
                   "coalesce(expected_impact, '') || ' (edited)' WHERE kind = 'message'\"").exit_code, 0);
  auto edited = ask(kept);
  EXPECT_NE(edited.err.find("their facts are unchanged"), std::string::npos) << edited.err;
  EXPECT_EQ(summary(edited)["generated_at"], summary(kept_first)["generated_at"]);
  EXPECT_NE(ask(kept).err.find(kNoSheet), std::string::npos) << "checked once, cached again";

  // A churn risk rescored outside a run (as `custintel churn-model` does): the stored summary
  // states the old risk, so it is checked against the sheet and written again.
  ASSERT_EQ(RunCli("sql --db " + db_ + " \"UPDATE gold.customer_scores SET churn_risk = churn_risk / 2 + 0.01 "
                   "WHERE customer_id = '" + kept + "'\"").exit_code, 0);
  auto rescored = ask(kept);
  EXPECT_NE(rescored.err.find("written on demand"), std::string::npos) << rescored.err;
  EXPECT_NE(summary(rescored)["input_hash"], summary(kept_first)["input_hash"]);
}

// SQL users get the same texts through customer_texts(id): written on the first call (through a
// connection of its own, so the statement's own snapshot still shows the table as before),
// returned from the store on the next, with the account's summary and the recommendations.
TEST_F(InsightsCliTest, CustomerTextsTableFunctionWritesOnceThenReadsTheStore) {
  const std::string id = Sql(
      "SELECT customer_id FROM gold.customer_scores s JOIN gold.customer_features f USING (customer_id) "
      "WHERE s.status = 'active' AND f.frequency >= 2 AND f.recency_days < f.interpurchase_days_mean "
      "AND coalesce(f.account_id, '') <> '' ORDER BY customer_id DESC LIMIT 1");
  ASSERT_FALSE(id.empty());
  const std::string query = "SELECT kind, subject_id, text, written_now, input_hash, generated_at FROM customer_texts('" +
                            id + "')";
  auto first = RunCli("sql --db " + db_ + " --json \"" + query + "\"");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  json rows = json::parse(first.out);
  ASSERT_GE(rows.size(), 3u) << first.out;
  std::map<std::string, int> kinds;
  for (const auto& r : rows) ++kinds[r["kind"].get<std::string>()];
  EXPECT_EQ(kinds["summary"], 1) << first.out;
  EXPECT_EQ(kinds["account_summary"], 1) << first.out;
  EXPECT_GE(kinds["recommendation"], 1) << first.out;
  EXPECT_EQ(kinds["retention_strategy"], 0) << "not at risk";
  EXPECT_EQ(rows[0]["kind"], "summary");
  EXPECT_EQ(rows[0]["written_now"], true);
  EXPECT_NE(rows[0]["text"].get<std::string>().find("churn risk"), std::string::npos) << rows[0].dump();
  EXPECT_EQ(Sql("SELECT summary FROM gold.account_summaries WHERE subject_kind = 'customer' AND subject_id = '" + id + "'"),
            rows[0]["text"].get<std::string>()) << "stored";
  auto second = RunCli("sql --db " + db_ + " --json \"" + query + "\"");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  json again = json::parse(second.out);
  ASSERT_EQ(again.size(), rows.size());
  EXPECT_EQ(again[0]["written_now"], false);
  EXPECT_EQ(again[0]["generated_at"], rows[0]["generated_at"]);
  EXPECT_EQ(again[0]["input_hash"], rows[0]["input_hash"]);
  // The same texts as `insights --customer` shows.
  auto cli = RunCli("insights --db " + db_ + " --customer " + id + " --json");
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(json::parse(cli.out)["summary"]["summary"], rows[0]["text"]);
  // Errors name the problem.
  auto missing = RunCli("sql --db " + db_ + " \"SELECT * FROM customer_texts('NOPE')\"");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("no customer 'NOPE'"), std::string::npos) << missing.err;
  auto null_id = RunCli("sql --db " + db_ + " \"SELECT * FROM customer_texts(NULL)\"");
  EXPECT_NE(null_id.exit_code, 0);
  EXPECT_NE(null_id.err.find("NULL or empty"), std::string::npos) << null_id.err;
}

// Label `model`: on demand with a model goes through the AI service and its cache: the first
// request asks the model (and falls back to the builtin text, the tiny model writing
// gibberish), the second makes no model call at all.
TEST_F(InsightsCliTest, OnDemandWithAModelCallsItOnceThenAnswersFromTheStore) {
  const std::string model = dir_.File("tiny.gguf");
  auto make = RunCli("dev make-gguf --out " + model + " --arch llama --n-embd 64 --n-layer 1 --n-head 4 --n-head-kv 4 "
                     "--n-ff 128 --n-ctx 8192 --seed 3");
  ASSERT_EQ(make.exit_code, 0) << make.err;
  custintel::testing::WriteFile(dir_.File("custintel.toml"), "[ai]\nn_ctx = 8192\nn_parallel = 1\nmax_tokens = 96\n");
  const std::string id = Sql("SELECT customer_id FROM gold.customer_scores WHERE status = 'lapsed' ORDER BY customer_id "
                             "LIMIT 1");
  ASSERT_FALSE(id.empty());
  const std::string cmd = "insights --db " + db_ + " --config " + dir_.File("custintel.toml") +
                          " --backend llama --model " + model + " --customer " + id + " --json";
  auto first = RunCli(cmd);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("written on demand"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("customers 1 written / 0 unchanged (0 by llm, 1 fell back)"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("ai: 2 backend calls"), std::string::npos) << "the answer and its one retry: " << first.err;
  EXPECT_EQ(json::parse(first.out)["summary"]["writer"], "builtin_fallback");
  auto second = RunCli(cmd);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("from the stored texts"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("ai: 0 backend calls"), std::string::npos) << second.err;
}

// Label `model`: a tiny random-weight GGUF writes gibberish JSON that fails grounding.
TEST_F(InsightsCliTest, LlmGibberishIsRetriedThenReplacedByTheBuiltinText) {
  const std::string model = dir_.File("tiny.gguf");
  auto make = RunCli("dev make-gguf --out " + model + " --arch llama --n-embd 64 --n-layer 1 --n-head 4 --n-head-kv 4 "
                     "--n-ff 128 --n-ctx 8192 --seed 3");
  ASSERT_EQ(make.exit_code, 0) << make.err;
  custintel::testing::WriteFile(dir_.File("custintel.toml"), "[ai]\nn_ctx = 8192\nn_parallel = 1\nmax_tokens = 96\n");
  std::string builtin = Sql("SELECT text FROM gold.segment_insights WHERE segment = 'Regular'");
  auto r = RunCli("insights --db " + db_ + " --config " + dir_.File("custintel.toml") + " --backend llama --model " +
                  model + " --refresh --segment Regular --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("0 by llm, 1 fell back"), std::string::npos) << r.err;
  json row = json::parse(r.out)["segments"][0];
  EXPECT_EQ(row["writer"], "builtin_fallback") << row.dump();
  EXPECT_EQ(row["text"], builtin) << "the fallback is the builtin text";
  const std::string flags = row["grounding_flags"].dump();
  EXPECT_NE(flags.find("rejected llm answer"), std::string::npos) << flags;
  EXPECT_EQ(flags.find("not usable"), std::string::npos) << "the answers were schema-valid JSON: " << flags;
  EXPECT_EQ(row["model"], "templates");
  // Two answers for the one subject: the first and the one retry with the flags in the prompt.
  EXPECT_NE(r.err.find("ai: 2 backend calls"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace custintel::insight
