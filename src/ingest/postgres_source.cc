#include "ingest/postgres_source.h"

#include <cstdio>
#include <filesystem>
#include <random>

#include "core/strings.h"
#include "ingest/postgres_client.h"

namespace custintel::ingest {
namespace {

namespace fs = std::filesystem;

// A file path in the temp directory, removed when the object dies.
class TempFile {
 public:
  explicit TempFile(const std::string& suffix) {
    std::random_device rd;
    path_ = (fs::temp_directory_path() / ("custintel-pg-" + std::to_string(rd()) + suffix)).string();
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string QuoteTable(const PgConnection& pg, const std::string& table) {
  std::string out;
  for (const auto& part : Split(table, '.')) out += (out.empty() ? "" : ".") + pg.QuoteIdentifier(Trim(part));
  return out;
}

Status CopyTableToCsv(PgConnection& pg, const std::string& table, const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return Status::IoError(path + ": cannot be written");
  Status s = pg.CopyOut(
      "COPY (SELECT * FROM " + QuoteTable(pg, table) + ") TO STDOUT WITH (FORMAT csv, HEADER true)",
      [&](std::string_view chunk) {
        return std::fwrite(chunk.data(), 1, chunk.size(), f) == chunk.size()
                   ? Status::Ok()
                   : Status::IoError(path + ": write failed (disk full?)");
      });
  if (std::fclose(f) != 0 && s.ok()) s = Status::IoError(path + ": write failed (disk full?)");
  return s;
}

}  // namespace

Result<IngestCounts> IngestPostgresTable(store::Connection& conn, const std::string& url,
                                         const std::string& table, IngestOptions options) {
  const std::string source = RedactPostgresUrl(url) + "#" + table;
  if (options.kind.empty()) return Status::InvalidArgument(source + ": say which kind the table holds (--kind)");
  if (table.empty()) return Status::InvalidArgument(source + ": name the table to read (--table)");
  CI_ASSIGN_OR_RETURN(PgConnection pg, PgConnection::Connect(url));
  TempFile csv(".csv");
  CI_RETURN_IF_ERROR(CopyTableToCsv(pg, table, csv.path()).WithContext(source));
  options.format = "csv";
  options.source_name = source;
  return IngestFile(conn, csv.path(), options);
}

}  // namespace custintel::ingest
