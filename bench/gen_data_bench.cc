// gen_data_bench: generates a synthetic shop (default 1,000,000 customers) into a temporary
// folder and prints wall seconds, rows written, MB written, throughput and peak RSS.
//
//   gen_data_bench [customers] [threads]     threads 0 (default) = all cores
// The folder is removed afterwards unless CUSTINTEL_BENCH_KEEP is set.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gen/gen_data.h"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  custintel::gen::GenOptions options;
  options.customers = argc > 1 ? std::atoll(argv[1]) : 1000000;
  options.threads = argc > 2 ? std::atoi(argv[2]) : 0;
  std::string tmpl = (fs::temp_directory_path() / "custintel-gen-bench-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    std::perror("mkdtemp");
    return 1;
  }
  options.out_dir = tmpl;
  auto report = custintel::gen::GenerateShop(options);
  if (!std::getenv("CUSTINTEL_BENCH_KEEP")) {
    std::error_code ec;
    fs::remove_all(tmpl, ec);
  }
  if (!report.ok()) {
    std::fprintf(stderr, "gen_data_bench: %s\n", report.status().message().c_str());
    return 1;
  }
  const auto& r = *report;
  const int64_t rows = r.customers + r.orders + r.order_items + r.products + r.events + r.reviews +
                       r.tickets + r.notes;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double mb = static_cast<double>(r.bytes_written) / (1024.0 * 1024.0);
  std::printf("gen_data: %lld customers, threads=%d\n", static_cast<long long>(r.customers), options.threads);
  std::printf("  wall seconds   %.2f\n", r.seconds);
  std::printf("  rows written   %lld (orders %lld, items %lld, events %lld, reviews %lld, tickets %lld)\n",
              static_cast<long long>(rows), static_cast<long long>(r.orders),
              static_cast<long long>(r.order_items), static_cast<long long>(r.events),
              static_cast<long long>(r.reviews), static_cast<long long>(r.tickets));
  std::printf("  MB written     %.1f (truth included)\n", mb);
  std::printf("  throughput     %.0f customers/s, %.1f MB/s\n", r.customers / r.seconds, mb / r.seconds);
  std::printf("  peak RSS       %.1f MB\n", usage.ru_maxrss / 1024.0);
  if (!std::getenv("CUSTINTEL_BENCH_KEEP")) std::printf("  (output removed: set CUSTINTEL_BENCH_KEEP=1 to keep %s)\n", tmpl.c_str());
  else std::printf("  output kept in %s\n", tmpl.c_str());
  return 0;
}
