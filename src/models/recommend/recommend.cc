#include "models/recommend/recommend.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace custintel::models {
namespace {

// Products of one customer's sorted lines, distinct, capped.
void DistinctProducts(std::span<const PurchaseLine> lines, size_t cap, std::vector<uint32_t>* out) {
  out->clear();
  for (size_t i = 0; i < lines.size() && out->size() < cap; ++i) {
    if (i == 0 || lines[i].product != lines[i - 1].product) out->push_back(lines[i].product);
  }
}

// Co-occurrence counts: dense below this many products, hashed rows above.
constexpr size_t kDenseLimit = 4096;

class CoCounts {
 public:
  explicit CoCounts(size_t n) : n_(n) {
    if (n <= kDenseLimit) dense_.assign(n * n, 0); else rows_.resize(n);
  }
  void Add(uint32_t i, uint32_t j) {
    if (!dense_.empty()) ++dense_[size_t{i} * n_ + j]; else ++rows_[i][j];
  }
  template <class F>
  void ForEachInRow(uint32_t i, F f) const {
    if (!dense_.empty()) {
      for (uint32_t j = 0; j < n_; ++j)
        if (uint32_t c = dense_[size_t{i} * n_ + j]) f(j, c);
    } else {
      for (const auto& [j, c] : rows_[i]) f(j, c);
    }
  }

 private:
  size_t n_;
  std::vector<uint32_t> dense_;
  std::vector<std::unordered_map<uint32_t, uint32_t>> rows_;
};

std::vector<uint32_t> ByDescendingCount(const std::vector<uint64_t>& count) {
  std::vector<uint32_t> order(count.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return count[a] > count[b]; });
  while (!order.empty() && count[order.back()] == 0) order.pop_back();
  return order;
}

std::vector<double> Shares(const std::vector<uint64_t>& count, uint64_t total) {
  std::vector<double> s(count.size());
  for (size_t i = 0; i < count.size(); ++i) s[i] = total ? static_cast<double>(count[i]) / total : 0.0;
  return s;
}

int Tier(RecommendReason r) { return static_cast<int>(r); }

}  // namespace

const char* RecommendReasonText(RecommendReason reason) {
  switch (reason) {
    case RecommendReason::kEssentialDue: return "usual essentials due";
    case RecommendReason::kBoughtRegularly: return "bought regularly";
    case RecommendReason::kBoughtTogether: return "bought together";
    case RecommendReason::kPopular: return "popular";
    case RecommendReason::kPopularFirst: return "popular first purchase";
  }
  return "popular";
}

std::vector<size_t> CustomerOffsets(std::span<const PurchaseLine> lines, size_t n_customers) {
  std::vector<size_t> off(n_customers + 1, 0);
  for (const PurchaseLine& l : lines) ++off[l.customer + 1];
  std::partial_sum(off.begin(), off.end(), off.begin());
  return off;
}

Recommender Recommender::Fit(std::span<const PurchaseLine> lines, size_t n_products, const RecommendOptions& options) {
  Recommender rec;
  rec.options_ = options;
  std::vector<uint64_t> buyers(n_products, 0), first_buyers(n_products, 0);
  CoCounts co(n_products);
  std::vector<uint32_t> products;
  uint64_t customers = 0;
  for (size_t begin = 0; begin < lines.size();) {
    size_t end = begin;
    int32_t first_day = lines[begin].day;
    while (end < lines.size() && lines[end].customer == lines[begin].customer) {
      first_day = std::min(first_day, lines[end].day);
      ++end;
    }
    std::span<const PurchaseLine> mine = lines.subspan(begin, end - begin);
    ++customers;
    for (const PurchaseLine& l : mine) first_buyers[l.product] += l.day == first_day;
    DistinctProducts(mine, options.max_products_per_customer, &products);
    for (uint32_t p : products) ++buyers[p];
    for (uint32_t i : products)
      for (uint32_t j : products)
        if (i != j) co.Add(i, j);
    begin = end;
  }
  RecommenderModel& m = rec.model_;
  m.neighbours.resize(n_products);
  for (uint32_t i = 0; i < n_products; ++i) {
    auto& nb = m.neighbours[i];
    co.ForEachInRow(i, [&](uint32_t j, uint32_t c) {
      if (c >= options.min_co_buyers) {
        nb.push_back({j, static_cast<float>(c / std::sqrt(static_cast<double>(buyers[i]) * buyers[j]))});
      }
    });
    const size_t keep = std::min(nb.size(), options.neighbours);
    using Neighbour = RecommenderModel::Neighbour;
    std::partial_sort(nb.begin(), nb.begin() + keep, nb.end(), [](const Neighbour& a, const Neighbour& b) {
      return a.similarity != b.similarity ? a.similarity > b.similarity : a.product < b.product;
    });
    nb.resize(keep);
  }
  m.popular = ByDescendingCount(buyers);
  m.popular_first = ByDescendingCount(first_buyers);
  m.popular_share = Shares(buyers, customers);
  m.popular_first_share = Shares(first_buyers, customers);
  return rec;
}

Recommender Recommender::FromModel(RecommenderModel model, const RecommendOptions& options) {
  Recommender rec;
  rec.options_ = options;
  rec.model_ = std::move(model);
  return rec;
}

std::string CheckRecommenderModel(const RecommenderModel& m) {
  const size_t n = m.neighbours.size();
  if (m.popular_share.size() != n || m.popular_first_share.size() != n) {
    return "popularity shares do not cover the catalog of " + std::to_string(n) + " products";
  }
  auto out_of_range = [n](uint32_t p) { return p >= n; };
  if (std::any_of(m.popular.begin(), m.popular.end(), out_of_range) ||
      std::any_of(m.popular_first.begin(), m.popular_first.end(), out_of_range)) {
    return "a popular product is outside the catalog";
  }
  for (const auto& nb : m.neighbours) {
    for (const auto& x : nb) {
      if (out_of_range(x.product)) return "a neighbour is outside the catalog";
    }
  }
  return "";
}

std::vector<uint32_t> Recommender::Popular(size_t n) const {
  return {model_.popular.begin(), model_.popular.begin() + std::min(n, model_.popular.size())};
}

std::vector<Recommendation> Recommender::Recommend(std::span<const PurchaseLine> history, int32_t today) const {
  // Per-thread scratch sized to the catalog: candidate → Σ cosine, and which entries are set.
  thread_local std::vector<double> cross;
  thread_local std::vector<uint32_t> touched;
  if (cross.size() < model_.neighbours.size()) cross.assign(model_.neighbours.size(), 0.0);
  touched.clear();
  std::vector<Recommendation> out;
  std::vector<uint32_t> bought;
  for (size_t b = 0; b < history.size();) {
    size_t e = b;
    while (e < history.size() && history[e].product == history[b].product) ++e;
    const uint32_t product = history[b].product;
    bought.push_back(product);
    if (e - b >= 2) {  // a repeat product: its usual interval decides whether it is due
      const double interval = std::max(1.0, double(history[e - 1].day - history[b].day) / double(e - b - 1));
      const double ratio = (today - history[e - 1].day) / interval;
      out.push_back({product, ratio,
                     ratio >= 1 ? RecommendReason::kEssentialDue : RecommendReason::kBoughtRegularly});
    }
    if (product < model_.neighbours.size()) {
      for (const RecommenderModel::Neighbour& n : model_.neighbours[product]) {
        if (cross[n.product] == 0.0) touched.push_back(n.product);
        cross[n.product] += n.similarity;
      }
    }
    b = e;
  }
  std::sort(bought.begin(), bought.end());
  auto is_bought = [&](uint32_t p) { return std::binary_search(bought.begin(), bought.end(), p); };
  for (uint32_t p : touched) {
    if (!is_bought(p)) out.push_back({p, cross[p], RecommendReason::kBoughtTogether});
    cross[p] = 0.0;
  }
  // Due: just-due first (long-overdue items were probably given up); regular: closest to due.
  auto key = [](const Recommendation& r) {
    return r.reason == RecommendReason::kEssentialDue ? -r.score : r.score;
  };
  const size_t n = options_.top_n;
  auto better = [&](const Recommendation& a, const Recommendation& b) {
    if (a.reason != b.reason) return Tier(a.reason) < Tier(b.reason);
    if (key(a) != key(b)) return key(a) > key(b);
    return a.product < b.product;
  };
  const size_t keep = std::min(out.size(), n);
  std::partial_sort(out.begin(), out.begin() + keep, out.end(), better);
  std::vector<Recommendation> top(out.begin(), out.begin() + keep);  // exact size: no slack kept
  top.reserve(n);
  const bool is_new = history.empty();
  const auto& fill = is_new ? model_.popular_first : model_.popular;
  const auto& share = is_new ? model_.popular_first_share : model_.popular_share;
  for (size_t i = 0; i < fill.size() && top.size() < n; ++i) {
    const uint32_t p = fill[i];
    if (std::any_of(top.begin(), top.end(), [&](const Recommendation& r) { return r.product == p; })) continue;
    top.push_back({p, share[p], is_new ? RecommendReason::kPopularFirst : RecommendReason::kPopular});
  }
  return top;
}

}  // namespace custintel::models
