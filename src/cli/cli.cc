#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/log.h"

namespace custintel::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

void AddCommon(CLI::App* sub, GlobalOptions* g) {
  sub->add_option("--db", g->db, "DuckDB database file")->capture_default_str();
  sub->add_option("--config", g->config, "custintel.toml (default: ./custintel.toml if present)");
  sub->add_option("--memory-limit", g->memory_limit,
                  "DuckDB memory limit, e.g. 3GiB or 50% (default: [database] memory_limit; beyond it work "
                  "spills to <db>.tmp)");
  sub->add_flag("-v,--verbose", g->verbose, "log progress to stderr");
  sub->add_option("--backend", g->ai_backend, "AI backend: builtin | llama | http (default: [ai] backend)")
      ->check(CLI::IsMember({"builtin", "llama", "http"}));
  sub->add_option("--model", g->ai_model, "AI model: a GGUF file (llama) or the server's model id (http)");
  sub->add_option("--base-url", g->ai_base_url, "AI server, OpenAI-compatible (http backend), e.g. http://127.0.0.1:8080");
}

// The error as the one line users read. DuckDB's out-of-memory error adds lines of advice in its
// own SET statements, which custintel does not take; ours are the flag and the config key.
std::string ErrorLine(const Status& s) {
  const std::string& m = s.message();
  if (m.find("Out of Memory Error") == std::string::npos) return m;
  return m.substr(0, m.find('\n')) +
         " (raise --memory-limit or [database] memory_limit in custintel.toml; without either DuckDB may use 80% "
         "of RAM)";
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"custintel: customer intelligence in one binary (see README.md)", "custintel"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "help for every subcommand");
  GlobalOptions g;
  std::function<Status()> action;
  RegisterCommands(app, g, action, AddCommon);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "custintel: error: " << e.what() << " (run custintel --help)\n";
    return kExitUsage;
  }
  if (g.verbose) SetLogLevel(LogLevel::kInfo);
  if (!action) return kExitOk;
  Status s = action();
  if (!s.ok()) {
    std::cerr << "custintel: error: " << ErrorLine(s) << '\n';
    return s.code() == StatusCode::kInvalidArgument && g.usage_error ? kExitUsage : kExitRuntime;
  }
  return kExitOk;
}

}  // namespace custintel::cli
