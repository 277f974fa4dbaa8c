#include "models/recommend/recommend.h"

#include <algorithm>

#include <unordered_map>

#include "features/customer_features.h"
#include "model_fixture.h"
#include "models/clv_score.h"
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
