// The text step in the pipeline (text/insights.h) on a small generated shop: gold tables and
// their counts, no re-analysis of unchanged text, analysis on arrival of only the new batch,
// avg_sentiment in customer features and its effect on the churn heuristic, segment themes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <regex>
#include <string>

#include "ingest/ingest.h"
#include "pipeline/text/insights.h"
#include "store/migrations.h"
#include "testing/testing.h"
#include "text/insight_batch.h"

namespace custintel::pipeline {
namespace {

using testing::RunCli;
using testing::TempDir;

int64_t Count(store::Connection& conn, const std::string& sql) {
  auto r = conn.Query(sql);
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status().message();
  return r.ok() ? r->GetInt64(0, 0) : -1;
}

// One generated, ingested and run shop shared by the tests of this file (generation and the
// run take seconds; the tests only read it, or copy it before writing).
class InsightsShop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto gen = RunCli("gen-data --customers 1000 --out " + dir_->File("shop"));
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    auto ing = RunCli("ingest --db " + Db() + " --dir " + dir_->File("shop"));
    ASSERT_EQ(ing.exit_code, 0) << ing.err;
    auto run = RunCli("run --db " + Db());
    ASSERT_EQ(run.exit_code, 0) << run.err;
    first_run_out_ = new std::string(run.out);
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete first_run_out_;
  }
  static std::string Db() { return dir_->File("shop.duckdb"); }

  // A private copy of the shop's database to write to.
  static std::pair<std::shared_ptr<store::Database>, store::Connection> OpenCopy(const TempDir& into) {
    std::string copy = into.File("copy.duckdb");
    EXPECT_EQ(testing::RunShell("cp '" + Db() + "' '" + copy + "'").exit_code, 0);
    auto db = store::OpenEngineDatabase(copy);
    EXPECT_TRUE(db.ok()) << db.status().message();
    auto conn = (*db)->Connect();
    EXPECT_TRUE(conn.ok());
    return {*db, std::move(*conn)};
  }

  static TempDir* dir_;
  static std::string* first_run_out_;
};
TempDir* InsightsShop::dir_ = nullptr;
std::string* InsightsShop::first_run_out_ = nullptr;

void EveryReviewTicketAndTextEventIsAnalysedOnce(store::Connection& conn) {
  int64_t reviews = Count(conn, "SELECT count(*) FROM silver.reviews");
  int64_t tickets = Count(conn, "SELECT count(*) FROM silver.tickets");
  int64_t events = Count(conn, "SELECT count(*) FROM silver.events WHERE trim(coalesce(content, '')) <> ''");
  ASSERT_GT(reviews, 100);
  ASSERT_GT(tickets, 100);
  ASSERT_GT(events, 100);
  EXPECT_EQ(Count(conn, "SELECT count(DISTINCT review_id) FROM gold.review_insights"), reviews);
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM gold.review_insights"), reviews);
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM gold.ticket_insights"), tickets);
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM gold.interaction_sentiment WHERE source = 'review'"), reviews);
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM gold.interaction_sentiment WHERE source = 'ticket'"), tickets);
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM gold.interaction_sentiment WHERE source = 'event'"), events);
  // Values are in range and carry their provenance.
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM gold.review_insights WHERE sentiment_score NOT BETWEEN -1 AND 1 "
                        "OR sentiment_label NOT IN ('very_negative','negative','neutral','positive','very_positive') "
                        "OR backend <> 'builtin' OR model NOT IN ('lexicon-v1', 'lexicon-v1+domain') "
                        "OR length(input_hash) <> 64 "
                        "OR analyzed_at IS NULL OR summary IS NULL"), 0);
  // Most generated reviews name an aspect; each theme entry has polarity counts.
  EXPECT_GT(Count(conn, "SELECT count(*) FROM gold.review_insights WHERE json_array_length(themes) > 0"),
            reviews * 7 / 10);
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM (SELECT unnest(from_json(themes, '[{\"mentions\":\"INT\","
                        "\"positive\":\"INT\",\"negative\":\"INT\"}]')) AS t FROM gold.review_insights) "
                        "WHERE t.positive + t.negative > t.mentions OR t.mentions < 1"), 0);
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM gold.ticket_insights WHERE urgency NOT IN "
                        "('low','medium','high','critical') OR sentiment NOT IN "
                        "('angry','frustrated','neutral','satisfied','happy') OR root_cause IS NULL "
                        "OR suggested_resolution IS NULL OR follow_up_needed IS NULL OR tags IS NULL"), 0);
  // The generator's playbooks (silver.notes) resolve some tickets.
  EXPECT_GT(Count(conn, "SELECT count(*) FROM gold.ticket_insights WHERE playbook_note_id IS NOT NULL"), 0);
}

void RerunOverUnchangedTextAnalysesNothing(store::Connection& conn) {
  auto before = conn.Query("SELECT max(analyzed_at)::VARCHAR FROM gold.interaction_sentiment");
  ASSERT_TRUE(before.ok());
  Result<InsightsReport> r = UpdateTextInsights(conn);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->reviews, 0);
  EXPECT_EQ(r->tickets, 0);
  EXPECT_EQ(r->events, 0);
  EXPECT_TRUE(r->Note().starts_with("no text changed")) << r->Note();
  auto after = conn.Query("SELECT max(analyzed_at)::VARCHAR FROM gold.interaction_sentiment");
  EXPECT_EQ(before->GetString(0, 0), after->GetString(0, 0));
  // `custintel ingest` analysed every text on arrival, so even the first run had nothing to do.
}

void ChangedTextAndChangedPlaybooksAreReanalysed(store::Connection& conn) {
  ASSERT_TRUE(conn.Execute("UPDATE silver.reviews SET review_text = 'Broke after two days. Awful.' "
                           "WHERE review_id = (SELECT min(review_id) FROM silver.reviews)").ok());
  ASSERT_TRUE(conn.Execute("UPDATE silver.events SET content = content || ' Thanks!' "
                           "WHERE event_id = (SELECT min(event_id) FROM silver.events WHERE content <> '')").ok());
  Result<InsightsReport> r = UpdateTextInsights(conn);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->reviews, 1);
  EXPECT_EQ(r->tickets, 0);
  EXPECT_EQ(r->events, 1);
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM gold.review_insights i JOIN silver.reviews r USING (review_id) "
                        "WHERE r.review_text = 'Broke after two days. Awful.' AND i.sentiment_score < 0"), 1);
  // A new playbook note can change any suggested resolution: every ticket is re-triaged once.
  ASSERT_TRUE(conn.Execute("INSERT INTO silver.notes(note_id, title, body, tags) VALUES "
                           "('N999', 'Courier escalation', 'Escalate late parcels to the courier.', 'shipping')").ok());
  r = UpdateTextInsights(conn);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tickets, Count(conn, "SELECT count(*) FROM silver.tickets"));
  EXPECT_EQ(r->reviews + r->events, 0);
  // Rows whose source is gone are pruned.
  ASSERT_TRUE(conn.Execute("DELETE FROM silver.reviews WHERE review_id = (SELECT min(review_id) FROM silver.reviews)").ok());
  ASSERT_TRUE(UpdateTextInsights(conn).ok());
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM gold.review_insights"), Count(conn, "SELECT count(*) FROM silver.reviews"));
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM gold.interaction_sentiment WHERE source = 'review'"),
            Count(conn, "SELECT count(*) FROM silver.reviews"));
}

void AvgSentimentIsFilledAndMovesTheChurnHeuristic(store::Connection& conn) {
  int64_t with_sentiment = Count(conn, "SELECT count(*) FROM gold.customer_features WHERE avg_sentiment IS NOT NULL");
  EXPECT_GT(with_sentiment, 50);
  // avg_sentiment is the mean of the customer's interactions in the 90 days up to as_of.
  EXPECT_EQ(Count(conn, R"sql(
      SELECT count(*) FROM gold.customer_features f
      LEFT JOIN (SELECT i.customer_id, avg(i.sentiment) AS s
                 FROM gold.interaction_sentiment i JOIN gold.customer_features a USING (customer_id)
                 WHERE i.occurred_at <= a.as_of AND i.occurred_at > a.as_of - INTERVAL 90 DAY
                 GROUP BY i.customer_id) m USING (customer_id)
      WHERE (f.avg_sentiment IS NULL) <> (m.s IS NULL) OR abs(f.avg_sentiment - m.s) > 1e-9)sql"), 0);
  // The heuristic follows the reference formula with the sentiment term, so it differs from the
  // sentiment-free value exactly where avg_sentiment is known and non-zero.
  const std::string base =
      "0.3 * f.days_inactive / 30.0 + 0.2 * f.tickets_90d / greatest(f.interactions_90d, 1) "
      "+ 0.3 * CASE WHEN f.avg_satisfaction < 3 THEN 1 ELSE 0 END";
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM gold.customer_features f JOIN gold.customer_scores s USING (customer_id) "
                        "WHERE abs(s.churn_risk_heuristic - least(1, greatest(0, " + base +
                        " + 0.2 * (1 - coalesce(f.avg_sentiment + 1, 1) / 2)))) > 1e-9"), 0);
  EXPECT_GT(Count(conn, "SELECT count(*) FROM gold.customer_features f JOIN gold.customer_scores s USING (customer_id) "
                        "WHERE abs(s.churn_risk_heuristic - least(1, greatest(0, " + base + " + 0.1))) > 1e-6"), 10);
}

void SegmentThemesCountEveryMentionOfSegmentedCustomers(store::Connection& conn) {
  EXPECT_GT(Count(conn, "SELECT count(*) FROM gold.segment_themes"), 3);
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM gold.segment_themes WHERE positive + negative > mentions "
                        "OR segment IS NULL OR theme_name IS NULL"), 0);
  const std::string mentions = R"sql(
      SELECT sum(t.mentions) FROM (
        SELECT customer_id, created_at, themes FROM gold.review_insights UNION ALL
        SELECT customer_id, created_at, themes FROM gold.ticket_insights) i
      JOIN gold.customer_scores s USING (customer_id),
      LATERAL (SELECT unnest(from_json(i.themes, '[{"mentions":"BIGINT"}]')) AS t)
      WHERE i.created_at <= (SELECT max(as_of) FROM gold.segment_themes))sql";
  EXPECT_EQ(Count(conn, "SELECT sum(mentions) FROM gold.segment_themes"), Count(conn, mentions));
}

// One process per test under ctest, and generating + running the shop costs seconds: the
// checks on the shop are grouped into two tests, each on its own copy of the database.
TEST_F(InsightsShop, PipelineFillsTextTablesAvgSentimentAndSegmentThemes) {
  TempDir tmp;
  auto [db, conn] = OpenCopy(tmp);
  EveryReviewTicketAndTextEventIsAnalysedOnce(conn);
  AvgSentimentIsFilledAndMovesTheChurnHeuristic(conn);
  SegmentThemesCountEveryMentionOfSegmentedCustomers(conn);
  // `custintel ingest` analysed every text on arrival (reviews with the lexicon), so the first
  // run had nothing to do but re-score reviews with the tenant's domain blend, if it helped.
  EXPECT_NE(first_run_out_->find("text_insights"), std::string::npos) << *first_run_out_;
  const std::string tickets = std::to_string(Count(conn, "SELECT count(*) FROM gold.ticket_insights"));
  const std::string events =
      std::to_string(Count(conn, "SELECT count(*) FROM gold.interaction_sentiment WHERE source = 'event'"));
  EXPECT_TRUE(first_run_out_->find("no text changed") != std::string::npos ||
              (first_run_out_->find(" reviews, 0 of " + tickets + " tickets, 0 of " + events + " events") !=
                   std::string::npos &&
               first_run_out_->find("blend used") != std::string::npos))
      << *first_run_out_;
}

// The step's note counts what gold holds, not only what this run re-analysed: after
// `custintel ingest` analysed tickets and events on arrival, a run that re-scores only the
// reviews still reports every ticket and event (it once said "0 tickets, 0 events").
TEST_F(InsightsShop, RunNoteCountsEveryAnalysedRowAndBuiltinProvenance) {
  TempDir tmp;
  auto [db, conn] = OpenCopy(tmp);
  std::smatch m;
  const std::regex counts("analysed (\\d+) of (\\d+) reviews, (\\d+) of (\\d+) tickets, (\\d+) of (\\d+) events");
  const std::regex unchanged("no text changed \\((\\d+) reviews, (\\d+) tickets, (\\d+) events analysed\\)");
  std::vector<int64_t> totals;
  if (std::regex_search(*first_run_out_, m, counts)) {
    totals = {std::stoll(m[2]), std::stoll(m[4]), std::stoll(m[6])};
    EXPECT_EQ(std::stoll(m[3]), 0);  // tickets and events were analysed on arrival
    EXPECT_EQ(std::stoll(m[5]), 0);
  } else {
    ASSERT_TRUE(std::regex_search(*first_run_out_, m, unchanged)) << *first_run_out_;
    totals = {std::stoll(m[1]), std::stoll(m[2]), std::stoll(m[3])};
  }
  EXPECT_EQ(totals[0], Count(conn, "SELECT count(*) FROM silver.reviews"));
  EXPECT_EQ(totals[1], Count(conn, "SELECT count(*) FROM silver.tickets"));
  EXPECT_EQ(totals[2], Count(conn, "SELECT count(*) FROM silver.events WHERE trim(coalesce(content, '')) <> ''"));
  EXPECT_GT(totals[1], 100);
  EXPECT_GT(totals[2], 100);
  // The builtin engine's rows name it (migration 0008); it is not cached, so no template/key.
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM gold.interaction_sentiment WHERE backend <> 'builtin' "
                        "OR length(model_sha256) <> 64 OR engine_version <> 'custintel-0.1.0' "
                        "OR template IS NOT NULL OR cache_key IS NOT NULL"), 0);
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM gold.ticket_insights WHERE model_sha256 IS NULL OR cache_key IS NOT NULL"),
            0);
  EXPECT_EQ(Count(conn, "SELECT count(*) FROM meta.ai_cache"), 0);
}

TEST_F(InsightsShop, OnlyChangedTextIsReanalysed) {
  TempDir tmp;
  auto [db, conn] = OpenCopy(tmp);
  RerunOverUnchangedTextAnalysesNothing(conn);
  ChangedTextAndChangedPlaybooksAreReanalysed(conn);
}

// Incremental runs (InsightsOptions::since_watermark): tickets and events of earlier batches are
// not candidates even when edited in place (which PlanRun refuses: a full run follows), those of
// later batches and those never analysed are; a changed note makes every ticket one again.
TEST_F(InsightsShop, SinceAWatermarkOnlyLaterBatchesAndUnanalysedRowsAreCandidates) {
  TempDir tmp;
  auto [db, conn] = OpenCopy(tmp);
  const int64_t watermark = Count(conn, "SELECT max(_batch_id) FROM silver.events");
  ASSERT_TRUE(conn.Execute("UPDATE silver.events SET content = content || ' Thanks!' "
                           "WHERE event_id = (SELECT min(event_id) FROM silver.events WHERE content <> '')").ok());
  ASSERT_TRUE(conn.Execute(fmt::format(
      "UPDATE silver.events SET content = 'Still waiting, this is ridiculous', _batch_id = {} "
      "WHERE event_id = (SELECT max(event_id) FROM silver.events WHERE content <> '')", watermark + 1)).ok());
  ASSERT_TRUE(conn.Execute("DELETE FROM gold.interaction_sentiment WHERE source = 'ticket' AND source_id = "
                           "(SELECT min(ticket_id) FROM silver.tickets)").ok());
  ASSERT_TRUE(conn.Execute("DELETE FROM gold.ticket_insights WHERE ticket_id = (SELECT min(ticket_id) FROM silver.tickets)").ok());
  InsightsOptions o;
  o.prune = false;
  o.since_watermark = watermark;
  Result<InsightsReport> r = UpdateTextInsights(conn, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->events, 1);   // the later batch's, not the one edited in place
  EXPECT_EQ(r->tickets, 1);  // never analysed
  ASSERT_TRUE(conn.Execute(fmt::format("INSERT INTO silver.notes(note_id, title, body, tags, _batch_id) VALUES "
                                       "('N999', 'Courier escalation', 'Escalate late parcels.', 'shipping', {})",
                                       watermark + 2)).ok());
  r = UpdateTextInsights(conn, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->tickets, Count(conn, "SELECT count(*) FROM silver.tickets"));
  o.since_watermark.reset();  // every row: the event edited in place is found by its hash
  r = UpdateTextInsights(conn, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->events, 1);
}

TEST(TextArrival, IngestHookAnalysesOnlyTheNewBatch) {
  TempDir dir;
  auto db = store::OpenEngineDatabase(dir.File("a.duckdb"));
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto conn = (*db)->Connect();
  ASSERT_TRUE(conn.ok());
  ingest::IngestOptions o;
  o.kind = "reviews";
  o.on_batch = AnalyzeOnArrival;
  const std::string header = "review_id,customer_id,product_id,rating,title,review_text,created_at\n";
  testing::WriteFile(dir.File("r1.csv"), header +
      "R1,C1,P1,5,Love it,Works like a charm.,2026-01-01\n"
      "R2,C1,P2,1,Broken,Arrived broken and support never answered.,2026-01-02\n"
      "R3,C2,P1,3,,It is fine.,2026-01-03\n");
  ASSERT_TRUE(ingest::IngestFile(*conn, dir.File("r1.csv"), o).ok());
  EXPECT_EQ(Count(*conn, "SELECT count(*) FROM gold.review_insights"), 3);
  EXPECT_EQ(Count(*conn, "SELECT count(*) FROM gold.interaction_sentiment"), 3);
  EXPECT_EQ(Count(*conn, "SELECT count(*) FROM gold.review_insights WHERE review_id = 'R1' AND sentiment_score > 0.3"), 1);
  EXPECT_EQ(Count(*conn, "SELECT count(*) FROM gold.review_insights WHERE review_id = 'R2' AND sentiment_score < -0.3"), 1);
  auto first = conn->Query("SELECT review_id, analyzed_at::VARCHAR FROM gold.review_insights ORDER BY review_id");
  ASSERT_TRUE(first.ok());
  // Second batch: R1 unchanged, R2 changed, R4 new. Only R2 and R4 are analysed.
  testing::WriteFile(dir.File("r2.csv"), header +
      "R1,C1,P1,5,Love it,Works like a charm.,2026-01-01\n"
      "R2,C1,P2,2,Broken,Arrived broken but the refund was quick.,2026-01-02\n"
      "R4,C3,P3,4,Good,Good value for the price.,2026-01-04\n");
  ASSERT_TRUE(ingest::IngestFile(*conn, dir.File("r2.csv"), o).ok());
  EXPECT_EQ(Count(*conn, "SELECT count(*) FROM gold.review_insights"), 4);
  auto second = conn->Query("SELECT review_id, analyzed_at::VARCHAR FROM gold.review_insights ORDER BY review_id");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->GetString(1, 0), first->GetString(1, 0)) << "R1 was re-analysed";
  EXPECT_EQ(second->GetString(1, 2), first->GetString(1, 2)) << "R3 was re-analysed";
  EXPECT_NE(second->GetString(1, 1), first->GetString(1, 1)) << "R2 was not re-analysed";
  EXPECT_EQ(Count(*conn, "SELECT count(*) FROM gold.review_insights WHERE review_id = 'R2' AND rating = 2"), 1);
  // A full pass afterwards finds nothing left to do.
  Result<InsightsReport> r = UpdateTextInsights(*conn);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->reviews + r->tickets + r->events, 0);
}

TEST(TextArrival, OtherKindsAreIgnored) {
  TempDir dir;
  auto db = store::OpenEngineDatabase(dir.File("a.duckdb"));
  ASSERT_TRUE(db.ok());
  auto conn = (*db)->Connect();
  ASSERT_TRUE(conn.ok());
  ingest::IngestCounts products{"products", "p.csv", 1, 3, 3, 0, 0, 0};
  EXPECT_TRUE(AnalyzeOnArrival(*conn, products).ok());
  EXPECT_EQ(Count(*conn, "SELECT count(*) FROM gold.review_insights"), 0);
}

}  // namespace
}  // namespace custintel::pipeline
