// retrieval::Index over a small shop: hybrid search, filters, masking, incremental refresh,
// persistence, and recovery from damaged or outdated index files.
#include "retrieval/index.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "retrieval_fixture.h"

namespace custintel::retrieval {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Ids(const std::vector<Hit>& hits) {
  std::vector<std::string> ids;
  for (const auto& h : hits) ids.push_back(h.id);
  return ids;
}

const Hit* Find(const std::vector<Hit>& hits, const std::string& id) {
  for (const auto& h : hits) {
    if (h.id == id) return &h;
  }
  return nullptr;
}

// The builtin backend under another model name: a different embedding model identity.
class RenamedBackend : public ai::Backend {
 public:
  explicit RenamedBackend(std::string model) : inner_(ai::MakeBuiltinBackend()), id_(inner_->identity()) {
    id_.model = std::move(model);
  }
  const ai::ModelIdentity& identity() const override { return id_; }
  ai::Batch<ai::Completion> Generate(std::span<const std::string> p, const ai::Sampling& s) override {
    return inner_->Generate(p, s);
  }
  ai::Batch<ai::Scored> Choose(std::span<const std::string> p, std::span<const std::string> c) override {
    return inner_->Choose(p, c);
  }
  ai::Batch<ai::Completion> GenerateJson(std::span<const std::string> p, const std::string& schema,
                                         const ai::Sampling& s) override {
    return inner_->GenerateJson(p, schema, s);
  }
  ai::Batch<ai::Embedding> Embed(std::span<const std::string> texts) override { return inner_->Embed(texts); }
  Result<std::vector<double>> Rerank(const std::string& q, std::span<const std::string> docs) override {
    return inner_->Rerank(q, docs);
  }

 private:
  std::unique_ptr<ai::Backend> inner_;
  ai::ModelIdentity id_;
};

using IndexTest = ShopFixture;

TEST_F(IndexTest, Hybrid_FindsTheShippingNoteAndReportsBothRanks) {
  auto index = Index::InMemory(*conn_, NewAi());
  ASSERT_TRUE(index.ok()) << index.status().message();
  EXPECT_TRUE(index->last_refresh().created);
  EXPECT_EQ(index->last_refresh().added, 8);
  auto hits = index->Search("shipping delay refund", {.k = 3, .sources = {"note"}});
  ASSERT_TRUE(hits.ok()) << hits.status().message();
  ASSERT_FALSE(hits->empty());
  const Hit& top = hits->front();
  EXPECT_EQ(top.id, "note:N001");
  EXPECT_EQ(top.source, "note");
  EXPECT_EQ(top.bm25_rank, 1);
  EXPECT_EQ(top.vector_rank, 1);
  EXPECT_DOUBLE_EQ(top.score, 2.0 / 61);
  EXPECT_GT(top.bm25_score, 0);
  EXPECT_GT(top.vector_score, 0);
  EXPECT_EQ(top.text, "Shipping delay apology. If an order is late, apologise and refund the shipping fee.");
}

TEST_F(IndexTest, ReviewAndTicketText_IsMaskedBeforeItIsIndexedOrReturned) {
  auto index = Index::InMemory(*conn_, NewAi());
  ASSERT_TRUE(index.ok()) << index.status().message();
  auto hits = index->Search("late delivery", {.k = 10});
  ASSERT_TRUE(hits.ok());
  const Hit* review = Find(*hits, "review:R001");
  const Hit* ticket = Find(*hits, "ticket:T001");
  ASSERT_NE(review, nullptr);
  ASSERT_NE(ticket, nullptr);
  EXPECT_EQ(review->customer_id, "C1");
  EXPECT_EQ(review->product_id, "P1");
  EXPECT_EQ(review->text.find("jane.doe@example.com"), std::string::npos) << review->text;
  EXPECT_EQ(review->text.find("Jane Doe"), std::string::npos) << review->text;
  EXPECT_NE(review->text.find("[EMAIL_1]"), std::string::npos) << review->text;
  EXPECT_EQ(ticket->text.find("7946"), std::string::npos) << ticket->text;
  // Raw PII is not searchable either.
  auto by_email = index->Search("jane.doe@example.com", {.k = 10, .method = Method::kBm25});
  ASSERT_TRUE(by_email.ok());
  EXPECT_EQ(Find(*by_email, "review:R001"), nullptr);
}

TEST_F(IndexTest, CustomerFilter_RestrictsReviewsAndTicketsButNotNotes) {
  auto index = Index::InMemory(*conn_, NewAi());
  ASSERT_TRUE(index.ok()) << index.status().message();
  const std::unordered_set<std::string> only_c3 = {"C3"};
  for (Method method : {Method::kHybrid, Method::kBm25, Method::kVector}) {
    auto hits = index->Search("late delivery refund", {.k = 10, .customer_ids = &only_c3, .method = method});
    ASSERT_TRUE(hits.ok());
    bool saw_c3 = false;
    for (const auto& h : *hits) {
      if (h.source == "note") continue;
      EXPECT_EQ(h.customer_id, "C3") << h.id;
      saw_c3 = true;
    }
    EXPECT_TRUE(saw_c3);
    EXPECT_NE(Find(*hits, "note:N001"), nullptr);
  }
  auto tickets = index->Search("late delivery refund", {.k = 10, .sources = {"ticket"}});
  ASSERT_TRUE(tickets.ok());
  EXPECT_EQ(Ids(*tickets), (std::vector<std::string>{"ticket:T001", "ticket:T002"}));
}

TEST_F(IndexTest, BadQueries_AreInvalidArguments) {
  auto index = Index::InMemory(*conn_, NewAi());
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->Search("  ", {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index->Search("late", {.k = 0}).status().code(), StatusCode::kInvalidArgument);
  auto bad = index->Search("late", {.sources = {"email"}});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("email"), std::string::npos);
  auto none = index->Search("zyzzyva", {.method = Method::kBm25});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // Embeddings always have nearest neighbours; the hybrid shows they matched no term.
  auto near = index->Search("zyzzyva", {});
  ASSERT_TRUE(near.ok());
  for (const auto& h : *near) EXPECT_EQ(h.bm25_rank, 0) << h.id;
}

TEST_F(IndexTest, Refresh_EmbedsOnlyNewAndChangedDocuments) {
  auto ai = NewAi();
  auto index = Index::Open(*conn_, IndexDir(), ai);
  ASSERT_TRUE(index.ok()) << index.status().message();
  const int64_t calls_after_build = ai->stats().backend_calls;
  EXPECT_EQ(calls_after_build, 8);

  Sql("INSERT INTO silver.reviews (review_id, customer_id, product_id, rating, title, review_text) VALUES "
      "('R004', 'C2', 'P3', 1, 'Umbrella broke', 'The umbrella snapped in the first storm.')");
  Sql("UPDATE silver.notes SET body = 'Umbrellas that snap in wind get a free replacement.' WHERE note_id = 'N002'");
  Sql("DELETE FROM silver.tickets WHERE ticket_id = 'T002'");
  auto report = index->Refresh(*conn_);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->added, 1);
  EXPECT_EQ(report->updated, 1);
  EXPECT_EQ(report->removed, 1);
  EXPECT_EQ(report->unchanged, 6);
  EXPECT_EQ(report->embedded, 2);
  EXPECT_EQ(ai->stats().backend_calls - calls_after_build, 2);  // unchanged documents not re-embedded
  EXPECT_EQ(report->ToString(), "retrieval: 1 added, 1 updated, 1 removed, 6 unchanged (2 embedded)");

  auto hits = index->Search("umbrella snapped", {.k = 5});
  ASSERT_TRUE(hits.ok());
  EXPECT_NE(Find(*hits, "review:R004"), nullptr);
  EXPECT_NE(Find(*hits, "note:N002"), nullptr);
  auto gone = index->Search("duplicate payment", {.k = 10});
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(Find(*gone, "ticket:T002"), nullptr);
  auto old = index->Search("defects", {.k = 10, .method = Method::kBm25});
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(Find(*old, "note:N002"), nullptr);

  auto again = index->Refresh(*conn_);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed());
  EXPECT_EQ(again->unchanged, 8);
  EXPECT_EQ(index->stats().documents, 8);
}

TEST_F(IndexTest, LongDocument_IsFoundByItsBestPassage) {
  const char* kSteps[] = {"greet", "verify", "listen", "summarise", "check", "confirm", "log", "escalate", "close",
                          "follow"};
  std::string body;
  for (const char* step : kSteps) body += fmt::format("Agents {} each caller politely and note the order number. ", step);
  body += "Umbrellas broken by hurricane winds are replaced at no cost.";
  Sql("INSERT INTO silver.notes (note_id, title, body) VALUES ('N100', 'Call handling', '" + body + "')");
  auto ai = NewAi();
  auto index = Index::InMemory(*conn_, ai);
  ASSERT_TRUE(index.ok()) << index.status().message();
  // 8 short documents one vector each; the long note: whole text, title, 2 sentence groups.
  EXPECT_EQ(index->last_refresh().embedded, 8 + 4);
  EXPECT_EQ(ai->stats().backend_calls, 8 + 4);
  const std::string query = "hurricane umbrellas replaced";
  auto hits = index->Search(query, {.k = 1, .method = Method::kVector});
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ(hits->front().id, "note:N100");
  // Scored by its best passage, not by the vector of the whole (diluted) text.
  const std::vector<std::string> pair = {query, "Call handling. " + body};
  auto vecs = ai->Embed(pair);
  double whole = 0;
  for (size_t i = 0; i < vecs[0]->size(); ++i) whole += (*vecs[0])[i] * (*vecs[1])[i];
  EXPECT_GT(hits->front().vector_score, whole + 0.05);
}

TEST_F(IndexTest, PersistedIndex_ReopensWithoutRebuilding) {
  std::vector<Hit> before;
  {
    auto index = Index::Open(*conn_, IndexDir(), NewAi());
    ASSERT_TRUE(index.ok()) << index.status().message();
    before = *index->Search("late delivery", {.k = 5});
  }
  ASSERT_TRUE(fs::exists(IndexDir() + "/MANIFEST.json"));
  auto ai = NewAi();
  auto reopened = Index::Open(*conn_, IndexDir(), ai);
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  const RefreshReport& r = reopened->last_refresh();
  EXPECT_FALSE(r.created);
  EXPECT_EQ(r.rebuilt_reason, "");
  EXPECT_EQ(r.unchanged, 8);
  EXPECT_EQ(r.embedded, 0);
  EXPECT_EQ(ai->stats().backend_calls, 0);
  auto after = reopened->Search("late delivery", {.k = 5});
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(Ids(*after), Ids(before));
  for (size_t i = 0; i < before.size(); ++i) EXPECT_DOUBLE_EQ((*after)[i].score, before[i].score);
  EXPECT_EQ(reopened->stats().dimensions, 512);
  EXPECT_EQ(reopened->stats().model.rfind("builtin/", 0), 0u) << reopened->stats().model;
}

TEST_F(IndexTest, PersistedIndex_IncrementalChangeSurvivesReopen) {
  {
    auto index = Index::Open(*conn_, IndexDir(), NewAi());
    ASSERT_TRUE(index.ok());
  }
  Sql("DELETE FROM silver.reviews WHERE review_id = 'R002'");
  {
    auto index = Index::Open(*conn_, IndexDir(), NewAi());
    ASSERT_TRUE(index.ok());
    EXPECT_EQ(index->last_refresh().removed, 1);
  }
  auto ai = NewAi();
  auto index = Index::Open(*conn_, IndexDir(), ai);
  ASSERT_TRUE(index.ok());
  EXPECT_FALSE(index->last_refresh().changed());
  EXPECT_EQ(index->stats().reviews, 2);
  auto hits = index->Search("coffee mug glaze", {.k = 10});
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(Find(*hits, "review:R002"), nullptr);
}

// Replaces the named file of the index's current generation (by prefix) with `bytes`.
void Damage(const std::string& dir, const std::string& prefix, const std::string& bytes) {
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) {
      std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << bytes;
      return;
    }
  }
  FAIL() << "no file " << prefix << "* in " << dir;
}

TEST_F(IndexTest, DamagedFiles_AreRebuiltWithAReasonNeverACrash) {
  const std::vector<std::pair<std::string, std::string>> damages = {
      {"vectors-", "garbage"}, {"bm25-", "BM52 but not really"}, {"docs-", ""}, {"MANIFEST", "{not json"}};
  for (const auto& [file, bytes] : damages) {
    {
      auto index = Index::Open(*conn_, IndexDir(), NewAi());
      ASSERT_TRUE(index.ok()) << index.status().message();
    }
    Damage(IndexDir(), file, bytes);
    auto index = Index::Open(*conn_, IndexDir(), NewAi());
    ASSERT_TRUE(index.ok()) << file << ": " << index.status().message();
    EXPECT_TRUE(index->last_refresh().created) << file;
    EXPECT_FALSE(index->last_refresh().rebuilt_reason.empty()) << file;
    EXPECT_EQ(index->last_refresh().added, 8) << file;
    auto hits = index->Search("late delivery", {.k = 3});
    ASSERT_TRUE(hits.ok());
    EXPECT_EQ(hits->size(), 3u);
  }
}

TEST_F(IndexTest, OtherFormatVersion_IsRebuilt) {
  {
    auto index = Index::Open(*conn_, IndexDir(), NewAi());
    ASSERT_TRUE(index.ok());
  }
  const std::string path = IndexDir() + "/MANIFEST.json";
  auto manifest = nlohmann::json::parse(testing::ReadFile(path));
  manifest["format"] = 99;
  testing::WriteFile(path, manifest.dump());
  auto index = Index::Open(*conn_, IndexDir(), NewAi());
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->last_refresh().rebuilt_reason, "format 99 != 1");
  auto reopened = Index::Open(*conn_, IndexDir(), NewAi());
  ASSERT_TRUE(reopened.ok());
  EXPECT_FALSE(reopened->last_refresh().changed());  // the rebuilt index was written back
}

TEST_F(IndexTest, EmbeddingModelChange_RebuildsVectorsOnly) {
  {
    auto index = Index::Open(*conn_, IndexDir(), NewAi());
    ASSERT_TRUE(index.ok());
  }
  auto ai = std::make_shared<ai::AiService>(std::make_shared<RenamedBackend>("another-model"), nullptr, nullptr);
  auto index = Index::Open(*conn_, IndexDir(), ai);
  ASSERT_TRUE(index.ok()) << index.status().message();
  const RefreshReport& r = index->last_refresh();
  EXPECT_EQ(r.rebuilt_reason, "model changed");
  EXPECT_EQ(r.unchanged, 8);
  EXPECT_EQ(r.embedded, 8);
  EXPECT_NE(index->stats().model.find("another-model"), std::string::npos);
  auto hits = index->Search("late delivery", {.k = 3, .method = Method::kVector});
  ASSERT_TRUE(hits.ok());
  EXPECT_FALSE(hits->empty());
}

TEST_F(IndexTest, AtomicWrites_LeaveOnlyOneGenerationAndNoTemporaries) {
  auto index = Index::Open(*conn_, IndexDir(), NewAi());
  ASSERT_TRUE(index.ok());
  Sql("DELETE FROM silver.notes WHERE note_id = 'N003'");
  ASSERT_TRUE(index->Refresh(*conn_).ok());
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(IndexDir())) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"MANIFEST.json", "bm25-2.bin", "docs-2.bin", "vectors-2.hnsw"}));
}

TEST(IndexDirFor, BesideTheDatabaseAndNoneInMemory) {
  EXPECT_EQ(IndexDirFor("/data/shop.duckdb"), "/data/shop.duckdb.retrieval");
  EXPECT_EQ(IndexDirFor(":memory:"), "");
  EXPECT_EQ(IndexDirFor(""), "");
}

}  // namespace
}  // namespace custintel::retrieval
