#include "models/recommend/recommend.h"

#include <algorithm>
#include <cmath>

#include <unordered_map>

#include "features/customer_features.h"
#include "model_fixture.h"
#include "models/clv_score.h"
#include "models/recommend/recommend_baselines.h"
#include "models/recommend/recommend_data.h"
#include "models/recommend/recommend_store.h"

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

TEST(Recommender, DueEssentialsComeFirstThenWhatWasBoughtThenCrossSell) {
  const auto lines = Shop();
  RecommendOptions o;
  o.top_n = 4;
  Recommender rec = Recommender::Fit(lines, 5, o);
  auto top = rec.Recommend(Of(lines, 0), 131);  // 11 days since the last of a 10-day rhythm
  ASSERT_EQ(top.size(), 4u);
  EXPECT_EQ(top[0].product, 3u);
  EXPECT_EQ(top[0].reason, RecommendReason::kEssentialDue);
  EXPECT_STREQ(RecommendReasonText(top[0].reason), "usual essentials due");
  // 0 is in the last of 3 baskets: 0.81 / (1 + 0.9 + 0.81) of the decayed baskets.
  EXPECT_EQ(top[1].product, 0u);
  EXPECT_EQ(top[1].reason, RecommendReason::kBoughtBefore);
  EXPECT_NEAR(top[1].score, 1 / 2.71, 1e-9);
  EXPECT_STREQ(RecommendReasonText(top[1].reason), "bought before");
  // 1 is bought with 0 by 8 of 0's 9 buyers: 0.369 × 8 / (9^0.75 · 8^0.25) (target_damping 0.25).
  EXPECT_EQ(top[2].product, 1u);
  EXPECT_EQ(top[2].reason, RecommendReason::kBoughtTogether);
  EXPECT_NEAR(top[2].score, 8 / (std::pow(9.0, 0.75) * std::pow(8.0, 0.25)) / 2.71, 1e-6);
  EXPECT_EQ(top[3].product, 2u);  // 2 co-occurs with 0 too, less often
  EXPECT_EQ(top[3].reason, RecommendReason::kBoughtTogether);
  // Customer 12 bought only 2: it, then 0 and 1 bought together with it, then popular 3.
  auto other = rec.Recommend(Of(lines, 12), 131);
  ASSERT_EQ(other.size(), 4u);
  EXPECT_EQ(other[0].product, 2u);
  EXPECT_EQ(other[0].reason, RecommendReason::kBoughtBefore);
  EXPECT_EQ(other[1].reason, RecommendReason::kBoughtTogether);
  EXPECT_EQ(other[2].reason, RecommendReason::kBoughtTogether);
  EXPECT_EQ(other[3].product, 3u);
  EXPECT_EQ(other[3].reason, RecommendReason::kPopular);
}

TEST(Recommender, NotYetDueEssentialIsBoughtRegularly) {
  const auto lines = Shop();
  Recommender rec = Recommender::Fit(lines, 5, {});
  auto top = rec.Recommend(Of(lines, 0), 125);
  EXPECT_EQ(top[0].product, 3u);
  EXPECT_EQ(top[0].reason, RecommendReason::kBoughtRegularly);
  // In every basket (frequency 1), half its interval since the last: (0.5 / 0.8)^0.5.
  EXPECT_NEAR(top[0].score, std::sqrt(0.625), 1e-9);
  // Just bought: an essential not due yet falls behind what else the customer bought.
  auto just = rec.Recommend(Of(lines, 0), 121);
  ASSERT_GE(just.size(), 2u);
  EXPECT_EQ(just[0].product, 0u);  // 1 / 2.71 = 0.369
  EXPECT_EQ(just[1].product, 3u);  // (0.1 / 0.8)^0.5 = 0.354
  EXPECT_NEAR(just[1].score, std::sqrt(0.125), 1e-9);
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
  ASSERT_EQ(e.methods.size(), 4u);
  const RecommendScores &own = e.methods[0], &popular = e.methods[1];
  EXPECT_EQ(own.method, "custintel");
  EXPECT_EQ(popular.method, "popularity");
  EXPECT_NEAR(own.hit_rate_at_10, 1.0, 1e-9);
  EXPECT_GT(own.recall_at_10, popular.recall_at_10);
  EXPECT_GT(own.ndcg_at_10, popular.ndcg_at_10);
  EXPECT_GT(own.hit_rate_at_10, popular.hit_rate_at_10 - 1e-9);
  // Personal top holds the staple too (bought on every day): it finds it as well.
  EXPECT_NEAR(e.methods[2].hit_rate_at_10, 1.0, 1e-9);
  EXPECT_NE(RecommendEvaluationToJson(e).find("\"tifu_knn\""), std::string::npos);
  // Above the cap every n-th eligible customer is scored, and the evaluation says so.
  RecommendEvaluation sampled = EvaluateRecommendations(d, {}, 50);
  EXPECT_EQ(sampled.eligible, 200u);
  EXPECT_EQ(sampled.stride, 4u);
  EXPECT_EQ(sampled.customers, 50u);
  EXPECT_NEAR(sampled.methods[0].hit_rate_at_10, 1.0, 1e-9);
}

// A basket history small enough to work TIFU-KNN out by hand (recommend_baselines.h).
// Products A..E = 0..4. Customer 0: day 1 {A}, day 2 {A, B}, day 3 {C}; customer 1: day 5 {B, D};
// customer 2: day 5 {E}.
std::vector<PurchaseLine> TinyHistory() {
  return Sorted({{0, 0, 1}, {0, 0, 2}, {0, 1, 2}, {0, 2, 3}, {1, 1, 5}, {1, 3, 5}, {2, 4, 5}});
}

TEST(RecommendBaselines, PersonalTopCountsPurchaseDaysThenRecency) {
  const auto lines = TinyHistory();
  // A on 2 days; B and C on one each, C more recently.
  EXPECT_EQ(PersonalTop(Of(lines, 0), 10), (std::vector<uint32_t>{0, 2, 1}));
  EXPECT_EQ(PersonalTop(Of(lines, 0), 1), (std::vector<uint32_t>{0}));
  EXPECT_TRUE(PersonalTop(Of(lines, 7), 10).empty());
}

TEST(RecommendBaselines, TifuKnnMatchesTheHandWorkedVectors) {
  TifuKnnOptions o;
  o.group_size = 2;
  o.within_decay = 0.5;
  o.group_decay = 0.5;
  o.neighbours = 1;
  o.alpha = 0.5;
  TifuKnn t = TifuKnn::Fit(TinyHistory(), 3, 5, o);
  // Customer 0: 3 baskets, groups from the latest: {day 2, day 3} and {day 1}; 2 groups.
  // day 3: 0.5^0 / 2 · 0.5^0 / 2 = 0.25; day 2: 0.5^1 / 2 · 1 / 2 = 0.125; day 1: 1 / 1 · 0.5 / 2 = 0.25.
  auto v = t.Vector(0);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].product, 0u);
  EXPECT_NEAR(v[0].weight, 0.375, 1e-12);  // A: days 1 and 2
  EXPECT_NEAR(v[1].weight, 0.125, 1e-12);  // B: day 2
  EXPECT_NEAR(v[2].weight, 0.25, 1e-12);   // C: day 3
  EXPECT_NEAR(t.Vector(1)[0].weight, 1.0, 1e-12);
  // Its one neighbour is customer 1 (shares B; customer 2 shares nothing):
  // A 0.5·0.375 = 0.1875, B 0.5·0.125 + 0.5·1 = 0.5625, C 0.125, D 0.5.
  EXPECT_EQ(t.Recommend(0, 3), (std::vector<uint32_t>{1, 3, 0}));
  EXPECT_EQ(t.Recommend(0, 10), (std::vector<uint32_t>{1, 3, 0, 2}));
  // Customer 2 has no neighbour: only its own product.
  EXPECT_EQ(t.Recommend(2, 10), (std::vector<uint32_t>{4}));
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

// ---- Incremental runs: the scope recommended with the last full run's model ---------------

class ScopedRecommendationsTest : public GeneratedShopTest {
 protected:
  void SetUp() override {
    OpenCopy(work_);
    as_of_ = LastRunAsOf();
    Exec("CREATE TEMP TABLE before_recs AS SELECT * FROM gold.recommendations; "
         "CREATE TEMP TABLE before_model AS SELECT * FROM meta.recommender_model; "
         "CREATE TEMP TABLE before_products AS SELECT * FROM meta.recommender_products; "
         "CREATE TEMP TABLE before_neighbours AS SELECT * FROM meta.recommender_neighbours");
  }
  Status BuildScope() { return BuildRecommendations(*conn_, as_of_, {}, features::Scope::Customers("ci_scope")); }
  void ExpectModelUnchanged() {
    EXPECT_EQ(RowDifferences(*conn_, "meta.recommender_model", "before_model"), 0);
    EXPECT_EQ(RowDifferences(*conn_, "meta.recommender_products", "before_products"), 0);
    EXPECT_EQ(RowDifferences(*conn_, "meta.recommender_neighbours", "before_neighbours"), 0);
  }
  // A 2% sample and a customer with no purchase (popular first purchase), their rows deleted.
  int64_t ScopeWithRowsDeleted() {
    Exec("CREATE TEMP TABLE ci_scope AS SELECT customer_id FROM silver.customers WHERE hash(customer_id) % 50 = 0 "
         "UNION SELECT min(customer_id) FROM gold.recommendations WHERE reason = 'popular first purchase'; "
         "DELETE FROM gold.recommendations WHERE customer_id IN (SELECT customer_id FROM ci_scope)");
    return Query("SELECT count(*) FROM before_recs WHERE customer_id IN (SELECT customer_id FROM ci_scope)").GetInt64(0, 0);
  }

  testing::TempDir work_;
  std::string as_of_;
};

TEST_F(ScopedRecommendationsTest, TheScopeGetsTheFullRunsRowsFromTheStoredModel) {
  ASSERT_GT(ScopeWithRowsDeleted(), 500);
  Status s = BuildScope();
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(RowDifferences(*conn_, "gold.recommendations", "before_recs"), 0);
  ExpectModelUnchanged();
}

TEST_F(ScopedRecommendationsTest, WithoutAStoredModelTheScopeIsFittedOnEveryLine) {
  // A database last run before models were stored: refitting on the same data gives the same model.
  Exec("DROP TABLE meta.recommender_model; DROP TABLE meta.recommender_products; DROP TABLE meta.recommender_neighbours");
  ASSERT_GT(ScopeWithRowsDeleted(), 500);
  Status s = BuildScope();
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(RowDifferences(*conn_, "gold.recommendations", "before_recs"), 0);
  auto stored = RecommenderModelStored(*conn_);
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(*stored);  // an incremental run does not store a model
}

// The model a full run fitted on `before`, over the catalog of `after` (which holds every product of `before`).
RecommenderModel OverCatalog(const Recommender& fitted, const PurchaseData& before, const PurchaseData& after) {
  std::unordered_map<std::string, uint32_t> index;
  for (size_t p = 0; p < after.product_ids.size(); ++p) index[after.product_ids[p]] = static_cast<uint32_t>(p);
  auto to = [&](uint32_t p) { return index.at(before.product_ids[p]); };
  const RecommenderModel& m = fitted.model();
  RecommenderModel out;
  out.neighbours.resize(after.product_ids.size());
  out.popular_share.assign(after.product_ids.size(), 0);
  out.popular_first_share.assign(after.product_ids.size(), 0);
  for (uint32_t p = 0; p < m.neighbours.size(); ++p) {
    for (auto n : m.neighbours[p]) out.neighbours[to(p)].push_back({to(n.product), n.similarity});
    out.popular_share[to(p)] = m.popular_share[p];
    out.popular_first_share[to(p)] = m.popular_first_share[p];
  }
  for (uint32_t p : m.popular) out.popular.push_back(to(p));
  for (uint32_t p : m.popular_first) out.popular_first.push_back(to(p));
  return out;
}

TEST_F(ScopedRecommendationsTest, AnIncrementalRunRecommendsWithTheFullRunsModel) {
  auto before = LoadPurchaseData(*conn_, as_of_);
  ASSERT_TRUE(before.ok()) << before.status().message();
  const Recommender full_model = Recommender::Fit(before->lines, before->product_ids.size(), {});
  // Five customers buy the day before as_of, one of them a product that is new to the catalog
  // (its id sorts first); a new customer buys too; five more are in the scope unchanged.
  const std::string day_before = "'" + as_of_ + "'::TIMESTAMPTZ - INTERVAL 1 DAY";
  Exec("CREATE TEMP TABLE changed AS SELECT customer_id FROM silver.customers ORDER BY hash(customer_id) LIMIT 5; "
       "CREATE TEMP TABLE unchanged AS SELECT customer_id FROM silver.customers "
       "WHERE customer_id NOT IN (SELECT customer_id FROM changed) ORDER BY hash(customer_id) DESC LIMIT 5; "
       "INSERT INTO silver.products(product_id, name, category, price) VALUES ('0-new', 'Novelty', 'New', 9); "
       "INSERT INTO silver.customers(customer_id, acquisition_date) VALUES ('scoped-new', " + day_before + "); "
       "INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) "
       "SELECT 'scoped-' || customer_id, customer_id, " + day_before + ", 40, 'completed' "
       "FROM (SELECT customer_id FROM changed UNION ALL SELECT 'scoped-new'); "
       "INSERT INTO silver.order_items(order_id, product_id, quantity, unit_price) "
       "SELECT order_id, p.product_id, 1, 10 FROM silver.orders, "
       "(SELECT product_id FROM silver.products ORDER BY product_id LIMIT 3) p WHERE order_id LIKE 'scoped-%'; "
       "CREATE TEMP TABLE ci_scope AS SELECT customer_id FROM changed UNION ALL SELECT customer_id FROM unchanged "
       "UNION ALL SELECT 'scoped-new'");
  Status s = BuildScope();
  ASSERT_TRUE(s.ok()) << s.message();
  ExpectModelUnchanged();
  EXPECT_EQ(RowDifferences(*conn_, "gold.recommendations", "before_recs",
                           "customer_id NOT IN (SELECT customer_id FROM ci_scope)"), 0);
  EXPECT_EQ(RowDifferences(*conn_, "gold.recommendations", "before_recs",
                           "customer_id IN (SELECT customer_id FROM unchanged)"), 0);
  // Each scoped customer's rows are the full run's model applied to their purchases now.
  auto after = LoadPurchaseData(*conn_, as_of_);
  ASSERT_TRUE(after.ok()) << after.status().message();
  ASSERT_EQ(after->product_ids.front(), "0-new");
  const Recommender model = Recommender::FromModel(OverCatalog(full_model, *before, *after), {});
  auto today = EpochDays(*conn_, as_of_);
  ASSERT_TRUE(today.ok());
  const std::vector<size_t> off = CustomerOffsets(after->lines, after->customer_ids.size());
  auto scope = Query("SELECT customer_id FROM ci_scope ORDER BY customer_id");
  ASSERT_EQ(scope.row_count(), 11u);
  int bought_new = 0;
  for (size_t i = 0; i < scope.row_count(); ++i) {
    const std::string id = scope.GetString(0, i);
    const size_t c = std::lower_bound(after->customer_ids.begin(), after->customer_ids.end(), id) -
                     after->customer_ids.begin();
    ASSERT_EQ(after->customer_ids[c], id);
    const auto expected = model.Recommend(std::span(after->lines).subspan(off[c], off[c + 1] - off[c]),
                                          static_cast<int32_t>(*today));
    auto rows = Query("SELECT product_id, reason, score, rank FROM gold.recommendations WHERE customer_id = '" + id +
                      "' ORDER BY rank");
    ASSERT_EQ(rows.row_count(), expected.size()) << id;
    for (size_t k = 0; k < expected.size(); ++k) {
      EXPECT_EQ(rows.GetString(0, k), after->product_ids[expected[k].product]) << id << " rank " << k + 1;
      EXPECT_EQ(rows.GetString(1, k), RecommendReasonText(expected[k].reason)) << id << " rank " << k + 1;
      EXPECT_NEAR(rows.GetDouble(2, k), expected[k].score, 5e-5) << id << " rank " << k + 1;
      EXPECT_EQ(rows.GetInt64(3, k), static_cast<int64_t>(k + 1));
    }
    bought_new += off[c + 1] > off[c] && after->lines[off[c]].product == 0;
  }
  EXPECT_EQ(bought_new, 6);  // the new product is in the changed customers' histories
}

}  // namespace
}  // namespace custintel::models
