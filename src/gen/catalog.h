// Catalog: the synthetic shop's product categories and products, with their hidden truth
// (staple flag, quality). Built once per run from its own RNG stream, so it depends only on
// the seed and the product count.
//
// Thread safety: immutable after Build(); share freely across threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/random.h"

namespace custintel::gen {

struct Category {
  std::string_view name;          // display name, e.g. "Coffee & Tea"
  std::string_view slug;          // url form, e.g. "coffee-tea"
  bool staple = false;            // its products are rebought on a rhythm
  double median_price = 10;       // USD; prices are log-normal around it
  double popularity = 1;          // relative weight of the category in shoppers' affinities
  bool technical = false;         // reviews talk about usability and performance
  std::vector<std::string_view> adjectives;
  std::vector<std::string_view> nouns;
};

struct Product {
  int32_t index = 0;        // 0-based; product_id is P + (index + 1) padded to 4 digits
  int32_t category = 0;     // index into Catalog::categories()
  std::string name;
  int64_t price_cents = 0;
  bool staple = false;      // truth: a staple people rebuy on a personal rhythm
  double quality = 0;       // truth: -1 (poor) .. 1 (excellent); drives ratings and defects
  double popularity = 1;    // weight within its category (Zipf-like by rank)
};

class Catalog {
 public:
  // REQUIRES: product_count >= number of categories.
  static Catalog Build(uint64_t seed, int product_count);

  const std::vector<Category>& categories() const { return categories_; }
  const std::vector<Product>& products() const { return products_; }
  // Product indexes of one category, and their popularity weights (same order).
  const std::vector<int32_t>& InCategory(int category) const { return by_category_[category]; }
  const std::vector<double>& WeightsInCategory(int category) const { return weights_[category]; }
  // Staple product indexes of one category (may be empty).
  const std::vector<int32_t>& StaplesInCategory(int category) const { return staples_[category]; }
  std::vector<double> CategoryPopularity() const;

 private:
  std::vector<Category> categories_;
  std::vector<Product> products_;
  std::vector<std::vector<int32_t>> by_category_;
  std::vector<std::vector<double>> weights_;
  std::vector<std::vector<int32_t>> staples_;
};

}  // namespace custintel::gen
