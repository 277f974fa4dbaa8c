// Commands of this area: insights (issue 7). Registered from RegisterCommands.
//   custintel insights [--refresh] [--segment ID | --customer ID] [--json]
// Shows the stored insights (every segment and the executive summary, one segment, or one
// customer's summary, retention strategy, recommendations and notification); --refresh
// rewrites them first (all, or the one --segment) with the configured AI backend.
#include <fmt/format.h>

#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "insight/read.h"
#include "insight/step.h"
#include "store/ai/runtime.h"

namespace custintel::cli {
namespace {

struct InsightsArgs {
  bool refresh = false;
  std::string segment, customer;
  bool json = false;
};

std::string Str(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

std::string Provenance(const nlohmann::json& row) {
  double score = row.contains("grounding_score") && row["grounding_score"].is_number() ? row["grounding_score"].get<double>() : 0;
  return fmt::format("[{} · {} · grounding {:.2f}]", Str(row, "writer"), Str(row, "model"), score);
}

void PrintSegment(const nlohmann::json& s) {
  std::cout << "== " << Str(s, "segment") << " " << Provenance(s) << "\n" << Str(s, "text") << "\n";
  if (s.contains("strategies") && s["strategies"].is_array()) {
    std::cout << "strategies:\n";
    for (const auto& st : s["strategies"]) {
      std::cout << "  - " << Str(st, "name") << ": " << Str(st, "description") << " (" << Str(st, "expected_impact")
                << ")\n";
    }
  }
  std::cout << "\n";
}

void PrintCustomer(const nlohmann::json& c) {
  const nlohmann::json& s = c["summary"];
  std::cout << "customer " << Str(c, "customer_id") << " " << Provenance(s) << "\n" << Str(s, "summary") << "\n";
  if (!c["retention"].is_null()) std::cout << "\nretention: " << Str(c["retention"], "strategy") << "\n";
  if (!c["recommendations"].empty()) std::cout << "\nrecommendations:\n";
  for (const auto& r : c["recommendations"]) {
    std::cout << fmt::format("  {:>3}  {:<9} {}: {}\n", r.value("priority", 0), Str(r, "type"), Str(r, "title"),
                             Str(r, "description"));
  }
  if (!c["notification"].is_null()) {
    const nlohmann::json& n = c["notification"];
    std::cout << fmt::format("\nnotification ({} at {}:00): {}\n", Str(n, "send_weekday"), n.value("send_hour", 0),
                             Str(n, "message"));
  }
}

Status Refresh(store::Database& db, store::Connection& conn, const InsightsArgs& args) {
  insight::InsightOptions options;
  options.refresh = true;
  if (!args.segment.empty()) options.segment = args.segment;
  std::shared_ptr<ai::AiService> ai;
  if (auto runtime = AiRuntimeOf(db)) {
    CI_ASSIGN_OR_RETURN(ai, runtime->Service());
  }
  CI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(conn));
  Result<insight::InsightReport> r = insight::RunInsights(conn, ai, options);
  if (!r.ok()) return r.status();
  CI_RETURN_IF_ERROR(tx.Commit());
  std::cerr << r->Note() << "\n";
  if (ai && ai->identity().backend != "builtin") std::cerr << ai->stats().ToString() << "\n";
  return Status::Ok();
}

Status Show(store::Connection& conn, const InsightsArgs& args) {
  if (!args.customer.empty()) {
    CI_ASSIGN_OR_RETURN(nlohmann::json c, insight::ReadCustomerInsights(conn, args.customer));
    if (args.json) {
      std::cout << c.dump(2) << "\n";
    } else {
      PrintCustomer(c);
    }
    return Status::Ok();
  }
  std::optional<std::string> seg;
  if (!args.segment.empty()) seg = args.segment;
  CI_ASSIGN_OR_RETURN(nlohmann::json segs, insight::ReadSegmentInsights(conn, seg));
  nlohmann::json exec;
  if (!seg) {
    CI_ASSIGN_OR_RETURN(exec, insight::ReadExecutiveSummary(conn));
  }
  if (args.json) {
    nlohmann::json out = {{"segments", segs}};
    if (!seg) out["executive_summary"] = exec;
    std::cout << out.dump(2) << "\n";
    return Status::Ok();
  }
  if (!exec.is_null()) std::cout << "executive summary " << Provenance(exec) << "\n" << Str(exec, "summary") << "\n\n";
  for (const auto& s : segs) PrintSegment(s);
  return Status::Ok();
}

Status RunInsightsCommand(GlobalOptions& g, const InsightsArgs& args) {
  if (!args.segment.empty() && !args.customer.empty()) {
    g.usage_error = true;
    return Status::InvalidArgument("--segment and --customer cannot be used together");
  }
  if (args.refresh && !args.customer.empty()) {
    g.usage_error = true;
    return Status::InvalidArgument("--refresh rewrites all insights or one --segment, not one --customer");
  }
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, true));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  if (args.refresh) {
    CI_RETURN_IF_ERROR(Refresh(*db, conn, args));
  }
  return Show(conn, args);
}

}  // namespace

void RegisterInsightsCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  static InsightsArgs args;
  auto* cmd = app.add_subcommand("insights", "show the grounded insights of the last run (segments, customers, summary)");
  common(cmd, &g);
  cmd->add_flag("--refresh", args.refresh, "rewrite the insights first (all, or the one --segment)");
  cmd->add_option("--segment", args.segment, "only this segment (a name from `custintel segments`)");
  cmd->add_option("--customer", args.customer, "one customer's summary, retention strategy, recommendations, notification");
  cmd->add_flag("--json", args.json, "print JSON");
  cmd->callback([&] { action = [&] { return RunInsightsCommand(g, args); }; });
}

}  // namespace custintel::cli
