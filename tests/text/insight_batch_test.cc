// The text engine's batch analysis (text/insight_batch.h): pure, no database.
#include "text/insight_batch.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace custintel::text {
namespace {

TEST(TextBatch, JoinsTitleAndBodyAndKeepsInputOrderAcrossThreads) {
  EXPECT_EQ(JoinTitleBody("Great", "Works well."), "Great. Works well.");
  EXPECT_EQ(JoinTitleBody("Great!", "Works well."), "Great! Works well.");
  EXPECT_EQ(JoinTitleBody("  ", "Works well."), "Works well.");
  EXPECT_EQ(JoinTitleBody("Title only", ""), "Title only");
  std::vector<TextInput> in;
  for (int i = 0; i < 3000; ++i) {
    in.push_back({"", i % 2 ? "Terrible, broke after a day." : "Excellent quality, love it.", std::nullopt});
  }
  std::vector<TextInsight> out = AnalyzeBatch(TextSource::kReview, in, {4, {}});
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_EQ(out[i].score < 0, i % 2 == 1) << i;
    ASSERT_NE(out[i].themes_json, "[]") << i;
  }
  std::vector<TextInsight> events = AnalyzeBatch(TextSource::kEvent, in, {2, {}});
  EXPECT_LT(events[1].score, 0);
  EXPECT_EQ(events[1].themes_json, "[]");
  EXPECT_FALSE(events[1].triage.has_value());
  std::vector<TextInsight> tickets = AnalyzeBatch(TextSource::kTicket, in, {1, {}});
  EXPECT_TRUE(tickets[1].triage.has_value());
}

}  // namespace
}  // namespace custintel::text
