// Commands of this area: ask (issue 9). Registered from RegisterCommands.
//   custintel ask "top 10 customers by churn risk" [--json] [--scope account_id=acme]
//                 [--parser builtin|llm] [--limit N] [--timeout-ms N]
//   custintel evaluate ask [--set FILE] [--json]   (accuracy per family on the held-out set)
#include <fmt/format.h>

#include <iostream>

#include "ask/ask.h"
#include "ask/evaluate.h"
#include "cli/commands.h"
#include "core/strings.h"
#include "store/ai/runtime.h"

namespace custintel::cli {
namespace {

struct AskArgs {
  std::string question;
  std::vector<std::string> scope;
  std::string parser = "builtin";
  int64_t limit = 1000;
  int64_t timeout_ms = 10000;
  bool json = false;
};

Result<ask::Scope> ParseScope(const std::vector<std::string>& items) {
  ask::Scope scope;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      return Status::InvalidArgument("--scope '" + item + "' is not key=value (e.g. account_id=acme)");
    }
    scope[std::string(Trim(item.substr(0, eq)))] = std::string(Trim(item.substr(eq + 1)));
  }
  return scope;
}

void PrintAnswer(const ask::AskAnswer& a) {
  std::cout << a.answer_text << '\n';
  if (!a.answered) {
    for (const auto& s : a.suggestions) std::cout << "  - " << s << '\n';
    if (!a.reason.empty()) std::cout << "(" << a.reason << ")\n";
    return;
  }
  if (a.columns.size() > 1 || a.rows.size() > 1) {
    std::cout << '\n' << Join(a.columns, "\t") << '\n';
    for (const auto& row : a.rows) {
      std::vector<std::string> cells;
      for (const auto& cell : row) cells.push_back(cell.is_null() ? "NULL" : cell.is_string() ? cell.get<std::string>() : cell.dump());
      std::cout << Join(cells, "\t") << '\n';
    }
  }
  std::cout << "\nsql: " << a.sql << '\n';
}

Status RunAsk(GlobalOptions& g, const AskArgs& args) {
  ask::AskOptions options;
  auto scope = ParseScope(args.scope);
  if (!scope.ok() || args.limit < 1 || args.timeout_ms < 1 || (args.parser != "builtin" && args.parser != "llm")) {
    g.usage_error = true;
    if (!scope.ok()) return scope.status();
    if (args.limit < 1) return Status::InvalidArgument("--limit must be at least 1");
    if (args.timeout_ms < 1) return Status::InvalidArgument("--timeout-ms must be at least 1");
    return Status::InvalidArgument("--parser must be builtin or llm");
  }
  options.scope = *scope;
  options.row_limit = args.limit;
  options.timeout = std::chrono::milliseconds(args.timeout_ms);
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, true));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  std::shared_ptr<store::AiRuntime> runtime;
  if (args.parser == "llm") {
    options.parser = ask::ParserKind::kLlm;
    CI_ASSIGN_OR_RETURN(AiConfig ai_config, ResolveAiConfig(g));
    runtime = std::make_shared<store::AiRuntime>(ai_config, db);
    CI_ASSIGN_OR_RETURN(options.ai, runtime->Service());
  }
  Result<ask::AskAnswer> a = ask::Ask(conn, args.question, options);
  if (!a.ok()) {
    if (a.status().code() == StatusCode::kInvalidArgument) g.usage_error = true;
    return a.status();
  }
  if (args.json) {
    std::cout << a->ToJson().dump(2) << '\n';
  } else {
    PrintAnswer(*a);
  }
  return Status::Ok();
}

struct EvalArgs {
  std::string set = "tests/data/ask/shop_questions.jsonl";
  bool json = false;
};

Status RunEvaluateAsk(GlobalOptions& g, const EvalArgs& args) {
  Result<std::vector<ask::AskEvalQuestion>> set = ask::LoadAskEvalSet(args.set);
  if (!set.ok()) {
    return set.status().WithContext("--set (the held-out set is tests/data/ask/shop_questions.jsonl in the source tree)");
  }
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, true));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  CI_ASSIGN_OR_RETURN(ask::AskEvalReport report, ask::EvaluateAsk(conn, *set));
  std::cout << (args.json ? report.ToJson().dump(2) + "\n" : report.ToText());
  return Status::Ok();
}

}  // namespace

void RegisterAskCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  static AskArgs args;
  auto* cmd = app.add_subcommand("ask", "answer a question in plain words through the semantic model (audited)");
  common(cmd, &g);
  cmd->add_option("question", args.question, "the question, e.g. \"revenue per month this year\"")->required();
  cmd->add_option("--scope", args.scope, "limit every row to key=value (e.g. account_id=acme); repeatable");
  cmd->add_option("--parser", args.parser, "builtin (default) or llm (needs an AI backend: --backend/--model)")
      ->capture_default_str();
  cmd->add_option("--limit", args.limit, "most rows in the answer")->capture_default_str();
  cmd->add_option("--timeout-ms", args.timeout_ms, "stop the query after this long")->capture_default_str();
  cmd->add_flag("--json", args.json, "print the answer as JSON (question, spec, sql, rows, answer_text, ...)");
  cmd->callback([&] { action = [&] { return RunAsk(g, args); }; });

  static EvalArgs eval_args;
  auto* ev = EvaluateCommand(app)->add_subcommand(
      "ask", "ask every question of a held-out set and compare each answer with its SQL answer: accuracy per "
             "family, refusals of out-of-scope questions");
  common(ev, &g);
  ev->add_option("--set", eval_args.set, "the question set (JSON lines: q, family, sql | refuse)")->capture_default_str();
  ev->add_flag("--json", eval_args.json, "print JSON (overall, families, refusals, misses)");
  ev->callback([&] { action = [&] { return RunEvaluateAsk(g, eval_args); }; });
}

}  // namespace custintel::cli
