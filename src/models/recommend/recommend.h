// Product recommendations from purchase history, each with a reason. Repurchase first, then
// discovery:
//   1. "usual essentials due"  products bought on ≥ 2 days whose usual interval (mean days
//                              between its purchase days) has (nearly) passed since the last
//                              purchase (days since / interval ≥ due_ratio), just-due first;
//   then one score for every other candidate, highest first:
//   2. "bought regularly"      the customer's other repeat products,
//   3. "bought before"         products bought on one day,
//                              scored by their time-decayed frequency (share of the customer's
//                              baskets holding them, each basket weighted basket_decay^(baskets
//                              after it)) — for a repeat product damped by (days since /
//                              interval)^not_due_power while it is not due — plus cross_weight ×
//                              Σ over the customer's products of their frequency × the item-item
//                              similarity of buyer sets (target_damping; what they are bought
//                              together with);
//   4. "bought together"       products not bought yet, by that last sum alone;
//   5. "popular"               fill-up by distinct buyers;
//   "popular first purchase"   for customers with no purchases: what new customers buy first.
// `evaluate recs` measures this against popularity, personal top and TIFU-KNN
// (recommend_data.h, recommend_baselines.h).
//
//   Recommender rec = Recommender::Fit(lines, n_products, {});
//   auto top = rec.Recommend(customer_lines, today);
//
// Thread safety: a fitted Recommender is immutable; Recommend may run on many threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace custintel::models {

// One product bought by one customer on one day (days since 1970-01-01). Spans handed to the
// recommender are sorted by (customer, product, day) with no duplicates.
struct PurchaseLine {
  uint32_t customer = 0;
  uint32_t product = 0;
  int32_t day = 0;
};

struct RecommendOptions {
  size_t top_n = 10;               // recommendations per customer
  size_t neighbours = 100;         // similar products kept per product
  uint32_t min_co_buyers = 2;      // pairs with fewer shared buyers are noise
  // Similarity of product i to j: shared buyers / (buyers_i^(1 − d) · buyers_j^d); d = 0.5 is
  // the cosine of buyer sets, d = 0 the share of i's buyers who bought j (popular j kept).
  double target_damping = 0.25;
  size_t max_products_per_customer = 200;  // caps the pairs one heavy buyer contributes
  // Scoring (Recommend; not part of the fitted model). Chosen on generated shops by `evaluate
  // recs` against its baselines (models/README.md has the grid): an interval observed between
  // sparse orders overstates the rhythm, so a product is due a little before it has passed.
  double basket_decay = 0.9;   // weight of a basket per later basket in a product's frequency
  double due_ratio = 0.8;      // a repeat product is due once days since / interval reaches this
  double not_due_power = 0.5;  // damping of a repeat product not due yet: (ratio / due_ratio)^this
  double cross_weight = 1.0;   // weight of the bought-together sum beside the own frequency
};

enum class RecommendReason { kEssentialDue, kBoughtRegularly, kBoughtBefore, kBoughtTogether, kPopular, kPopularFirst };
const char* RecommendReasonText(RecommendReason reason);

struct Recommendation {
  uint32_t product = 0;
  double score = 0;  // due: days since / interval; bought: the score above; popular: share of buyers
  RecommendReason reason = RecommendReason::kPopular;
};

// What Fit learns, as plain data, so it can be stored and scored with later (an incremental run
// recommends with the last full run's model). Products are indices < neighbours.size().
struct RecommenderModel {
  struct Neighbour {
    uint32_t product;
    float similarity;  // cosine of the two products' buyer sets
  };
  std::vector<std::vector<Neighbour>> neighbours;  // per product, most similar first
  std::vector<uint32_t> popular, popular_first;    // products by descending (first-purchase) buyers
  std::vector<double> popular_share, popular_first_share;  // per product: share of customers
};

class Recommender {
 public:
  // `lines`: the training purchases, sorted as above; products are indices < n_products.
  static Recommender Fit(std::span<const PurchaseLine> lines, size_t n_products, const RecommendOptions& options);

  // A recommender scoring with a model fitted before (options.top_n applies; the fit options do
  // not). REQUIRES: the model's vectors are per product of one catalog and its products in range
  // (CheckRecommenderModel).
  static Recommender FromModel(RecommenderModel model, const RecommendOptions& options);
  const RecommenderModel& model() const { return model_; }

  // Top options.top_n for one customer's `history` (their lines, sorted by product then day;
  // empty for a new customer) as of `today`.
  std::vector<Recommendation> Recommend(std::span<const PurchaseLine> history, int32_t today) const;

  // The n most popular products (distinct buyers), the popularity baseline.
  std::vector<uint32_t> Popular(size_t n) const;

 private:
  RecommendOptions options_;
  RecommenderModel model_;
};

// "" when `model` is consistent (every per-product vector as long as neighbours, every product
// index in range), else what is wrong.
std::string CheckRecommenderModel(const RecommenderModel& model);

// Splits sorted lines into per-customer spans: [begin, end) offsets into `lines`, one per
// customer index < n_customers (empty spans for customers without lines).
std::vector<size_t> CustomerOffsets(std::span<const PurchaseLine> lines, size_t n_customers);

}  // namespace custintel::models
