// Product recommendations from purchase history, each with a reason:
//   1. "usual essentials due"  products bought on ≥ 2 days whose usual interval (mean days
//                              between its purchase days) has passed since the last purchase;
//   2. "bought regularly"      the customer's other repeat products, closest to due first;
//   3. "bought together"       cross-sell: Σ over the customer's products of the item-item
//                              cosine similarity of buyer sets, products not bought yet;
//   4. "popular"               fill-up by distinct buyers;
//   "popular first purchase"   for customers with no purchases: what new customers buy first.
// Tiers are ranked in that order, by score within a tier.
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
  size_t neighbours = 50;          // similar products kept per product
  uint32_t min_co_buyers = 2;      // pairs with fewer shared buyers are noise
  size_t max_products_per_customer = 200;  // caps the pairs one heavy buyer contributes
};

enum class RecommendReason { kEssentialDue, kBoughtRegularly, kBoughtTogether, kPopular, kPopularFirst };
const char* RecommendReasonText(RecommendReason reason);

struct Recommendation {
  uint32_t product = 0;
  double score = 0;  // tier-specific: days since / interval, Σ cosine, share of buyers
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
