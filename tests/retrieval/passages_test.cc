// PassageRanker: hybrid ranking of a small in-memory passage set (the notes fact sheets cite).
#include <gtest/gtest.h>

#include "retrieval/passages.h"

namespace custintel::retrieval {
namespace {

PassageRanker Notes() {
  return PassageRanker({{"N001", "Retention offer. Offer at-risk subscribers a discount.", "retention churn offer"},
                        {"N002", "Warranty policy. Two years on all appliances.", "warranty returns"},
                        {"N021", "Late delivery compensation. Apologise and refund the shipping fee.", "shipping delay"},
                        {"N030", "Customer satisfaction survey. Ask after every resolved ticket.", "csat survey"}});
}

TEST(PassageRanker, RanksTheMatchingNoteFirstAndIsDeterministic) {
  PassageRanker notes = Notes();
  auto top = notes.Rank("late delivery shipping", 2);
  ASSERT_FALSE(top.empty());
  EXPECT_EQ(top[0].passage->id, "N021");
  EXPECT_EQ(top[0].bm25_rank, 1);
  auto again = notes.Rank("late delivery shipping", 2);
  ASSERT_EQ(again.size(), top.size());
  for (size_t i = 0; i < top.size(); ++i) EXPECT_EQ(again[i].passage->id, top[i].passage->id);
}

TEST(PassageRanker, KeywordsAreRankedButLexicalOnlyDropsUnrelatedPassages) {
  PassageRanker notes = Notes();
  auto csat = notes.Rank("csat", 3);  // only in N030's keywords
  ASSERT_EQ(csat.size(), 1u);
  EXPECT_EQ(csat[0].passage->id, "N030");
  EXPECT_EQ(csat[0].passage->text.find("csat"), std::string::npos);  // keywords are not the text
  EXPECT_TRUE(notes.Rank("zebra quantum", 3).empty());
  EXPECT_TRUE(notes.Rank("shipping", 0).empty());
  EXPECT_TRUE(PassageRanker({}).Rank("shipping", 3).empty());
}

}  // namespace
}  // namespace custintel::retrieval
