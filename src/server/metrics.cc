#include "server/metrics.h"

#include <fmt/format.h>

namespace custintel::server {

void Metrics::Observe(const std::string& method, const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{method, route, status}];
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i) h.counts[i] += seconds <= kBuckets[i];
  ++h.total;
  h.sum += seconds;
}

std::string Metrics::Render() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out =
      "# HELP custintel_http_requests_total HTTP requests by method, route template and status.\n"
      "# TYPE custintel_http_requests_total counter\n";
  for (const auto& [k, n] : requests_) {
    out += fmt::format("custintel_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                       std::get<0>(k), std::get<1>(k), std::get<2>(k), n);
  }
  out += "# HELP custintel_http_request_duration_seconds Time to answer, by route template.\n"
         "# TYPE custintel_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("custintel_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route,
                         kBuckets[i], h.counts[i]);
    }
    out += fmt::format("custintel_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route, h.total);
    out += fmt::format("custintel_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("custintel_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, h.total);
  }
  return out;
}

}  // namespace custintel::server
