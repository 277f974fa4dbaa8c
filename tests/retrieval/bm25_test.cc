// BM25 scores against the formula worked by hand on a toy corpus; removal, filters and the
// postings file round trip.
#include "retrieval/bm25.h"

#include <gtest/gtest.h>

#include <cmath>

namespace custintel::retrieval {
namespace {

// doc 0: 3 terms, doc 1: 6 terms, doc 2: 3 terms; avgdl = 4; df(cat) = df(dog) = 2, N = 3.
Bm25Index ToyCorpus() {
  Bm25Index index;
  index.Add(0, "The cat sat.");
  index.Add(1, "The dog sat on the mat");
  index.Add(2, "Cat, cat, DOG!");
  return index;
}

// idf = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln(1.6) = 0.470004
// doc 0, tf 1, |d| 3: 0.470004 * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 3/4)) = 0.523548
// doc 2, tf 2, |d| 3: 0.470004 * 4.4 / (2 + 0.975)                     = 0.695131
// doc 1, tf 1, |d| 6: 0.470004 * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 6/4)) = 0.390192
constexpr double kCatDoc0 = 0.523548, kCatDoc2 = 0.695131, kDogDoc1 = 0.390192, kDogDoc2 = 0.523548;

TEST(Bm25, ToyCorpus_ScoresMatchTheHandComputedFormula) {
  Bm25Index index = ToyCorpus();
  EXPECT_EQ(index.live_documents(), 3);
  EXPECT_DOUBLE_EQ(index.average_length(), 4.0);
  auto hits = index.Search("cat", 10, nullptr);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].slot, 2u);
  EXPECT_NEAR(hits[0].score, kCatDoc2, 1e-6);
  EXPECT_EQ(hits[1].slot, 0u);
  EXPECT_NEAR(hits[1].score, kCatDoc0, 1e-6);
}

TEST(Bm25, MultiTermQuery_SumsTermScoresAndCountsRepeatsOnce) {
  Bm25Index index = ToyCorpus();
  auto hits = index.Search("cat dog dog", 10, nullptr);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].slot, 2u);
  EXPECT_NEAR(hits[0].score, kCatDoc2 + kDogDoc2, 1e-6);
  EXPECT_EQ(hits[1].slot, 0u);
  EXPECT_NEAR(hits[1].score, kCatDoc0, 1e-6);
  EXPECT_EQ(hits[2].slot, 1u);
  EXPECT_NEAR(hits[2].score, kDogDoc1, 1e-6);
}

TEST(Bm25, Remove_UpdatesDocumentFrequencyAndAverageLength) {
  Bm25Index index = ToyCorpus();
  index.Remove(2);
  index.Remove(2);  // twice is harmless
  EXPECT_EQ(index.live_documents(), 2);
  EXPECT_DOUBLE_EQ(index.average_length(), 4.5);
  auto hits = index.Search("cat", 10, nullptr);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].slot, 0u);
  // N 2, df 1: idf ln(2); 0.693147 * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 3/4.5)) = 0.802591
  EXPECT_NEAR(hits[0].score, 0.802591, 1e-6);
}

// Length is normalised within a group (a source): a document of its group's average length
// gets the same term weight whatever that average is.
TEST(Bm25, Groups_NormaliseLengthWithinTheirOwnGroup) {
  Bm25Index index;
  index.Add(0, "cat sat", 0);
  index.Add(1, "dog sat", 0);
  index.Add(2, "cat a b c d e f g", 1);
  EXPECT_DOUBLE_EQ(index.average_length(0), 2.0);
  EXPECT_DOUBLE_EQ(index.average_length(1), 8.0);
  auto hits = index.Search("cat", 10, nullptr);
  ASSERT_EQ(hits.size(), 2u);
  // idf ln(1.6) = 0.470004; |d| = avgdl of the group: tf term 2.2 / (1 + 1.2) = 1 for both.
  // (One group would give 0.590862 and 0.333551: avgdl 4, the long document penalised.)
  EXPECT_NEAR(hits[0].score, 0.470004, 1e-6);
  EXPECT_NEAR(hits[1].score, 0.470004, 1e-6);
  EXPECT_EQ(hits[0].slot, 0u);  // a tie goes to the lower slot
}

TEST(Bm25, FilterAndK_AppliedWhileRanking) {
  Bm25Index index = ToyCorpus();
  SlotFilter not_two = [](uint32_t slot) { return slot != 2; };
  auto hits = index.Search("cat dog", 1, &not_two);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].slot, 0u);  // doc 2 would rank first; the filter leaves doc 0 as the best
  EXPECT_TRUE(index.Search("zebra", 5, nullptr).empty());
  EXPECT_TRUE(index.Search("cat", 0, nullptr).empty());
}

TEST(Bm25, EncodeDecode_RoundTripGivesTheSameScores) {
  Bm25Index index = ToyCorpus();
  index.Remove(1);
  index.Add(3, "a dog and a cat");
  auto decoded = Bm25Index::Decode(index.Encode());
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  auto a = index.Search("cat dog mat", 10, nullptr);
  auto b = decoded->Search("cat dog mat", 10, nullptr);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].slot, b[i].slot);
    EXPECT_DOUBLE_EQ(a[i].score, b[i].score);
  }
  EXPECT_EQ(decoded->live_documents(), 3);
  decoded->Remove(3);  // per-document term lists survive the round trip
  EXPECT_EQ(decoded->Search("cat", 10, nullptr).size(), 2u);
}

TEST(Bm25, Decode_GarbageIsCorruptionNotACrash) {
  std::string bytes = ToyCorpus().Encode();
  EXPECT_EQ(Bm25Index::Decode("nonsense").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(Bm25Index::Decode(bytes.substr(0, bytes.size() - 3)).status().code(), StatusCode::kCorruption);
  bytes[5] = '\x7f';  // the slot count, now far larger than the file
  EXPECT_EQ(Bm25Index::Decode(bytes).status().code(), StatusCode::kCorruption);
}

// A small fuzz: every single-byte change and every truncation of a valid file either decodes
// to an index that can be searched or is a Corruption.
TEST(Bm25, Decode_MutatedFilesNeverCrash) {
  Bm25Index index = ToyCorpus();
  index.Add(3, "dog days", 1);
  const std::string good = index.Encode();
  int decoded = 0;
  for (size_t pos = 0; pos < good.size(); ++pos) {
    for (unsigned char value : {0x00, 0x01, 0x7f, 0xff}) {
      std::string bad = good;
      bad[pos] = static_cast<char>(value);
      auto r = Bm25Index::Decode(bad);
      if (!r.ok()) {
        EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
        continue;
      }
      ++decoded;
      (void)r->Search("cat dog sat mat days", 10, nullptr);
    }
    EXPECT_FALSE(Bm25Index::Decode(good.substr(0, pos)).ok());
  }
  EXPECT_GT(decoded, 0);  // changes to lengths and term letters still decode
}

}  // namespace
}  // namespace custintel::retrieval
