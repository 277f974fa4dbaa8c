#include "server/metrics.h"

#include <fmt/format.h>

namespace custintel::server {

void Metrics::Histogram::Add(const Histogram& o) {
  for (size_t i = 0; i < counts.size(); ++i) counts[i] += o.counts[i];
  total += o.total;
  sum += o.sum;
}

void Metrics::Series::Add(const Series& o) {
  for (const auto& [k, n] : o.requests) requests[k] += n;
  for (const auto& [route, h] : o.latency) latency[route].Add(h);
  cache_hits += o.cache_hits;
  cache_misses += o.cache_misses;
}

void Metrics::Observe(const std::string& tenant, const std::string& method, const std::string& route, int status,
                      double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = tenants_[tenant];
  ++s.requests[{method, route, status}];
  Histogram& h = s.latency[route];
  for (size_t i = 0; i < kBuckets.size(); ++i) h.counts[i] += seconds <= kBuckets[i];
  ++h.total;
  h.sum += seconds;
}

void Metrics::CountCache(const std::string& tenant, bool hit) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = tenants_[tenant];
  ++(hit ? s.cache_hits : s.cache_misses);
}

std::string Metrics::Render(const std::optional<std::string>& tenant) {
  Series s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (tenant) {
      if (auto it = tenants_.find(*tenant); it != tenants_.end()) s = it->second;
    } else {
      for (const auto& [name, t] : tenants_) s.Add(t);
    }
  }
  std::string out =
      "# HELP custintel_http_requests_total HTTP requests by method, route template and status.\n"
      "# TYPE custintel_http_requests_total counter\n";
  for (const auto& [k, n] : s.requests) {
    out += fmt::format("custintel_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                       std::get<0>(k), std::get<1>(k), std::get<2>(k), n);
  }
  out += "# HELP custintel_http_request_duration_seconds Time to answer, by route template.\n"
         "# TYPE custintel_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : s.latency) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("custintel_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route,
                         kBuckets[i], h.counts[i]);
    }
    out += fmt::format("custintel_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route, h.total);
    out += fmt::format("custintel_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("custintel_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, h.total);
  }
  out += fmt::format(
      "# TYPE custintel_response_cache_hits_total counter\ncustintel_response_cache_hits_total {}\n"
      "# TYPE custintel_response_cache_misses_total counter\ncustintel_response_cache_misses_total {}\n",
      s.cache_hits, s.cache_misses);
  return out;
}

}  // namespace custintel::server
