// How documents are joined and cut into passages for embedding.
#include "retrieval/corpus.h"

#include <gtest/gtest.h>

namespace custintel::retrieval {
namespace {

std::string Words(int n, const std::string& word) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? " " : "") + word;
  return s;
}

TEST(Corpus, JoinTitleBody_AddsAPeriodOnlyWhenNeeded) {
  EXPECT_EQ(JoinTitleBody("Late again", "Two weeks."), "Late again. Two weeks.");
  EXPECT_EQ(JoinTitleBody("Late again!", "Two weeks."), "Late again! Two weeks.");
  EXPECT_EQ(JoinTitleBody("", "Two weeks."), "Two weeks.");
  EXPECT_EQ(JoinTitleBody("Late again", ""), "Late again");
}

TEST(Corpus, Passages_ShortTextIsOnePassage) {
  EXPECT_EQ(Passages("Late again. Delivery took two weeks.", true), std::vector<std::string>{"Late again. Delivery took two weeks."});
}

TEST(Corpus, Passages_TitleGetsItsOwnPassageInALongerText) {
  const std::string text = "Late delivery compensation. " + Words(30, "refund") + ".";
  auto p = Passages(text, true);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], text);
  EXPECT_EQ(p[1], "Late delivery compensation.");
  EXPECT_EQ(Passages(text, false), std::vector<std::string>{text});  // reviews, tickets
}

TEST(Corpus, Passages_LongTextIsCutIntoSentenceGroups) {
  const std::string a = Words(40, "alpha") + ".", b = Words(30, "beta") + ".", c = Words(20, "gamma") + ".";
  const std::string text = "Title here. " + a + " " + b + " " + c;
  auto p = Passages(text, true);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[1], "Title here.");
  EXPECT_EQ(p[2], a);            // 40 words; adding b would pass 64
  EXPECT_EQ(p[3], b + " " + c);  // 50 words
  auto no_title = Passages(text, false);
  ASSERT_EQ(no_title.size(), 3u);
  EXPECT_EQ(no_title[1], "Title here. " + a);  // the title opens the first group
}

}  // namespace
}  // namespace custintel::retrieval
