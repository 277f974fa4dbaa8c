// Request metrics in the Prometheus text format (GET /metrics): counts by route, method and
// status, a latency histogram by route, and response cache hits and misses — kept per tenant.
// A tenant admin reads its own tenant's series; the operator reads the whole server (every
// tenant summed, plus requests no key was attached to). Labels are route templates, never raw
// paths or tenant names, so the series stay few and one tenant's traffic is never shown to another.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

namespace custintel::server {

class Metrics {
 public:
  // tenant: "" for requests answered before a key named one (public, refused, malformed).
  void Observe(const std::string& tenant, const std::string& method, const std::string& route, int status,
               double seconds);
  void CountCache(const std::string& tenant, bool hit);
  // tenant: that tenant's series only; nullopt: the whole server.
  std::string Render(const std::optional<std::string>& tenant);

 private:
  static constexpr std::array<double, 10> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t total = 0;
    double sum = 0;
    void Add(const Histogram& o);
  };
  struct Series {
    std::map<std::tuple<std::string, std::string, int>, uint64_t> requests;
    std::map<std::string, Histogram> latency;
    uint64_t cache_hits = 0, cache_misses = 0;
    void Add(const Series& o);
  };
  std::mutex mu_;
  std::map<std::string, Series> tenants_;
};

}  // namespace custintel::server
