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

}  // namespace

const char* RecommendReasonText(RecommendReason reason) {
  switch (reason) {
    case RecommendReason::kEssentialDue: return "usual essentials due";
    case RecommendReason::kBoughtRegularly: return "bought regularly";
    case RecommendReason::kBoughtBefore: return "bought before";
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
        const double a = options.target_damping;
        nb.push_back({j, static_cast<float>(c / (std::pow(double(buyers[i]), 1 - a) * std::pow(double(buyers[j]), a)))});
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

namespace {

// What one customer's history says about one product.
struct Habit {
  uint32_t product;
  size_t days;        // purchase days
  int32_t last;       // last purchase day
  double own = 0;     // time-decayed share of the customer's baskets holding it
  double ratio = 0;   // repeat products: days since the last purchase / usual interval
};

// Per product of `history` (sorted by product then day): its habit. own = Σ over its purchase
// days of decay^(baskets after that day) / Σ over all baskets of the same: 1 for a product in
// every basket, recent baskets counting most.
std::vector<Habit> Habits(std::span<const PurchaseLine> history, int32_t today, double decay) {
  std::vector<int32_t> days;
  for (const PurchaseLine& l : history) days.push_back(l.day);
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  double total = 0;
  for (size_t i = 0; i < days.size(); ++i) total += std::pow(decay, double(days.size() - 1 - i));
  std::vector<Habit> out;
  for (size_t b = 0; b < history.size();) {
    size_t e = b;
    Habit h{history[b].product, 0, history[b].day};
    while (e < history.size() && history[e].product == history[b].product) {
      const size_t at = std::lower_bound(days.begin(), days.end(), history[e].day) - days.begin();
      h.own += std::pow(decay, double(days.size() - 1 - at)) / total;
      h.last = history[e].day;
      ++e;
    }
    h.days = e - b;
    if (h.days >= 2) {
      const double interval = std::max(1.0, double(h.last - history[b].day) / double(h.days - 1));
      h.ratio = (today - h.last) / interval;
    }
    out.push_back(h);
    b = e;
  }
  return out;
}

}  // namespace

std::vector<Recommendation> Recommender::Recommend(std::span<const PurchaseLine> history, int32_t today) const {
  // Per-thread scratch sized to the catalog: candidate → Σ own weight × cosine, and which are set.
  thread_local std::vector<double> cross;
  thread_local std::vector<uint32_t> touched;
  if (cross.size() < model_.neighbours.size()) cross.assign(model_.neighbours.size(), 0.0);
  touched.clear();
  const std::vector<Habit> habits = Habits(history, today, options_.basket_decay);
  for (const Habit& h : habits) {
    if (h.product >= model_.neighbours.size()) continue;
    for (const RecommenderModel::Neighbour& n : model_.neighbours[h.product]) {
      if (cross[n.product] == 0.0) touched.push_back(n.product);
      cross[n.product] += h.own * n.similarity;
    }
  }
  std::vector<Recommendation> out;
  // Repeat products whose usual interval has passed are due; the others the customer bought
  // rank by how much of their baskets held them, damped while a repeat product is not due yet,
  // plus what the customer's products are bought together with.
  for (const Habit& h : habits) {
    const double together = h.product < cross.size() ? options_.cross_weight * cross[h.product] : 0.0;
    if (h.days >= 2 && h.ratio >= options_.due_ratio) {
      out.push_back({h.product, h.ratio, RecommendReason::kEssentialDue});
      continue;
    }
    const double timing = h.days >= 2 ? std::pow(std::clamp(h.ratio / options_.due_ratio, 0.0, 1.0), options_.not_due_power) : 1.0;
    out.push_back({h.product, h.own * timing + together,
                   h.days >= 2 ? RecommendReason::kBoughtRegularly : RecommendReason::kBoughtBefore});
  }
  std::vector<uint32_t> bought;
  for (const Habit& h : habits) bought.push_back(h.product);  // sorted: habits are by product
  for (uint32_t p : touched) {
    if (!std::binary_search(bought.begin(), bought.end(), p)) {
      out.push_back({p, options_.cross_weight * cross[p], RecommendReason::kBoughtTogether});
    }
    cross[p] = 0.0;
  }
  // Due first, just-due first (long-overdue items were probably given up); then by score.
  auto better = [&](const Recommendation& a, const Recommendation& b) {
    const bool due_a = a.reason == RecommendReason::kEssentialDue, due_b = b.reason == RecommendReason::kEssentialDue;
    if (due_a != due_b) return due_a;
    if (a.score != b.score) return due_a ? a.score < b.score : a.score > b.score;
    return a.product < b.product;
  };
  const size_t n = options_.top_n;
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
