#include "gen/catalog.h"

#include <algorithm>
#include <cmath>

namespace custintel::gen {
namespace {

// The stream id of the catalog's RNG (blocks use their own indexes, far below this).
constexpr uint64_t kCatalogStream = 0xCA7A106ULL << 32;

std::vector<Category> DefaultCategories() {
  return {
      {"Coffee & Tea", "coffee-tea", true, 14, 1.6, false,
       {"Dark Roast", "Organic", "Single-Origin", "Decaf", "Breakfast", "Green", "Chai", "Cold Brew"},
       {"Coffee Beans 1kg", "Ground Coffee 500g", "Tea Bags (80)", "Coffee Pods (30)", "Loose Leaf Tea 250g"}},
      {"Pantry", "pantry", true, 7, 1.4, false,
       {"Organic", "Wholegrain", "Extra Virgin", "Spicy", "Gluten-Free", "Classic", "Smoked"},
       {"Olive Oil 1L", "Pasta 500g", "Granola", "Peanut Butter", "Rice 2kg", "Hot Sauce", "Crackers"}},
      {"Personal Care", "personal-care", true, 9, 1.2, false,
       {"Sensitive", "Mint", "Unscented", "Lavender", "Charcoal", "Aloe", "Sport"},
       {"Toothpaste", "Shampoo", "Body Wash", "Deodorant", "Razor Blades (8)", "Hand Cream"}},
      {"Household", "household", true, 11, 1.1, false,
       {"Eco", "Lemon", "Heavy-Duty", "Fragrance-Free", "Compact", "Bulk"},
       {"Laundry Detergent", "Dish Tablets (60)", "Paper Towels (12)", "Trash Bags (50)", "Sponges (10)",
        "Surface Spray"}},
      {"Pet Supplies", "pet-supplies", true, 24, 0.9, false,
       {"Grain-Free", "Senior", "Puppy", "Salmon", "Chicken", "Indoor Cat", "Dental"},
       {"Dog Food 5kg", "Cat Food 2kg", "Cat Litter 10L", "Dog Treats", "Chew Toys", "Wet Food (12)"}},
      {"Electronics", "electronics", false, 85, 0.8, true,
       {"Wireless", "Noise-Cancelling", "Smart", "Portable", "4K", "Fast-Charge", "Bluetooth"},
       {"Headphones", "Speaker", "Charger", "Webcam", "Keyboard", "Power Bank", "Smartwatch", "Router"}},
      {"Home & Kitchen", "home-kitchen", false, 40, 0.9, true,
       {"Stainless", "Non-Stick", "Ceramic", "Cast Iron", "Glass", "Bamboo", "Electric"},
       {"Frying Pan", "Kettle", "Knife Set", "Blender", "Storage Jars", "Toaster", "Cutting Board"}},
      {"Apparel", "apparel", false, 35, 0.8, false,
       {"Merino", "Organic Cotton", "Waterproof", "Slim-Fit", "Fleece", "Linen", "Recycled"},
       {"T-Shirt", "Hoodie", "Socks (3 pack)", "Jacket", "Trousers", "Beanie", "Running Shorts"}},
      {"Outdoor & Sports", "outdoor-sports", false, 55, 0.6, true,
       {"Ultralight", "Trail", "Insulated", "Foldable", "Pro", "All-Weather"},
       {"Water Bottle", "Backpack 30L", "Tent", "Yoga Mat", "Headlamp", "Camping Chair", "Trekking Poles"}},
      {"Toys & Games", "toys-games", false, 28, 0.5, false,
       {"Wooden", "Classic", "Deluxe", "Family", "Travel", "Magnetic"},
       {"Puzzle 1000pc", "Board Game", "Building Blocks", "Card Game", "Train Set", "Art Kit"}},
  };
}

int64_t PriceCents(Rng& rng, double median) {
  const double x = median * std::exp(rng.Normal(0, 0.45));
  const int64_t dollars = std::max<int64_t>(2, static_cast<int64_t>(std::llround(x)));
  return dollars * 100 - 1;  // shop pricing: 13.99
}

}  // namespace

Catalog Catalog::Build(uint64_t seed, int product_count) {
  Catalog c;
  c.categories_ = DefaultCategories();
  Rng rng = Rng::ForStream(seed, kCatalogStream);
  const int n_cat = static_cast<int>(c.categories_.size());
  c.by_category_.resize(n_cat);
  c.weights_.resize(n_cat);
  c.staples_.resize(n_cat);
  for (int cat = 0; cat < n_cat; ++cat) {
    const Category& k = c.categories_[cat];
    // Every adjective × noun pair once, shuffled; names repeat only when the count exceeds them.
    std::vector<std::pair<int, int>> combos;
    for (size_t a = 0; a < k.adjectives.size(); ++a)
      for (size_t n = 0; n < k.nouns.size(); ++n) combos.emplace_back(a, n);
    for (size_t i = combos.size(); i > 1; --i) std::swap(combos[i - 1], combos[rng.Below(i)]);
    const int count = product_count / n_cat + (cat < product_count % n_cat ? 1 : 0);
    for (int i = 0; i < count; ++i) {
      const auto [a, n] = combos[i % combos.size()];
      Product p;
      p.category = cat;
      p.name = std::string(k.adjectives[a]) + " " + std::string(k.nouns[n]);
      if (i >= static_cast<int>(combos.size())) p.name += " v" + std::to_string(i / combos.size() + 1);
      p.price_cents = PriceCents(rng, k.median_price);
      p.staple = k.staple && rng.Bernoulli(0.6);
      p.quality = std::clamp(rng.Normal(0.15, 0.45), -1.0, 1.0);
      p.popularity = 1.0 / std::pow(i + 1.0, 0.8);
      c.products_.push_back(std::move(p));
    }
  }
  // Interleave categories so product ids do not reveal the category.
  std::vector<Product> shuffled = std::move(c.products_);
  for (size_t i = shuffled.size(); i > 1; --i) std::swap(shuffled[i - 1], shuffled[rng.Below(i)]);
  c.products_ = std::move(shuffled);
  for (size_t i = 0; i < c.products_.size(); ++i) {
    Product& p = c.products_[i];
    p.index = static_cast<int32_t>(i);
    c.by_category_[p.category].push_back(p.index);
    c.weights_[p.category].push_back(p.popularity);
    if (p.staple) c.staples_[p.category].push_back(p.index);
  }
  return c;
}

std::vector<double> Catalog::CategoryPopularity() const {
  std::vector<double> w;
  for (const Category& k : categories_) w.push_back(k.popularity);
  return w;
}

}  // namespace custintel::gen
