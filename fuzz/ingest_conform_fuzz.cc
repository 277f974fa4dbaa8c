// libFuzzer target for the conform path: arbitrary bytes as a CSV or JSONL file of some kind,
// ingested into an engine database file in /tmp (bronze keeps each batch as a file beside it,
// store/bronze.h, so an in-memory database would stop before the writes). Any outcome is fine except a crash, a sanitizer
// report or a hang: bad rows must be quarantined or the file refused with a Status.
//   build-fuzz/fuzz/ingest_conform_fuzz -max_total_time=60
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "ingest/contract.h"
#include "ingest/ingest.h"
#include "store/migrations.h"

using namespace custintel;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::string path = "/tmp/ingest-conform-fuzz-" + std::to_string(getpid());
  static std::shared_ptr<store::Database> db = [] {
    const std::string file = path + ".duckdb";
    std::remove(file.c_str());
    return *store::OpenEngineDatabase(file);
  }();
  if (size < 1) return 0;
  const auto& kinds = ingest::Contracts();
  ingest::IngestOptions options;
  options.kind = kinds[data[0] % kinds.size()].kind;
  options.format = (data[0] & 0x80) ? "jsonl" : "csv";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data + 1, 1, size - 1, f);
  std::fclose(f);
  auto conn = db->Connect();
  if (!conn.ok()) return 0;
  (void)ingest::IngestFile(*conn, path, options);
  return 0;
}
