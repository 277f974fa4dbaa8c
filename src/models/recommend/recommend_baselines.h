// The next-basket baselines custintel's recommendations are measured against (issue 27 item 5;
// "A Next Basket Recommendation Reality Check", Li et al. 2023, shows these simple methods beat
// most published deep models):
//   personal top  each customer's own most-bought products: purchase days per product, ties to
//                 the most recently bought, then the lower product index;
//   TIFU-KNN      Hu et al. 2020, "Modeling Personalized Item Frequency Information for
//                 Next-basket Recommendation": a customer's baskets (one per purchase day, in
//                 time order) are cut into groups of group_size from the latest backwards; a
//                 group's vector is the mean of its baskets' 0/1 vectors weighted
//                 within_decay^(baskets after it in the group), the customer's vector the mean of
//                 the group vectors weighted group_decay^(groups after it). The prediction is
//                 alpha · own vector + (1 − alpha) · mean of the k nearest customers' vectors
//                 (cosine), top n by score (ties: lower product index).
//
//   TifuKnn tifu = TifuKnn::Fit(train_lines, n_customers, n_products, {});
//   std::vector<uint32_t> top = tifu.Recommend(customer, 10);
//
// Thread safety: a fitted TifuKnn is immutable; Recommend may run on many threads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "models/recommend/recommend.h"

namespace custintel::models {

// The n products of `history` (one customer's lines, sorted by product then day) bought on the
// most days; ties to the most recent purchase, then the lower product index.
std::vector<uint32_t> PersonalTop(std::span<const PurchaseLine> history, size_t n);

// The defaults are the best of a grid on generated shops (m 3/7/20, r_b 0.7/1, r_g 0.5/0.9,
// alpha 0.5/0.7/0.9, k 50/300/1000; models/README.md), so custintel is measured against the
// baseline at its strongest there rather than at the paper's values for other data.
struct TifuKnnOptions {
  size_t group_size = 7;      // baskets per group (m in the paper)
  double within_decay = 1.0;  // r_b: weight of a basket per later basket of its group
  double group_decay = 0.9;   // r_g: weight of a group per later group
  size_t neighbours = 300;    // k
  double alpha = 0.7;         // weight of the customer's own vector
  // Neighbours are searched among at most this many customers (every n-th by index above it),
  // so the search stays near-linear on large data.
  size_t max_candidates = 20000;
};

class TifuKnn {
 public:
  // `lines` sorted by (customer, product, day), distinct; customers < n_customers, products <
  // n_products.
  static TifuKnn Fit(std::span<const PurchaseLine> lines, size_t n_customers, size_t n_products,
                     const TifuKnnOptions& options);

  // The top n products for customer `c` (empty for a customer without lines).
  std::vector<uint32_t> Recommend(uint32_t c, size_t n) const;

  // Customer c's personal frequency vector as (product, weight), by product.
  struct Entry {
    uint32_t product;
    double weight;
  };
  std::span<const Entry> Vector(uint32_t c) const {
    return std::span(entries_).subspan(offsets_[c], offsets_[c + 1] - offsets_[c]);
  }

 private:
  TifuKnnOptions options_;
  size_t n_products_ = 0;
  std::vector<size_t> offsets_;  // per customer into entries_
  std::vector<Entry> entries_;
  std::vector<double> norms_;
  std::vector<std::vector<uint32_t>> buyers_;  // per product: candidate customers holding it
};

}  // namespace custintel::models
