// Reciprocal rank fusion: scores, ranks per list, order and ties.
#include "retrieval/fusion.h"

#include <gtest/gtest.h>

namespace custintel::retrieval {
namespace {

std::vector<Scored> Ranking(std::vector<uint32_t> slots) {
  std::vector<Scored> out;
  double score = 10;
  for (uint32_t s : slots) out.push_back({s, score--});
  return out;
}

TEST(Fusion, TwoRankings_SumsReciprocalRanks) {
  std::vector<Scored> lists[2] = {Ranking({1, 2, 3}), Ranking({3, 1, 4})};
  auto fused = FuseReciprocalRank(lists, 10);
  ASSERT_EQ(fused.size(), 4u);
  // 1: 1/61 + 1/62; 3: 1/63 + 1/61; 2: 1/62; 4: 1/63.
  EXPECT_EQ(fused[0].slot, 1u);
  EXPECT_DOUBLE_EQ(fused[0].score, 1.0 / 61 + 1.0 / 62);
  EXPECT_EQ(fused[0].ranks, (std::vector<int>{1, 2}));
  EXPECT_EQ(fused[1].slot, 3u);
  EXPECT_DOUBLE_EQ(fused[1].score, 1.0 / 63 + 1.0 / 61);
  EXPECT_EQ(fused[1].ranks, (std::vector<int>{3, 1}));
  EXPECT_EQ(fused[2].slot, 2u);
  EXPECT_EQ(fused[2].ranks, (std::vector<int>{2, 0}));
  EXPECT_EQ(fused[3].slot, 4u);
  EXPECT_DOUBLE_EQ(fused[3].score, 1.0 / 63);
  EXPECT_EQ(fused[3].ranks, (std::vector<int>{0, 3}));
  EXPECT_DOUBLE_EQ(fused[3].scores[1], 8);  // the item's own score in the list that has it
}

TEST(Fusion, KeepsTopKAndBreaksTiesDeterministically) {
  std::vector<Scored> lists[2] = {Ranking({6, 9}), Ranking({5, 9})};
  auto fused = FuseReciprocalRank(lists, 2);
  ASSERT_EQ(fused.size(), 2u);
  EXPECT_EQ(fused[0].slot, 9u);  // 2/62 beats 1/61
  EXPECT_EQ(fused[1].slot, 5u);  // 5 and 6 tie on score and best rank: lower slot first
}

TEST(Fusion, CustomConstantAndEmptyInputs) {
  std::vector<Scored> lists[2] = {Ranking({7}), {}};
  auto fused = FuseReciprocalRank(lists, 5, 1);
  ASSERT_EQ(fused.size(), 1u);
  EXPECT_DOUBLE_EQ(fused[0].score, 0.5);
  std::vector<Scored> none[2];
  EXPECT_TRUE(FuseReciprocalRank(none, 5).empty());
}

}  // namespace
}  // namespace custintel::retrieval
