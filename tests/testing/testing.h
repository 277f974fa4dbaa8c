// Shared test helpers: temporary directories and running the real custintel binary.
#pragma once

#include <string>

namespace custintel::testing {

// A fresh directory under $TMPDIR, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `custintel <args>` (the binary named by $CUSTINTEL_BIN) through /bin/sh; `args` is
// shell text, so quote what needs it.
CommandResult RunCli(const std::string& args);
// Runs any shell command, capturing stdout and stderr.
CommandResult RunShell(const std::string& command);

// The end-to-end tests' shop: `gen-data --customers N --seed S` into <dir>/shop, ingested into
// `db`, then `run <run_flags>` on it. Returns the first command that failed, else the run's
// result (its output is the run report).
CommandResult BuildShop(const TempDir& dir, int customers, int seed, const std::string& db,
                        const std::string& run_flags = "");

void WriteFile(const std::string& path, const std::string& content);

// Copies a database file and, when it has one, its bronze folder (<db>.bronze: the raw rows'
// Parquet files, one unit with the file), replacing what is at `to`.
void CopyDatabase(const std::string& from, const std::string& to);
std::string ReadFile(const std::string& path);

}  // namespace custintel::testing
