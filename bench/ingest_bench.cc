// ingest_bench: loads a gen-data shop (default: generates 1,000,000 customers into a temporary
// folder) twice — with custintel's ingest (bronze files + conform + silver, one transaction; no
// text analysis on arrival, which the CLI's ingest adds) and with
// a plain DuckDB `CREATE TABLE t AS SELECT * FROM read_csv(...)` per file — and prints wall
// seconds, rows per second, the ratio (issue 3 asks for at most 1.3), the CPU seconds of each
// load and their ratio (steadier than wall time on a shared machine), peak RSS and the size of
// both database files.
//
//   ingest_bench [customers | DIR] [threads]    threads 0 (default) = DuckDB's default
// A generated folder is removed afterwards unless CUSTINTEL_BENCH_KEEP is set.
#include "bench_util.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/log.h"
#include "core/strings.h"
#include "gen/gen_data.h"
#include "ingest/ingest.h"
#include "store/migrations.h"

namespace {

namespace fs = std::filesystem;
using namespace custintel;

double Seconds(std::chrono::steady_clock::time_point since) { return custintel::bench::SecondsSince(since); }

// CPU seconds (user + system) this process has used so far: steadier than wall time on a
// shared machine, and the same for both loads (one process, one DuckDB thread pool size).
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

double FileMiB(const std::string& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  return ec ? 0.0 : static_cast<double>(size) / (1024.0 * 1024.0);
}

// The bronze batch files beside a database (store/bronze.h).
double FolderMiB(const std::string& path) {
  std::error_code ec;
  uintmax_t size = 0;
  for (const auto& f : fs::recursive_directory_iterator(path, ec)) {
    if (f.is_regular_file()) size += f.file_size();
  }
  return static_cast<double>(size) / (1024.0 * 1024.0);
}

store::DatabaseOptions Options(int threads) {
  store::DatabaseOptions o;
  o.threads = threads;
  return o;
}

Result<double> PlainLoad(const std::string& dir, const std::string& db_path, int threads) {
  CI_ASSIGN_OR_RETURN(auto db, store::Database::Open(db_path, Options(threads)));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  auto start = std::chrono::steady_clock::now();
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".csv") continue;
    CI_RETURN_IF_ERROR(conn.Execute("CREATE TABLE " + QuoteIdent(entry.path().stem().string()) +
                                    " AS SELECT * FROM read_csv(" + QuoteLiteral(entry.path().string()) + ")"));
  }
  CI_RETURN_IF_ERROR(conn.Execute("CHECKPOINT"));
  return Seconds(start);
}

Result<std::pair<double, int64_t>> CustintelLoad(const std::string& dir, const std::string& db_path, int threads) {
  CI_ASSIGN_OR_RETURN(auto db, store::OpenEngineDatabase(db_path, Options(threads)));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  auto start = std::chrono::steady_clock::now();
  CI_ASSIGN_OR_RETURN(auto counts, ingest::IngestDirectory(conn, dir));
  CI_RETURN_IF_ERROR(conn.Execute("CHECKPOINT"));
  int64_t rows = 0;
  for (const auto& c : counts) rows += c.rows_read;
  return std::pair(Seconds(start), rows);
}

}  // namespace

int main(int argc, char** argv) {
  std::string arg = argc > 1 ? argv[1] : "1000000";
  int threads = argc > 2 ? std::atoi(argv[2]) : 0;
  // CUSTINTEL_BENCH_VERBOSE=1 logs every statement over 0.5 s (where the time goes).
  if (std::getenv("CUSTINTEL_BENCH_VERBOSE")) SetLogLevel(LogLevel::kInfo);
  else SetLogLevel(LogLevel::kWarn);
  std::string tmpl = (fs::temp_directory_path() / "custintel-ingest-bench-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    std::perror("mkdtemp");
    return 1;
  }
  std::string dir = arg;
  if (!fs::is_directory(arg)) {
    gen::GenOptions g;
    g.customers = std::atoll(arg.c_str());
    g.out_dir = tmpl + "/shop";
    auto r = gen::GenerateShop(g);
    if (!r.ok()) {
      std::fprintf(stderr, "ingest_bench: %s\n", r.status().message().c_str());
      return 1;
    }
    dir = g.out_dir;
  }
  const double cpu0 = CpuSeconds();
  auto plain = PlainLoad(dir, tmpl + "/plain.duckdb", threads);
  const double cpu1 = CpuSeconds();
  auto ours = CustintelLoad(dir, tmpl + "/custintel.duckdb", threads);
  const double plain_cpu = cpu1 - cpu0, ours_cpu = CpuSeconds() - cpu1;
  const double plain_mb = FileMiB(tmpl + "/plain.duckdb"), ours_mb = FileMiB(tmpl + "/custintel.duckdb");
  const double bronze_mb = FolderMiB(tmpl + "/custintel.duckdb.bronze");
  if (!std::getenv("CUSTINTEL_BENCH_KEEP")) {
    std::error_code ec;
    fs::remove_all(tmpl, ec);
  }
  if (!plain.ok() || !ours.ok()) {
    std::fprintf(stderr, "ingest_bench: %s\n",
                 (!plain.ok() ? plain.status() : ours.status()).message().c_str());
    return 1;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto [secs, rows] = *ours;
  std::printf("ingest: %s, threads=%d, %lld rows\n", dir.c_str(), threads, static_cast<long long>(rows));
  std::printf("  plain read_csv → table  %8.2f s  %10.0f rows/s\n", *plain, rows / *plain);
  std::printf("  custintel ingest        %8.2f s  %10.0f rows/s\n", secs, rows / secs);
  std::printf("  ratio                   %8.2f    (target ≤ 1.5, issue 26)\n", secs / *plain);
  std::printf("  CPU seconds             %8.2f plain, %.2f custintel, ratio %.2f\n", plain_cpu, ours_cpu,
              ours_cpu / plain_cpu);
  std::printf("  peak RSS                %8.1f MB\n", usage.ru_maxrss / 1024.0);
  std::printf("  database file           %8.1f MB plain, %.1f MB custintel (silver) + %.1f MB bronze files\n", plain_mb,
              ours_mb, bronze_mb);
  return 0;
}
