// Commands of this area: dev make-gguf and AI options (issue 6). Registered from RegisterCommands.
#include "cli/commands.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <mutex>

#include "ai/llama/llama_make_gguf.h"
#include "cli/output.h"
#include "core/strings.h"
#include "insight/customer_texts_sql.h"
#include "store/ai/runtime.h"
#include "store/ai/sql_functions.h"

namespace custintel::cli {

// ---- AI layer glue: config overrides, SQL functions on every connection, counters ----------

namespace {

std::mutex& RuntimesMutex() {
  static std::mutex mu;
  return mu;
}
// Every runtime this process made (one per opened database), for PrintAiStats and AiRuntimeOf.
struct InstalledRuntime {
  const store::Database* db;
  std::weak_ptr<store::AiRuntime> runtime;
};
std::vector<InstalledRuntime>& Runtimes() {
  static std::vector<InstalledRuntime> runtimes;
  return runtimes;
}

}  // namespace

Result<AiConfig> ResolveAiConfig(const GlobalOptions& g) {
  CI_ASSIGN_OR_RETURN(Config config, ResolveConfig(g));
  AiConfig ai = config.ai;
  // A model file alone means llama; a base URL alone means http; --backend decides otherwise.
  if (!g.ai_model.empty()) {
    ai.model = g.ai_model;
    if (g.ai_backend.empty() && g.ai_base_url.empty()) ai.backend = "llama";
  }
  if (!g.ai_base_url.empty()) {
    ai.base_urls = {g.ai_base_url};
    if (g.ai_backend.empty()) ai.backend = "http";
  }
  if (!g.ai_backend.empty()) ai.backend = g.ai_backend;
  return ai;
}

Status InstallAi(const GlobalOptions& g, const std::shared_ptr<store::Database>& db) {
  CI_ASSIGN_OR_RETURN(AiConfig config, ResolveAiConfig(g));
  auto runtime = std::make_shared<store::AiRuntime>(config, db);
  store::InstallAiFunctions(*db, runtime);
  // customer_texts(id): on-demand texts in SQL, written with the same AI service (issue 26 item 2).
  insight::InstallCustomerTextsFunction(db, [runtime] { return runtime->Service(); });
  std::lock_guard<std::mutex> lock(RuntimesMutex());
  Runtimes().push_back({db.get(), runtime});
  return Status::Ok();
}

std::shared_ptr<store::AiRuntime> AiRuntimeOf(const store::Database& db) {
  std::lock_guard<std::mutex> lock(RuntimesMutex());
  for (auto it = Runtimes().rbegin(); it != Runtimes().rend(); ++it) {
    if (it->db != &db) continue;
    if (auto runtime = it->runtime.lock()) return runtime;
  }
  return nullptr;
}

void PrintAiStats(std::ostream& out) {
  std::lock_guard<std::mutex> lock(RuntimesMutex());
  for (const auto& installed : Runtimes()) {
    auto runtime = installed.runtime.lock();
    auto service = runtime ? runtime->ServiceIfBuilt() : nullptr;
    if (!service) continue;
    ai::AiStats s = service->stats();
    if (s.backend_calls + s.cache_hits + s.failures == 0) continue;
    out << s.ToString() << " (" << service->identity().backend << ")\n";
  }
}

Status RunSqlPrompt(store::Connection& conn, bool csv, bool json, std::istream& in, std::ostream& out) {
  const bool tty = isatty(STDIN_FILENO) && &in == &std::cin;
  const OutputFormat format = json ? OutputFormat::kJson : csv ? OutputFormat::kCsv : OutputFormat::kTable;
  std::string statement, line;
  if (tty) out << "custintel SQL: end statements with ';', .quit to leave\n";
  while (true) {
    if (tty) out << (statement.empty() ? "sql> " : "...> ") << std::flush;
    if (!std::getline(in, line)) break;
    std::string_view t = Trim(line);
    if (statement.empty() && (t == ".quit" || t == ".exit")) break;
    if (statement.empty() && t.empty()) continue;
    statement += line + "\n";
    if (t.empty() || t.back() != ';') continue;
    auto r = QueryForPrinting(conn, statement);
    statement.clear();
    if (!r.ok()) {
      std::cerr << "error: " << r.status().message() << '\n';
      continue;
    }
    PrintResult(*r, format, out);
    PrintAiStats(std::cerr);
  }
  if (!Trim(statement).empty()) std::cerr << "error: the last statement has no ';' and was not run\n";
  return Status::Ok();
}

// ---- commands ----------------------------------------------------------------------------------

// ---- dev make-gguf (issue 6 item 9): random-weight test models ---------------------------

namespace {

struct MakeGgufArgs {
  ai::MakeGgufOptions options;
};

Status RunMakeGguf(GlobalOptions& g, const ai::MakeGgufOptions& o) {
  Status s = ai::MakeGguf(o);
  if (s.code() == StatusCode::kInvalidArgument) g.usage_error = true;
  CI_RETURN_IF_ERROR(s);
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(o.out_path, ec);
  std::cout << "wrote " << o.out_path << " (" << o.arch << ", n_embd " << o.n_embd << ", n_layer "
            << o.n_layer << ", " << (ec ? 0 : bytes) << " bytes)\n";
  return Status::Ok();
}

// `custintel dev make-gguf`: flags map 1:1 onto ai::MakeGgufOptions.
void RegisterDevCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action) {
  static MakeGgufArgs args;
  ai::MakeGgufOptions& o = args.options;
  CLI::App* dev = app.add_subcommand("dev", "developer tools (test models)");
  dev->require_subcommand(1);
  CLI::App* mk = dev->add_subcommand("make-gguf", "write a random-weight GGUF model (llama generator or bert embedder)");
  mk->add_option("--out", o.out_path, "model file to write")->required();
  mk->add_option("--arch", o.arch, "llama (generator) or bert (embedder)")->capture_default_str();
  mk->add_option("--vocab", o.vocab_path, "GGUF whose tokenizer is copied (default: llama.cpp's models/ggml-vocab-*)");
  mk->add_option("--n-embd", o.n_embd, "hidden size")->capture_default_str();
  mk->add_option("--n-layer", o.n_layer, "transformer blocks")->capture_default_str();
  mk->add_option("--n-head", o.n_head, "attention heads")->capture_default_str();
  mk->add_option("--n-head-kv", o.n_head_kv, "key/value heads (fewer than --n-head: grouped-query)")->capture_default_str();
  mk->add_option("--n-ff", o.n_ff, "feed-forward width")->capture_default_str();
  mk->add_option("--n-ctx", o.n_ctx, "training context length")->capture_default_str();
  mk->add_option("--seed", o.seed, "seed of the weights")->capture_default_str();
  mk->add_option("--type", o.tensor_type, "f32 or f16 matrices")->capture_default_str();
  mk->add_option("--pooling", o.pooling, "bert only: mean or cls (an embedder) or rank (a reranker)")->capture_default_str();
  mk->callback([&] { action = [&] { return RunMakeGguf(g, args.options); }; });
}

}  // namespace

void RegisterAiCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  RegisterDevCommands(app, g, action);
  RegisterPgCommands(app, g, action, common);
  (void)app;
  (void)g;
  (void)action;
  (void)common;
}

}  // namespace custintel::cli
