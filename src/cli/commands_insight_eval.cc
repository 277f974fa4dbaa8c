// Commands of this area: the groundedness evaluator (issue 7 item 5). Registered from RegisterCommands.
//   custintel evaluate grounding [--set FILE] [--pass-score X] [--json]
//   custintel check-grounding --segment ID|--customer ID --text "..." [--db F] [--json]
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "insight/fact_builders.h"
#include "insight/grounding/evaluate_grounding.h"
#include "insight/grounding/grounding.h"

namespace custintel::cli {
namespace {

struct EvalArgs {
  std::string set;
  double pass_score = insight::GroundingOptions{}.pass_score;
  bool json = false;
};

struct CheckArgs {
  std::string segment, customer, text;
  bool json = false;
};

Status RunEvaluateGrounding(GlobalOptions& g, const EvalArgs& args) {
  if (args.pass_score < 0 || args.pass_score > 1) {
    g.usage_error = true;
    return Status::InvalidArgument(fmt::format("--pass-score must be in [0, 1] (got {})", args.pass_score));
  }
  // A set that cannot be read or parsed is a runtime error (exit 1), not usage.
  CI_ASSIGN_OR_RETURN(insight::GroundingEvalSet set, insight::LoadGroundingEvalSet(args.set));
  insight::GroundingOptions options;
  options.pass_score = args.pass_score;
  insight::GroundingEvalReport report = insight::EvaluateGrounding(set, options);
  std::cout << (args.json ? report.ToJson().dump(2) + "\n" : report.ToText());
  return Status::Ok();
}

Result<insight::Subject> SubjectOf(const CheckArgs& args) {
  if (args.segment.empty() == args.customer.empty()) {
    return Status::InvalidArgument("check-grounding needs exactly one of --segment ID or --customer ID");
  }
  if (args.text.empty()) return Status::InvalidArgument("check-grounding: --text is empty");
  if (!args.segment.empty()) return insight::Subject{insight::SubjectKind::kSegment, args.segment};
  return insight::Subject{insight::SubjectKind::kCustomer, args.customer};
}

void PrintReport(const insight::GroundingReport& r, const insight::FactSheet& sheet) {
  std::cout << fmt::format("{} {}: {} (score {:.2f}, {} sentence{}, {} flag{})\n", insight::SubjectKindName(sheet.subject.kind),
                           sheet.title, r.passed ? "grounded" : "NOT grounded", r.score, r.sentences,
                           r.sentences == 1 ? "" : "s", r.flags.size(), r.flags.size() == 1 ? "" : "s");
  std::cout << r.FlagsText();
}

Status RunCheckGrounding(GlobalOptions& g, const CheckArgs& args) {
  Result<insight::Subject> subject = SubjectOf(args);
  if (!subject.ok()) {
    g.usage_error = true;
    return subject.status();
  }
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, true));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  CI_ASSIGN_OR_RETURN(insight::FactSheet sheet, insight::LoadFactSheet(conn, *subject));
  CI_ASSIGN_OR_RETURN(insight::EntityCatalog catalog, insight::LoadEntityCatalog(conn));
  insight::GroundingReport report = insight::CheckGrounding(args.text, sheet, catalog);
  if (args.json) {
    nlohmann::json j = report.ToJson();
    j["subject"] = {{"kind", insight::SubjectKindName(sheet.subject.kind)}, {"id", sheet.subject.id}};
    j["sheet"] = sheet.ToJson();  // what the text was checked against: facts, snippets, names
    std::cout << j.dump(2) << '\n';
  } else {
    PrintReport(report, sheet);
  }
  return Status::Ok();
}

}  // namespace

void RegisterInsightEvalCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  static EvalArgs eval_args;
  auto* ev = EvaluateCommand(app)->add_subcommand(
      "grounding", "run the groundedness evaluator on its labelled set: precision and recall per fault kind");
  common(ev, &g);
  ev->add_option("--set", eval_args.set, "a labelled set in the format of src/insight/assets/grounding_eval.json "
                                         "(default: the set compiled into the binary)");
  ev->add_option("--pass-score", eval_args.pass_score,
                 "lowest share of supported sentences that passes (to measure the trade-off; the pipeline uses "
                 "the default)")
      ->capture_default_str();
  ev->add_flag("--json", eval_args.json, "print JSON (precision, recall, kinds, confusion, misses)");
  ev->callback([&] { action = [&] { return RunEvaluateGrounding(g, eval_args); }; });

  static CheckArgs check_args;
  auto* check = app.add_subcommand(
      "check-grounding", "check a text against the facts of a segment or customer (numbers, names, support)");
  common(check, &g);
  check->add_option("--segment", check_args.segment, "the segment the text is about");
  check->add_option("--customer", check_args.customer, "the customer the text is about (customer_id)");
  check->add_option("--text", check_args.text, "the text to check")->required();
  check->add_flag("--json", check_args.json, "print JSON {score, passed, sentences, flags, subject, sheet}");
  check->callback([&] { action = [&] { return RunCheckGrounding(g, check_args); }; });
}

}  // namespace custintel::cli
