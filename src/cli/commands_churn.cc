// Learned churn commands (issue 4 item 3):
//   custintel evaluate churn [--label COLUMN] [--horizon DAYS] [--as-of T] [--json]
//     trains afresh and prints held-out ROC-AUC, PR-AUC, Brier, the baselines' figures (recency,
//     1 − P(alive), the heuristic), the customer statuses at the validation cutoff with the share
//     of each that bought again, and a reliability table; changes nothing in the database.
//   custintel churn-model [--label COLUMN] [--horizon DAYS] [--json]
//     (re)scores gold.customer_scores of the last run with the learned model (with --label: the
//     subscription model on the customers' known churned flag) and reassigns statuses and
//     segments, with their themes and profiles, as the pipeline's steps after it do.
#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "features/customer_features.h"
#include "models/churn/churn_model.h"
#include "models/customer_status.h"
#include "models/segments.h"
#include "pipeline/text/insights.h"

namespace custintel::cli {
namespace {

struct ChurnArgs {
  std::string label;
  std::string as_of;
  int horizon_days = 90;
  bool json = false;
};

Result<models::ChurnModelOptions> ToOptions(GlobalOptions& g, const ChurnArgs& a) {
  if (a.horizon_days < 7 || a.horizon_days > 730) {
    g.usage_error = true;
    return Status::InvalidArgument(fmt::format("--horizon {} is out of range (7..730 days)", a.horizon_days));
  }
  CI_ASSIGN_OR_RETURN(Config config, ResolveConfig(g));
  models::ChurnModelOptions o;
  o.horizon_days = a.horizon_days;
  o.label = a.label;
  o.statuses = config.churn;
  return o;
}

std::string Fixed(double v) { return std::isfinite(v) ? fmt::format("{:.4f}", v) : "-"; }

void PrintEvaluation(const models::ChurnEvaluation& e, bool json) {
  if (json) {
    std::cout << nlohmann::json::parse(e.ToJson()).dump(2) << '\n';
    return;
  }
  std::cout << fmt::format("learned churn ({}, label {}): {} training rows, {} evaluated, churn rate {}\n", e.mode,
                           e.label, e.train_rows, e.eval_rows, Fixed(e.churn_rate));
  if (!e.train_cutoff.empty()) {
    std::cout << fmt::format("train cutoff {}, validation cutoff {}\n", e.train_cutoff, e.valid_cutoff);
  }
  std::cout << fmt::format("{:<20} {:>9} {:>9} {:>9}\n", "model", "roc_auc", "pr_auc", "brier");
  std::cout << fmt::format("{:<20} {:>9} {:>9} {:>9}\n", "xgboost", Fixed(e.roc_auc), Fixed(e.pr_auc), Fixed(e.brier));
  for (const auto& b : e.baselines) {
    if (b.name == "heuristic") continue;  // the line above
    std::string name = b.name == "one_minus_p_alive" ? "1-P(alive) " + e.p_alive_model : b.name;
    std::cout << fmt::format("{:<20} {:>9} {:>9} {:>9}\n", name, Fixed(b.roc_auc), Fixed(b.pr_auc), Fixed(b.brier));
  }
  std::cout << fmt::format("{:<20} {:>9} {:>9} {:>9}\n\n", "heuristic", Fixed(e.heuristic_roc_auc),
                           Fixed(e.heuristic_pr_auc), Fixed(e.heuristic_brier));
  if (!e.statuses.empty()) {
    std::cout << fmt::format("status at the validation cutoff (bought again within the horizon)\n");
    std::cout << fmt::format("{:<9} {:>9} {:>7} {:>14}\n", "status", "customers", "share", "returned_rate");
    for (const auto& st : e.statuses) {
      std::cout << fmt::format("{:<9} {:>9} {:>7} {:>14}\n", st.status, st.customers, Fixed(st.share),
                               Fixed(st.returned_rate));
    }
    std::cout << '\n';
  }
  std::cout << fmt::format("{:<11} {:>8} {:>15} {:>14}\n", "bin", "count", "mean_predicted", "observed_rate");
  for (const auto& b : e.reliability) {
    std::cout << fmt::format("[{:.1f}, {:.1f}) {:>8} {:>15} {:>14}\n", b.lower, b.upper, b.count,
                             Fixed(b.mean_predicted), Fixed(b.observed_rate));
  }
}

Status RunEvaluateChurn(GlobalOptions& g, const ChurnArgs& a) {
  CI_ASSIGN_OR_RETURN(models::ChurnModelOptions o, ToOptions(g, a));
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, true));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  std::string as_of;
  if (a.as_of.empty()) {
    std::string note;
    CI_ASSIGN_OR_RETURN(as_of, features::LatestDataTimestamp(conn, &note));
    if (!note.empty()) std::cerr << "note: " << note << '\n';
  } else {
    auto normalized = features::NormalizeAsOf(conn, a.as_of);
    if (!normalized.ok()) g.usage_error = true;
    CI_ASSIGN_OR_RETURN(as_of, std::move(normalized));
  }
  CI_ASSIGN_OR_RETURN(models::ChurnEvaluation e, models::EvaluateChurn(conn, as_of, o));
  PrintEvaluation(e, a.json);
  return Status::Ok();
}

Status RunChurnModel(GlobalOptions& g, const ChurnArgs& a) {
  CI_ASSIGN_OR_RETURN(models::ChurnModelOptions o, ToOptions(g, a));
  CI_ASSIGN_OR_RETURN(Config config, ResolveConfig(g));
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, true));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  auto last = conn.Query("SELECT max(as_of)::VARCHAR FROM gold.customer_scores");
  if (!last.ok() || last->IsNull(0, 0)) {
    return Status::NotFound("no scores yet: run the pipeline first (custintel run --db " + g.db + ")");
  }
  std::string as_of = last->GetString(0, 0);
  CI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(conn));
  CI_ASSIGN_OR_RETURN(models::ChurnScoreReport report, models::ScoreLearnedChurn(conn, as_of, o));
  // New churn risks move customers between segments; the tables derived from the segments follow
  // (gold.segments without its profile columns failed every later segment insight).
  CI_RETURN_IF_ERROR(models::AssignCustomerStatus(conn, as_of, config.churn));
  CI_RETURN_IF_ERROR(models::AssignSegments(conn, config.segments));
  CI_RETURN_IF_ERROR(pipeline::BuildSegmentThemes(conn, as_of));
  CI_RETURN_IF_ERROR(models::ProfileSegments(conn));
  CI_RETURN_IF_ERROR(tx.Commit());
  if (a.json) {
    nlohmann::json j = {{"learned", report.learned}, {"reused", report.reused}, {"model_id", report.model_id},
                        {"scored", report.scored}, {"message", report.message}};
    if (report.learned && !report.reused) j["evaluation"] = nlohmann::json::parse(report.evaluation.ToJson());
    std::cout << j.dump(2) << '\n';
    return Status::Ok();
  }
  std::cout << report.message << '\n';
  if (report.learned && !report.reused) PrintEvaluation(report.evaluation, false);
  return Status::Ok();
}

void AddChurnFlags(CLI::App* cmd, ChurnArgs& a) {
  cmd->add_option("--label", a.label,
                  "known churned flag (column of customers or key of its attributes; true/false, 1/0, yes/no): "
                  "subscription model, 5-fold cross-validated");
  cmd->add_option("--horizon", a.horizon_days, "behavioural label: no order within this many days")
      ->capture_default_str();
  cmd->add_flag("--json", a.json, "print JSON");
}

}  // namespace

void RegisterChurnCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  static ChurnArgs eval_args;
  auto* ev = EvaluateCommand(app)->add_subcommand(
      "churn", "held-out ROC-AUC, PR-AUC, Brier and reliability of the learned churn model vs the heuristic");
  common(ev, &g);
  AddChurnFlags(ev, eval_args);
  ev->add_option("--as-of", eval_args.as_of, "reference time (default: the latest timestamp in the data)");
  ev->callback([&] { action = [&] { return RunEvaluateChurn(g, eval_args); }; });

  static ChurnArgs model_args;
  auto* cm = app.add_subcommand("churn-model",
                                "rescore churn risk of the last run with the learned model (--label: subscription data)");
  common(cm, &g);
  AddChurnFlags(cm, model_args);
  cm->callback([&] { action = [&] { return RunChurnModel(g, model_args); }; });
}

}  // namespace custintel::cli
