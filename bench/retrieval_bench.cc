// retrieval_bench: builds the retrieval index (BM25 + HNSW over builtin embeddings) for a
// gen-data shop's notes, reviews and tickets, reopens it from disk, refreshes it unchanged, and
// measures queries per second of BM25, vector and hybrid search (one thread, k = 10), plus a
// hybrid search restricted to 100 customers. Prints wall seconds and the process's peak RSS.
//
//   retrieval_bench [customers | DB_FILE] [queries]     default: 100000 customers, 2000 queries
// A generated shop is removed afterwards unless CUSTINTEL_BENCH_KEEP is set. Pass an ingested
// database to keep generation and ingest out of the peak RSS.
#include "bench_util.h"

#include <sys/resource.h>

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unordered_set>
#include <vector>

#include "ai/builtin_backend.h"
#include "ai/service.h"
#include "core/log.h"
#include "gen/gen_data.h"
#include "ingest/ingest.h"
#include "retrieval/index.h"
#include "store/migrations.h"

namespace {

namespace fs = std::filesystem;
using namespace custintel;

const std::vector<std::string> kQueries = {
    "late delivery refund",        "parcel never arrived",         "charged twice",
    "item arrived damaged",        "cancel my subscription",       "warranty claim for a defect",
    "app crashes at checkout",     "wrong item shipped",           "return label",
    "price went up",               "great quality would buy again", "slow customer service",
    "coffee tastes stale",         "size runs small",              "password reset locked out",
    "loyalty points voucher",
};

// CPU seconds (user + system, all threads) this process has used: on a shared machine the
// wall time of a step says more about the neighbours than about the step.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

Result<std::string> MakeShop(const std::string& arg, const std::string& tmp) {
  if (fs::exists(arg)) return arg;
  gen::GenOptions g;
  g.customers = std::atoll(arg.c_str());
  g.out_dir = tmp + "/shop";
  double gen_s = 0;
  Result<gen::GenReport> report = Status::Internal("not run");
  gen_s = bench::Seconds([&] { report = gen::GenerateShop(g); });
  CI_RETURN_IF_ERROR(report.status());
  std::printf("generated %lld customers, %lld reviews, %lld tickets, %lld notes in %.1f s\n",
              static_cast<long long>(report->customers), static_cast<long long>(report->reviews),
              static_cast<long long>(report->tickets), static_cast<long long>(report->notes), gen_s);
  const std::string db_path = tmp + "/shop.duckdb";
  CI_ASSIGN_OR_RETURN(auto db, store::OpenEngineDatabase(db_path));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  CI_RETURN_IF_ERROR(ingest::IngestDirectory(conn, g.out_dir).status());
  return db_path;
}

void Queries(const retrieval::Index& index, retrieval::SearchOptions options, int n, const char* name) {
  size_t hits = 0;
  const double s = bench::Seconds([&] {
    for (int i = 0; i < n; ++i) {
      auto r = index.Search(kQueries[i % kQueries.size()], options);
      if (r.ok()) hits += r->size();
    }
  });
  std::printf("  %-26s %8.0f queries/s  (%.3f ms each, %.1f hits)\n", name, n / s, 1000 * s / n,
              static_cast<double>(hits) / n);
}

Status Run(const std::string& db_path, int n) {
  CI_ASSIGN_OR_RETURN(auto db, store::OpenEngineDatabase(db_path));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  auto ai = std::make_shared<ai::AiService>(ai::MakeBuiltinBackend(), nullptr, nullptr);
  const std::string dir = retrieval::IndexDirFor(db_path);
  fs::remove_all(dir);
  Result<retrieval::Index> built = Status::Internal("not run");
  const double cpu_before = CpuSeconds();
  const double build_s = bench::Seconds([&] { built = retrieval::Index::Open(conn, dir, ai); });
  const double build_cpu = CpuSeconds() - cpu_before;
  CI_RETURN_IF_ERROR(built.status());
  const auto stats = built->stats();
  std::printf("built index of %lld documents (%lld notes, %lld reviews, %lld tickets; %lld terms, %d dims) in %.2f s wall, %.2f s CPU\n",
              static_cast<long long>(stats.documents), static_cast<long long>(stats.notes),
              static_cast<long long>(stats.reviews), static_cast<long long>(stats.tickets),
              static_cast<long long>(stats.terms), stats.dimensions, build_s, build_cpu);
  std::printf("peak RSS after build: %.0f MiB\n", bench::PeakRssMiB());
  built = Status::Internal("released");
  Result<retrieval::Index> reopened = Status::Internal("not run");
  const double open_s = bench::Seconds([&] { reopened = retrieval::Index::Open(conn, dir, ai); });
  CI_RETURN_IF_ERROR(reopened.status());
  std::printf("reopened from disk + unchanged refresh in %.2f s (%s)\n", open_s,
              reopened->last_refresh().ToString().c_str());
  std::unordered_set<std::string> customers;
  for (int i = 1; i <= 100; ++i) customers.insert(fmt::format("C{:06d}", i * 37));
  std::printf("search, one thread, k = 10:\n");
  Queries(*reopened, {.k = 10, .method = retrieval::Method::kBm25}, n, "bm25");
  Queries(*reopened, {.k = 10, .method = retrieval::Method::kVector}, n, "vector");
  Queries(*reopened, {.k = 10, .method = retrieval::Method::kHybrid}, n, "hybrid");
  Queries(*reopened, {.k = 10, .customer_ids = &customers}, n, "hybrid, 100 customers");
  Queries(*reopened, {.k = 10, .sources = {"note"}}, n, "hybrid, notes only");
  std::printf("peak RSS: %.0f MiB\n", bench::PeakRssMiB());
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string arg = argc > 1 ? argv[1] : "100000";
  const int n = argc > 2 ? std::atoi(argv[2]) : 2000;
  SetLogLevel(LogLevel::kWarn);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  std::string tmp = (fs::temp_directory_path() / "custintel-retrieval-bench-XXXXXX").string();
  if (!mkdtemp(tmp.data())) {
    std::perror("mkdtemp");
    return 1;
  }
  auto db_path = MakeShop(arg, tmp);
  Status s = db_path.ok() ? Run(*db_path, n) : db_path.status();
  if (!std::getenv("CUSTINTEL_BENCH_KEEP")) fs::remove_all(tmp);
  if (!s.ok()) {
    std::fprintf(stderr, "retrieval_bench: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}
