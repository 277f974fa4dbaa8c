// `custintel search` end to end on a gen-data shop: the first search builds the index and says
// so, later ones reuse it, hits are printed as a table or JSON, bad flags exit 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "gen_shop.h"

namespace custintel::retrieval {
namespace {

using testing::RunCli;

class SearchCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shop_ = new GenShop(); }
  static void TearDownTestSuite() {
    delete shop_;
    shop_ = nullptr;
  }
  static std::string Db() { return " --db " + shop_->db(); }
  static GenShop* shop_;
};
GenShop* SearchCli::shop_ = nullptr;

TEST_F(SearchCli, FirstSearchBuildsTheIndexAndFindsTheShippingDelayNote) {
  auto r = RunCli("search \"late delivery\" --k 3" + Db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("building"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::exists(shop_->db() + ".retrieval/MANIFEST.json"));
  EXPECT_NE(r.out.find("score"), std::string::npos) << r.out;
  // Among 2000 reviews and tickets, a playbook about late deliveries makes the top 3:
  // N021 "Late delivery compensation" or N002 "Shipping delay apology".
  EXPECT_TRUE(r.out.find("note:N021") != std::string::npos || r.out.find("note:N002") != std::string::npos)
      << r.out;

  auto again = RunCli("search \"late delivery\" --k 3" + Db());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.err, "");  // the index was current: nothing rebuilt, nothing said
  EXPECT_EQ(again.out, r.out);
}

// The other top hits are the shop's own complaints: every one must be about a late delivery.
TEST_F(SearchCli, AllSources_TopHitsAreAboutLateDelivery) {
  auto r = RunCli("search \"late delivery\" --k 5 --json" + Db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto hits = nlohmann::json::parse(r.out);
  ASSERT_EQ(hits.size(), 5u);
  for (const auto& h : hits) {
    std::string text = h.at("text").get<std::string>();
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    EXPECT_NE(text.find("late"), std::string::npos) << text;
    EXPECT_NE(text.find("deliver"), std::string::npos) << text;
  }
}

TEST_F(SearchCli, Json_IsAnArrayOfHitsWithScoresAndRanks) {
  auto r = RunCli("search \"late delivery refund\" --k 5 --json" + Db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto hits = nlohmann::json::parse(r.out);
  ASSERT_TRUE(hits.is_array());
  ASSERT_EQ(hits.size(), 5u);
  double previous = 1e9;
  for (const auto& h : hits) {
    EXPECT_TRUE(h.at("id").get<std::string>().find(':') != std::string::npos);
    const double score = h.at("score").get<double>();
    EXPECT_LE(score, previous);
    previous = score;
    EXPECT_TRUE(!h.at("bm25_rank").is_null() || !h.at("vector_rank").is_null());
    EXPECT_FALSE(h.at("text").get<std::string>().empty());
  }
}

TEST_F(SearchCli, SourceFilter_OnlyThatSource) {
  auto r = RunCli("search \"late delivery\" --source ticket --k 4 --json" + Db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto hits = nlohmann::json::parse(r.out);
  ASSERT_EQ(hits.size(), 4u);
  for (const auto& h : hits) EXPECT_EQ(h.at("source"), "ticket");
  auto notes = RunCli("search \"late delivery\" --source note --k 3 --json" + Db());
  ASSERT_EQ(notes.exit_code, 0) << notes.err;
  auto top = nlohmann::json::parse(notes.out);
  ASSERT_FALSE(top.empty());
  EXPECT_EQ(top[0].at("id"), "note:N021");
}

TEST_F(SearchCli, NewDataIsPickedUpByTheNextSearch) {
  ASSERT_EQ(RunCli("search zeppelin" + Db()).exit_code, 0);  // the index exists and is current
  auto sql = RunCli("sql" + Db() +
                    " \"INSERT INTO silver.notes (note_id, title, body) VALUES ('N999', 'Zeppelin freight', "
                    "'Oversized parcels travel by zeppelin.')\"");
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  auto r = RunCli("search zeppelin --k 1 --json" + Db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("retrieval: 1 added, 0 updated, 0 removed"), std::string::npos) << r.err;
  auto hits = nlohmann::json::parse(r.out);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].at("id"), "note:N999");
}

TEST_F(SearchCli, BadInput_ExitsWithOneLineErrors) {
  auto k0 = RunCli("search late --k 0" + Db());
  EXPECT_EQ(k0.exit_code, 2);
  EXPECT_NE(k0.err.find("--k"), std::string::npos) << k0.err;
  auto src = RunCli("search late --source emails" + Db());
  EXPECT_EQ(src.exit_code, 2);
  EXPECT_NE(src.err.find("emails"), std::string::npos) << src.err;
  auto empty = RunCli("search '  '" + Db());
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("empty"), std::string::npos) << empty.err;
  auto missing = RunCli("search late --db " + shop_->File("nope.duckdb"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no such database"), std::string::npos) << missing.err;
  auto help = RunCli("search --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--source"), std::string::npos);
}

}  // namespace
}  // namespace custintel::retrieval
