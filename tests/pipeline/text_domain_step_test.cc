// Domain sentiment in the pipeline: learned from the tenant's rated reviews, used only when the
// held-out measurement says it helps, recorded, and stable across re-runs.
#include "pipeline/text/domain_step.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "pipeline/text/insights.h"
#include "store/migrations.h"

namespace custintel::pipeline {
namespace {

// Reviews whose sentiment lives in words no lexicon knows: "zorbly" (5 stars), "flumpy" (1 star).
void InsertReviews(store::Connection& conn, int n) {
  static const char* kPositive[] = {"The keys feel zorbly", "Zorbly switches on this one", "So zorbly to type on"};
  static const char* kNegative[] = {"The keys feel flumpy", "Flumpy switches on this one", "So flumpy to type on"};
  std::string values;
  for (int i = 0; i < n; ++i) {
    bool positive = i % 2 == 0;
    values += fmt::format("{}('R{:05d}', 'C{}', 'P1', {}, '', '{}', TIMESTAMPTZ '2026-01-01' + INTERVAL {} MINUTE)",
                          i ? "," : "", i, i % 50, positive ? 5 : 1,
                          positive ? kPositive[i % 3] : kNegative[i % 3], i);
  }
  ASSERT_TRUE(conn.Execute("INSERT INTO silver.reviews(review_id, customer_id, product_id, rating, title, "
                           "review_text, created_at) VALUES " + values).ok());
}

class DomainStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = *store::OpenEngineDatabase(":memory:");
    conn_ = std::make_unique<store::Connection>(std::move(*db_->Connect()));
  }
  double MeanScore(const std::string& word) {
    auto r = conn_->Query("SELECT avg(i.sentiment_score) FROM gold.review_insights i JOIN silver.reviews r "
                          "USING (review_id) WHERE r.review_text ILIKE ?", {"%" + word + "%"});
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r->GetDouble(0, 0);
  }
  std::shared_ptr<store::Database> db_;
  std::unique_ptr<store::Connection> conn_;
};

TEST_F(DomainStepTest, BlendIsUsedWhenItBeatsTheLexiconOnHeldOutReviews) {
  InsertReviews(*conn_, 400);
  auto report = UpdateTextInsights(*conn_, {});
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->reviews, 400);
  EXPECT_NE(report->domain_note.find("blend used"), std::string::npos) << report->domain_note;
  auto m = conn_->Query("SELECT used, blended_macro_f1 > lexicon_macro_f1 FROM gold.sentiment_domain");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_TRUE(m->GetBool(0, 0));
  EXPECT_TRUE(m->GetBool(1, 0));
  EXPECT_GT(MeanScore("zorbly"), 0.2);
  EXPECT_LT(MeanScore("flumpy"), -0.2);
  // Same data, same model: nothing is analysed again.
  auto again = UpdateTextInsights(*conn_, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->reviews, 0);
}

TEST_F(DomainStepTest, FewRatedReviewsKeepTheLexiconAndSaySo) {
  InsertReviews(*conn_, 60);
  auto report = UpdateTextInsights(*conn_, {});
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_NE(report->domain_note.find("lexicon only"), std::string::npos) << report->domain_note;
  auto m = conn_->Query("SELECT used, rated FROM gold.sentiment_domain");
  EXPECT_FALSE(m->GetBool(0, 0));
  EXPECT_EQ(m->GetInt64(1, 0), 60);
  EXPECT_NEAR(MeanScore("zorbly"), 0.0, 0.2);  // the lexicon alone cannot read these words
}

}  // namespace
}  // namespace custintel::pipeline
