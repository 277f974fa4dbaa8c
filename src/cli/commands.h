// The subcommands: each registers its flags on the CLI11 app and sets the action to run.
// Commands return Status; cli.cc maps it to the exit code and the one-line error.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/status.h"
#include "store/database.h"

namespace custintel::store {
class AiRuntime;
}  // namespace custintel::store

namespace custintel::cli {

struct GlobalOptions {
  std::string db = "custintel.duckdb";
  std::string config;
  bool verbose = false;
  // DuckDB memory limit; overrides [database] memory_limit of the config.
  std::string memory_limit;
  // AI overrides of [ai] in the config (cli/commands_ai.cc): --backend, --model, --base-url.
  std::string ai_backend;
  std::string ai_model;
  std::string ai_base_url;
  // Set by a command whose failure is the caller's usage (bad flag value): exit 2, not 1.
  bool usage_error = false;
};

using AddCommonFn = void (*)(CLI::App*, GlobalOptions*);

void RegisterCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common);
// Model commands (clv, churn, evaluate, rfm, cohorts, recs), in cli/commands_models.cc.
void RegisterModelCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common);

// The `evaluate` parent command (subcommands: clv, recs, and churn from the churn model's
// commands), created on the first call; later calls return the same one.
CLI::App* EvaluateCommand(CLI::App& app);
// Learned churn commands (evaluate churn, churn-model), in cli/commands_churn.cc.
// One registration hook per area, each in its own file (cli/commands_<area>.cc):
void RegisterIngestCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common);
// Ingests a gen-data style folder and prints the counts (ingest --dir; used by demo too).
Status RunIngestDirectory(GlobalOptions& g, const std::string& dir, const std::string& map = "",
                          const std::string& kinds = "", const std::string& format = "");
void RegisterTextCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common);
void RegisterAiCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common);
// pg-worker: the PostgreSQL extension's queue worker (cli/commands_pg.cc).
void RegisterPgCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common);
void RegisterServeCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common);
void RegisterAskCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common);
// Grounded insights (insights), in cli/commands_insights.cc.
void RegisterInsightsCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common);
void RegisterChurnCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common);
// evaluate grounding, check-grounding (cli/commands_insight_eval.cc).
void RegisterInsightEvalCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common);
void RegisterSearchCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common);

// Opens the database named by --db. must_exist: refuse to create a new, empty one.
Result<std::shared_ptr<store::Database>> OpenDb(const GlobalOptions& g, bool must_exist);
// --config, else ./custintel.toml when present, else the defaults.
Result<Config> ResolveConfig(const GlobalOptions& g);

// AI layer glue (cli/commands_ai.cc): the [ai] config with --backend/--model/--base-url applied,
// installing the AI SQL functions on every connection of `db` (called from OpenDb), the
// counters of AI work done by this process (printed on stderr after a query that used AI),
// and the interactive SQL prompt of `custintel sql` without a query.
Result<AiConfig> ResolveAiConfig(const GlobalOptions& g);
Status InstallAi(const GlobalOptions& g, const std::shared_ptr<store::Database>& db);
// The AiRuntime InstallAi gave `db` (null when none): the pipeline's text step writes through it.
std::shared_ptr<store::AiRuntime> AiRuntimeOf(const store::Database& db);
void PrintAiStats(std::ostream& out);
Status RunSqlPrompt(store::Connection& conn, bool csv, bool json, std::istream& in, std::ostream& out);

}  // namespace custintel::cli
