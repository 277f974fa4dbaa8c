#include "testing/testing.h"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace custintel::testing {

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (int i = 0; i < 100; ++i) {
    auto p = base / ("custintel-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(p)) {
      path_ = p.string();
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

void CopyDatabase(const std::string& from, const std::string& to) {
  namespace fs = std::filesystem;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  fs::remove_all(to + ".bronze");
  if (fs::exists(from + ".bronze")) fs::copy(from + ".bronze", to + ".bronze", fs::copy_options::recursive);
}

CommandResult RunShell(const std::string& command) {
  TempDir tmp;
  std::string full = "(" + command + ") >" + tmp.File("out") + " 2>" + tmp.File("err");
  int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFile(tmp.File("out"));
  r.err = ReadFile(tmp.File("err"));
  return r;
}

CommandResult BuildShop(const TempDir& dir, int customers, int seed, const std::string& db,
                        const std::string& run_flags) {
  CommandResult r = RunCli("gen-data --customers " + std::to_string(customers) + " --seed " + std::to_string(seed) +
                           " --out " + dir.File("shop"));
  if (r.exit_code != 0) return r;
  r = RunCli("ingest --db " + db + " --dir " + dir.File("shop"));
  if (r.exit_code != 0) return r;
  return RunCli("run --db " + db + (run_flags.empty() ? "" : " " + run_flags));
}

CommandResult RunCli(const std::string& args) {
  const char* bin = std::getenv("CUSTINTEL_BIN");
  if (!bin) throw std::runtime_error("CUSTINTEL_BIN is not set (run the tests through ctest)");
  return RunShell(std::string("'") + bin + "' " + args);
}

}  // namespace custintel::testing
