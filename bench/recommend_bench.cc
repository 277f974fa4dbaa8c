// Recommendations at scale: fit (item-item co-occurrence, popularity) and top-10 for every
// customer, on synthetic purchase lines shaped like the generator's shop (300 products in 10
// categories, staples rebought on a rhythm, ~10 lines per customer). Prints wall time per
// phase and peak RSS. Usage: recommend_bench [customers=1000000]
#include "bench_util.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "models/recommend/recommend_data.h"

using custintel::models::PurchaseData;
using custintel::models::PurchaseLine;

namespace {

double Seconds(std::chrono::steady_clock::time_point since) { return custintel::bench::SecondsSince(since); }

PurchaseData Synthetic(size_t customers, size_t products) {
  PurchaseData d;
  d.customer_ids.resize(customers);
  d.product_ids.resize(products);
  std::mt19937_64 rng(42);
  std::geometric_distribution<int> orders(0.3);
  for (uint32_t c = 0; c < customers; ++c) {
    const uint32_t category = rng() % 10, staple = category * 30 + rng() % 5;
    const int n = 1 + orders(rng), rhythm = 14 + rng() % 30;
    for (int k = 0; k < n; ++k) {
      const int32_t day = 20000 + k * rhythm;
      if (c % 3 == 0) d.lines.push_back({c, staple, day});
      for (int i = 0; i < 2; ++i) {
        const uint32_t cat = rng() % 4 ? category : rng() % 10;
        d.lines.push_back({c, static_cast<uint32_t>(cat * 30 + rng() % 30), day});
      }
    }
  }
  std::sort(d.lines.begin(), d.lines.end(), [](const PurchaseLine& a, const PurchaseLine& b) {
    return std::tie(a.customer, a.product, a.day) < std::tie(b.customer, b.product, b.day);
  });
  d.lines.erase(std::unique(d.lines.begin(), d.lines.end(), [](const PurchaseLine& a, const PurchaseLine& b) {
                  return a.customer == b.customer && a.product == b.product && a.day == b.day;
                }), d.lines.end());
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t customers = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  auto t0 = std::chrono::steady_clock::now();
  PurchaseData data = Synthetic(customers, 300);
  std::printf("data: %zu customers, %zu lines in %.2f s\n", customers, data.lines.size(), Seconds(t0));
  auto t1 = std::chrono::steady_clock::now();
  auto rec = custintel::models::Recommender::Fit(data.lines, data.product_ids.size(), {});
  std::printf("fit (co-occurrence, popularity): %.2f s\n", Seconds(t1));
  auto t2 = std::chrono::steady_clock::now();
  auto table = custintel::models::RecommendAll(rec, data, 21000);
  std::printf("top-10 for every customer: %.2f s (%zu rows)\n", Seconds(t2), table.rows.size());
  auto t3 = std::chrono::steady_clock::now();
  auto e = custintel::models::EvaluateRecommendations(data);
  std::printf("evaluate (last basket held out, %zu customers, 4 methods incl. TIFU-KNN): %.2f s\n", e.customers,
              Seconds(t3));
  for (const auto& m : e.methods) {
    std::printf("  %-13s hit@10 %.3f  recall@10 %.3f  NDCG@10 %.3f\n", m.method.c_str(), m.hit_rate_at_10,
                m.recall_at_10, m.ndcg_at_10);
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak RSS: %.0f MiB\n", ru.ru_maxrss / 1024.0);
  return 0;
}
