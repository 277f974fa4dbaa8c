#include "models/recommend.h"

#include <algorithm>

#include "features/customer_features.h"
#include "model_fixture.h"
#include "models/recommend_data.h"

namespace custintel::models {
namespace {

std::vector<PurchaseLine> Sorted(std::vector<PurchaseLine> v) {
  std::sort(v.begin(), v.end(), [](const PurchaseLine& a, const PurchaseLine& b) {
    return std::tie(a.customer, a.product, a.day) < std::tie(b.customer, b.product, b.day);
  });
  return v;
}

// Products 0 and 1 are always bought together; 2 is popular on its own; 3 is customer 0's
// essential (every 10 days).
std::vector<PurchaseLine> Shop() {
  std::vector<PurchaseLine> v;
  for (uint32_t c = 1; c <= 20; ++c) {
    v.push_back({c, 2, 100});
    if (c <= 8) v.push_back({c, 0, 100}), v.push_back({c, 1, 100});
  }
  for (int d : {100, 110, 120}) v.push_back({0, 3, d});
  v.push_back({0, 0, 120});
  return Sorted(v);
}

std::span<const PurchaseLine> Of(const std::vector<PurchaseLine>& lines, uint32_t c) {
  auto off = CustomerOffsets(lines, 21);
  return std::span(lines).subspan(off[c], off[c + 1] - off[c]);
}

TEST(Recommender, DueEssentialsComeFirstThenCrossSellThenPopular) {
  const auto lines = Shop();
  RecommendOptions o;
  o.top_n = 4;
  Recommender rec = Recommender::Fit(lines, 5, o);
  auto top = rec.Recommend(Of(lines, 0), 131);  // 11 days since the last of a 10-day rhythm
  ASSERT_EQ(top.size(), 4u);
  EXPECT_EQ(top[0].product, 3u);
  EXPECT_EQ(top[0].reason, RecommendReason::kEssentialDue);
  EXPECT_STREQ(RecommendReasonText(top[0].reason), "usual essentials due");
  EXPECT_EQ(top[1].product, 1u);  // bought with 0 by every buyer of 0
  EXPECT_EQ(top[1].reason, RecommendReason::kBoughtTogether);
  EXPECT_EQ(top[2].reason, RecommendReason::kBoughtTogether);  // 2 co-occurs with 0 too
  EXPECT_EQ(top[3].reason, RecommendReason::kPopular);
}

TEST(Recommender, NotYetDueEssentialIsBoughtRegularly) {
  const auto lines = Shop();
  Recommender rec = Recommender::Fit(lines, 5, {});
  auto top = rec.Recommend(Of(lines, 0), 125);
  EXPECT_EQ(top[0].product, 3u);
  EXPECT_EQ(top[0].reason, RecommendReason::kBoughtRegularly);
  EXPECT_NEAR(top[0].score, 0.5, 1e-9);
}

TEST(Recommender, NewCustomerGetsPopularFirstPurchases) {
  const auto lines = Shop();
  Recommender rec = Recommender::Fit(lines, 5, {});
  auto top = rec.Recommend({}, 200);
  ASSERT_FALSE(top.empty());
  EXPECT_EQ(top[0].product, 2u);
  EXPECT_EQ(top[0].reason, RecommendReason::kPopularFirst);
  for (const auto& r : top) EXPECT_EQ(r.reason, RecommendReason::kPopularFirst);
  EXPECT_EQ(rec.Popular(1), std::vector<uint32_t>{2});
}

TEST(Recommender, NoDuplicatesAndAtMostTopN) {
  const auto lines = Shop();
  RecommendOptions o;
  o.top_n = 10;
  Recommender rec = Recommender::Fit(lines, 5, o);
  for (uint32_t c = 0; c <= 20; ++c) {
    auto top = rec.Recommend(Of(lines, c), 130);
    EXPECT_LE(top.size(), 5u);  // only 4 products were ever bought
    std::vector<uint32_t> ps;
    for (auto& r : top) ps.push_back(r.product);
    std::sort(ps.begin(), ps.end());
    EXPECT_EQ(std::unique(ps.begin(), ps.end()), ps.end());
  }
}

TEST(Recommender, EvaluationBeatsPopularityWhenCustomersRebuy) {
  // 200 customers each rebuy a personal staple (product 10 + c % 40) every 7 days plus one
  // random popular product per basket; the last basket holds the staple.
  PurchaseData d;
  for (uint32_t c = 0; c < 200; ++c) d.customer_ids.push_back("C" + std::to_string(c));
  for (uint32_t p = 0; p < 50; ++p) d.product_ids.push_back("P" + std::to_string(p));
  for (uint32_t c = 0; c < 200; ++c) {
    for (int k = 0; k < 4; ++k) {
      d.lines.push_back({c, 10 + c % 40, 100 + 7 * k});
      d.lines.push_back({c, static_cast<uint32_t>((c + k) % 10), 100 + 7 * k});
    }
  }
  d.lines = Sorted(d.lines);
  RecommendEvaluation e = EvaluateRecommendations(d);
  EXPECT_EQ(e.customers, 200u);
  EXPECT_NEAR(e.hit_rate_at_10, 1.0, 1e-9);
  EXPECT_GT(e.recall_at_10, e.baseline_recall_at_10);
  EXPECT_GT(e.hit_rate_at_10, e.baseline_hit_rate_at_10 - 1e-9);
  EXPECT_NE(RecommendEvaluationToJson(e).find("\"baseline_recall_at_10\""), std::string::npos);
}

class RecommendDbTest : public InMemoryDbTest {};

TEST_F(RecommendDbTest, WritesTopNWithReasonsForEveryCustomer) {
  Exec(R"sql(
    INSERT INTO silver.customers(customer_id, acquisition_date) VALUES ('A', '2026-01-01'), ('B', '2026-01-01'),
      ('NEW', '2026-06-01'), ('FUTURE', '2026-12-01');
    INSERT INTO silver.products(product_id, name, category, price) VALUES
      ('P1', 'Coffee', 'Food', 5), ('P2', 'Mug', 'Home', 9), ('P3', 'Filter', 'Food', 3);
    INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) VALUES
      ('o1', 'A', '2026-05-01', 5, 'completed'), ('o2', 'A', '2026-05-11', 5, 'completed'),
      ('o3', 'B', '2026-05-01', 14, 'completed'), ('o4', 'B', '2026-05-20', 3, 'cancelled');
    INSERT INTO silver.order_items(order_id, product_id, quantity, unit_price) VALUES
      ('o1', 'P1', 1, 5), ('o2', 'P1', 1, 5), ('o3', 'P1', 1, 5), ('o3', 'P2', 1, 9), ('o4', 'P3', 1, 3);
  )sql");
  RecommendOptions o;
  o.min_co_buyers = 1;  // one shared buyer is enough in a three-order shop
  Status s = BuildRecommendations(*conn_, "2026-06-30 00:00:00+00", o);
  ASSERT_TRUE(s.ok()) << s.message();
  auto a = Query("SELECT product_id, reason, product_name, rank FROM gold.recommendations WHERE customer_id = 'A' ORDER BY rank");
  ASSERT_GE(a.row_count(), 2u);
  EXPECT_EQ(a.GetString(0, 0), "P1");
  EXPECT_EQ(a.GetString(1, 0), "usual essentials due");
  EXPECT_EQ(a.GetString(2, 0), "Coffee");
  EXPECT_EQ(a.GetString(0, 1), "P2");
  EXPECT_EQ(a.GetString(1, 1), "bought together");
  auto n = Query("SELECT reason FROM gold.recommendations WHERE customer_id = 'NEW' ORDER BY rank");
  ASSERT_GE(n.row_count(), 1u);
  EXPECT_EQ(n.GetString(0, 0), "popular first purchase");
  EXPECT_EQ(Query("SELECT count(*) FROM gold.recommendations WHERE customer_id = 'FUTURE'").GetInt64(0, 0), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM gold.recommendations WHERE product_id = 'P3'").GetInt64(0, 0), 0);
}

}  // namespace
}  // namespace custintel::models
