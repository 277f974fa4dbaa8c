// Commands of this area: insights (issue 7). Registered from RegisterCommands.
//   custintel insights [--refresh | --all] [--segment ID | --customer ID] [--json]
// Shows the stored insights (every segment and the executive summary, one segment, or one
// customer's summary, retention strategy, recommendations and notification); --refresh
// rewrites them first (all, or the one --segment) with the configured AI backend. A customer's
// texts are written on demand the first time they are asked for (insight::EnsureCustomerTexts,
// issue 26 item 2); --all writes every customer's and account's texts, after an estimate.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "core/stopwatch.h"
#include "insight/read.h"
#include "insight/step.h"
#include "store/ai/runtime.h"

namespace custintel::cli {
namespace {

struct InsightsArgs {
  bool refresh = false;
  bool all = false;
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

// The configured AI service (null: the builtin writer for everything).
Result<std::shared_ptr<ai::AiService>> AiOf(store::Database& db) {
  std::shared_ptr<ai::AiService> ai;
  if (auto runtime = AiRuntimeOf(db)) {
    CI_ASSIGN_OR_RETURN(ai, runtime->Service());
  }
  return ai;
}

void PrintAiStats(const std::shared_ptr<ai::AiService>& ai) {
  if (ai && ai->identity().backend != "builtin") std::cerr << ai->stats().ToString() << "\n";
}

// RunInsights in one transaction.
Result<insight::InsightReport> RunInTransaction(store::Connection& conn, const std::shared_ptr<ai::AiService>& ai,
                                                const insight::InsightOptions& options) {
  CI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(conn));
  CI_ASSIGN_OR_RETURN(insight::InsightReport r, insight::RunInsights(conn, ai, options));
  CI_RETURN_IF_ERROR(tx.Commit());
  return r;
}

// How many customers and accounts have no stored summary yet.
Result<std::pair<int64_t, int64_t>> MissingTexts(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT (SELECT count(*) FROM gold.customer_scores WHERE customer_id NOT IN (SELECT subject_id FROM "
      "gold.account_summaries WHERE subject_kind = 'customer')), (SELECT count(DISTINCT account_id) FROM "
      "gold.customer_features WHERE coalesce(account_id, '') <> '' AND account_id NOT IN (SELECT subject_id FROM "
      "gold.account_summaries WHERE subject_kind = 'account'))"));
  return std::make_pair(r.GetInt64(0, 0), r.GetInt64(1, 0));
}

std::string Duration(double s) {
  if (s < 90) return fmt::format("{:.0f} s", s);
  if (s < 5400) return fmt::format("{:.0f} min", s / 60);
  return fmt::format("{:.1f} h", s / 3600);
}

// --all: every customer's and account's texts. First a pass over no customer is timed (what
// every pass costs whatever its size: the segments' and the run's checks, the catalog), then a
// sample of the customers without texts (theirs and their accounts') is written through the
// same path and timed; the per-customer rate beyond the fixed cost gives the estimate printed
// before the rest is written.
constexpr int64_t kSampleCustomers = 1000;

Status MaterialiseAll(store::Database& db, store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(std::shared_ptr<ai::AiService> ai, AiOf(db));
  CI_RETURN_IF_ERROR(insight::ReadExecutiveSummary(conn).status());  // a clear error before any work
  CI_ASSIGN_OR_RETURN(auto missing, MissingTexts(conn));
  insight::InsightOptions options;
  options.texts = insight::TextsWanted::kAll;
  CI_RETURN_IF_ERROR(conn.Execute("CREATE OR REPLACE TEMP TABLE ci_insight_sample (customer_id VARCHAR)"));
  options.scope = features::Scope::Customers("ci_insight_sample");
  Stopwatch sw;
  CI_RETURN_IF_ERROR(RunInTransaction(conn, ai, options).status());
  const double fixed_s = sw.Lap();
  CI_RETURN_IF_ERROR(conn.Query(
      "INSERT INTO ci_insight_sample SELECT customer_id FROM gold.customer_scores "
      "WHERE customer_id NOT IN (SELECT subject_id FROM gold.account_summaries WHERE subject_kind = 'customer') "
      "ORDER BY customer_id LIMIT ?", {kSampleCustomers}).status());
  CI_ASSIGN_OR_RETURN(insight::InsightReport sample, RunInTransaction(conn, ai, options));
  const double sample_s = sw.Lap();
  const int64_t sampled = std::min(missing.first, kSampleCustomers);
  const std::string backend = ai ? ai->identity().backend : std::string("builtin");
  if (sampled > 0) {
    const double per = std::max(sample_s - fixed_s, 0.0) / static_cast<double>(sampled);
    std::cerr << fmt::format("insights --all: {} customers and {} accounts have no texts yet; measured on {} of them "
                             "({} backend): {:.1f} ms a customer with its account beyond {:.1f} s a pass, so about {} "
                             "for the rest\n",
                             missing.first, missing.second, sampled, backend, per * 1000, fixed_s,
                             Duration(fixed_s + per * static_cast<double>(missing.first - sampled)));
  } else {
    std::cerr << fmt::format("insights --all: every customer has its texts; {} accounts have none yet; checking "
                             "that every stored text is current\n", missing.second);
  }
  options.scope = features::Scope::All();
  CI_ASSIGN_OR_RETURN(insight::InsightReport r, RunInTransaction(conn, ai, options));
  CI_RETURN_IF_ERROR(conn.Execute("DROP TABLE IF EXISTS ci_insight_sample"));
  // The sample's texts were written by the first pass and found current by the second.
  r.customers.written += sample.customers.written;
  r.customers.unchanged -= std::min(r.customers.unchanged, sample.customers.written);
  r.accounts.written += sample.accounts.written;
  r.accounts.unchanged -= std::min(r.accounts.unchanged, sample.accounts.written);
  std::cerr << r.Note() << fmt::format(" (in {})\n", Duration(fixed_s + sample_s + sw.Lap()));
  PrintAiStats(ai);
  return Status::Ok();
}

Status Refresh(store::Database& db, store::Connection& conn, const InsightsArgs& args) {
  insight::InsightOptions options;
  options.refresh = true;
  if (!args.segment.empty()) options.segment = args.segment;
  CI_ASSIGN_OR_RETURN(std::shared_ptr<ai::AiService> ai, AiOf(db));
  CI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(conn));
  Result<insight::InsightReport> r = insight::RunInsights(conn, ai, options);
  if (!r.ok()) return r.status();
  CI_RETURN_IF_ERROR(tx.Commit());
  std::cerr << r->Note() << "\n";
  PrintAiStats(ai);
  return Status::Ok();
}

// The customer's texts, written now when missing or stale (the run's code, AI service and
// budget); says on stderr which it was.
Status EnsureCustomer(store::Database& db, store::Connection& conn, const std::string& id) {
  CI_RETURN_IF_ERROR(insight::ReadExecutiveSummary(conn).status());  // no insight tables: the usual error
  CI_ASSIGN_OR_RETURN(std::shared_ptr<ai::AiService> ai, AiOf(db));
  CI_ASSIGN_OR_RETURN(insight::OnDemandTexts t, insight::EnsureCustomerTexts(conn, ai, id));
  if (t.written) {
    std::cerr << "written on demand: " << t.report.Note() << "\n";
  } else if (t.from_checks) {
    std::cerr << "from the stored texts (current as of the last run: no sheet built)\n";
  } else {
    std::cerr << "from the stored texts (their facts are unchanged)\n";
  }
  PrintAiStats(ai);
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
  if (args.all && (args.refresh || !args.segment.empty() || !args.customer.empty())) {
    g.usage_error = true;
    return Status::InvalidArgument("--all writes every customer's and account's texts: not with --refresh, --segment "
                                   "or --customer");
  }
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, true));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  if (args.refresh) {
    CI_RETURN_IF_ERROR(Refresh(*db, conn, args));
  }
  if (args.all) {
    CI_RETURN_IF_ERROR(MaterialiseAll(*db, conn));
  }
  if (!args.customer.empty()) {
    CI_RETURN_IF_ERROR(EnsureCustomer(*db, conn, args.customer));
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
  cmd->add_option("--customer", args.customer,
                  "one customer's summary, retention strategy, recommendations, notification (written now when "
                  "missing or stale)");
  cmd->add_flag("--all", args.all,
                "write every customer's and account's texts (a run writes those decisions need), after an estimate");
  cmd->add_flag("--json", args.json, "print JSON");
  cmd->callback([&] { action = [&] { return RunInsightsCommand(g, args); }; });
}

}  // namespace custintel::cli
