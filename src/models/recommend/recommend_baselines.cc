#include "models/recommend/recommend_baselines.h"

#include <algorithm>
#include <cmath>

namespace custintel::models {

std::vector<uint32_t> PersonalTop(std::span<const PurchaseLine> history, size_t n) {
  struct Count {
    uint32_t product;
    size_t days;
    int32_t last;
  };
  std::vector<Count> counts;
  for (size_t b = 0; b < history.size();) {
    size_t e = b;
    while (e < history.size() && history[e].product == history[b].product) ++e;
    counts.push_back({history[b].product, e - b, history[e - 1].day});
    b = e;
  }
  const size_t keep = std::min(n, counts.size());
  std::partial_sort(counts.begin(), counts.begin() + keep, counts.end(), [](const Count& a, const Count& b) {
    if (a.days != b.days) return a.days > b.days;
    if (a.last != b.last) return a.last > b.last;
    return a.product < b.product;
  });
  std::vector<uint32_t> out;
  for (size_t i = 0; i < keep; ++i) out.push_back(counts[i].product);
  return out;
}

namespace {

// One customer's TIFU vector from their lines (sorted by product then day), by product.
std::vector<TifuKnn::Entry> PersonalVector(std::span<const PurchaseLine> mine, const TifuKnnOptions& o) {
  std::vector<int32_t> days;
  for (const PurchaseLine& l : mine) days.push_back(l.day);
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  const size_t baskets = days.size(), m = std::max<size_t>(1, o.group_size);
  const size_t groups = (baskets + m - 1) / m;
  std::vector<TifuKnn::Entry> out;
  for (const PurchaseLine& l : mine) {
    const size_t j = std::lower_bound(days.begin(), days.end(), l.day) - days.begin();
    const size_t from_end = baskets - 1 - j;           // 0 for the latest basket
    const size_t group = from_end / m;                 // 0 for the latest group
    const size_t in_group = std::min(m, baskets - group * m);
    const double w = std::pow(o.within_decay, double(from_end - group * m)) / double(in_group) *
                     std::pow(o.group_decay, double(group)) / double(groups);
    if (!out.empty() && out.back().product == l.product) {
      out.back().weight += w;
    } else {
      out.push_back({l.product, w});
    }
  }
  return out;
}

}  // namespace

TifuKnn TifuKnn::Fit(std::span<const PurchaseLine> lines, size_t n_customers, size_t n_products,
                     const TifuKnnOptions& options) {
  TifuKnn t;
  t.options_ = options;
  t.n_products_ = n_products;
  const std::vector<size_t> off = CustomerOffsets(lines, n_customers);
  t.offsets_.assign(n_customers + 1, 0);
  t.norms_.assign(n_customers, 0.0);
  t.buyers_.resize(n_products);
  const size_t stride = std::max<size_t>(1, (n_customers + options.max_candidates - 1) / std::max<size_t>(1, options.max_candidates));
  for (size_t c = 0; c < n_customers; ++c) {
    t.offsets_[c] = t.entries_.size();
    std::vector<Entry> v = PersonalVector(lines.subspan(off[c], off[c + 1] - off[c]), options);
    double sq = 0;
    for (const Entry& e : v) sq += e.weight * e.weight;
    t.norms_[c] = std::sqrt(sq);
    if (c % stride == 0) {
      for (const Entry& e : v) t.buyers_[e.product].push_back(static_cast<uint32_t>(c));
    }
    t.entries_.insert(t.entries_.end(), v.begin(), v.end());
  }
  t.offsets_[n_customers] = t.entries_.size();
  return t;
}

std::vector<uint32_t> TifuKnn::Recommend(uint32_t c, size_t n) const {
  const std::span<const Entry> own = Vector(c);
  if (own.empty()) return {};
  // Dot products with every candidate sharing a product (per-thread scratch).
  thread_local std::vector<double> dot;
  thread_local std::vector<uint32_t> touched;
  if (dot.size() < norms_.size()) dot.assign(norms_.size(), 0.0);
  touched.clear();
  for (const Entry& e : own) {
    for (uint32_t d : buyers_[e.product]) {
      if (d == c) continue;
      if (dot[d] == 0.0) touched.push_back(d);
      const std::span<const Entry> theirs = Vector(d);  // by product: found by bisection
      auto x = std::lower_bound(theirs.begin(), theirs.end(), e.product,
                                [](const Entry& a, uint32_t p) { return a.product < p; });
      dot[d] += e.weight * x->weight;
    }
  }
  std::vector<std::pair<double, uint32_t>> sims;
  for (uint32_t d : touched) {
    sims.push_back({dot[d] / (norms_[c] * norms_[d]), d});
    dot[d] = 0.0;
  }
  const size_t k = std::min(options_.neighbours, sims.size());
  std::partial_sort(sims.begin(), sims.begin() + k, sims.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<double> score(n_products_, 0.0);
  for (const Entry& e : own) score[e.product] += options_.alpha * e.weight;
  for (size_t i = 0; i < k; ++i) {
    for (const Entry& x : Vector(sims[i].second)) score[x.product] += (1 - options_.alpha) * x.weight / double(k);
  }
  std::vector<uint32_t> products;
  for (uint32_t p = 0; p < n_products_; ++p) {
    if (score[p] > 0) products.push_back(p);
  }
  const size_t keep = std::min(n, products.size());
  std::partial_sort(products.begin(), products.begin() + keep, products.end(), [&](uint32_t a, uint32_t b) {
    return score[a] != score[b] ? score[a] > score[b] : a < b;
  });
  products.resize(keep);
  return products;
}

}  // namespace custintel::models
