// Model commands (issue 4): clv, churn --top, evaluate clv|recs, rfm, cohorts, recs.
// Each registers its flags and sets the action; the work is in models/.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/report.h"
#include "features/customer_features.h"
#include "models/clv/clv_fit.h"
#include "models/clv_evaluate.h"
#include "models/clv_score.h"
#include "models/customer_status.h"
#include "models/recommend/recommend_data.h"
#include "models/send_times.h"

namespace custintel::cli {
namespace {

template <class F>
Status WithConn(const GlobalOptions& g, F f) {
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, true));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  return f(conn);
}

// --as-of, or the latest timestamp in the data.
Result<std::string> ResolveAsOf(store::Connection& conn, const std::string& as_of) {
  return as_of.empty() ? features::LatestDataTimestamp(conn) : features::NormalizeAsOf(conn, as_of);
}

Status PrintQuery(store::Connection& conn, const std::string& sql, const std::vector<store::Param>& params,
                  bool json, const std::string& missing) {
  Result<store::QueryResult> r = conn.Query(sql, params);
  if (!r.ok()) return Status::NotFound(missing);
  PrintResult(*r, json ? OutputFormat::kJson : OutputFormat::kTable, std::cout);
  return Status::Ok();
}

void PrintClvFit(const models::ClvModelFit& fit, const std::string& source) {
  const auto& b = fit.bgnbd;
  std::cout << fmt::format("BG/NBD on {} customers ({})\n", b.customers, source);
  std::cout << fmt::format("  r {:.6f}  alpha {:.6f}  a {:.6f}  b {:.6f}\n", b.params.r, b.params.alpha,
                           b.params.a, b.params.b);
  std::cout << fmt::format("  log-likelihood {:.4f}{}\n", b.log_likelihood, b.converged ? "" : "  (not converged)");
  if (fit.gamma_gamma) {
    const auto& g = *fit.gamma_gamma;
    std::cout << fmt::format("Gamma-Gamma on {} repeat buyers\n  p {:.6f}  q {:.6f}  v {:.6f}\n", g.customers,
                             g.params.p, g.params.q, g.params.v);
    std::cout << fmt::format("  log-likelihood {:.4f}{}\n", g.log_likelihood, g.converged ? "" : "  (not converged)");
  }
  if (fit.model.kind != models::clv::ModelKind::kBgNbd) {
    std::cout << fmt::format("{} on {:.0f} customers\n  {}\n  log-likelihood {:.4f}{}\n",
                             models::clv::ModelTitle(fit.model.kind), fit.model.customers,
                             models::clv::ParamsText(fit.model), fit.model.log_likelihood,
                             fit.model.converged ? "" : "  (not converged)");
  }
  if (fit.choice) {
    std::cout << fmt::format("\nmodel choice (held-out fit): {}\n", fit.choice->why);
    std::cout << fmt::format("  {:<11} {:>14} {:>8} {:>10} {:>8}\n", "model", "holdout LL", "MAE", "forecast", "actual");
    for (const models::clv::CandidateScore& c : fit.choice->candidates) {
      if (!c.fitted) {
        std::cout << fmt::format("  {:<11} not fitted: {}\n", models::clv::ModelTitle(c.kind), c.error);
        continue;
      }
      std::cout << fmt::format("  {:<11} {:>14.1f} {:>8.4f} {:>10.1f} {:>8.0f}\n", models::clv::ModelTitle(c.kind),
                               c.holdout_log_likelihood, c.holdout_mae, c.predicted_total, c.actual_total);
    }
  }
}

struct ClvArgs {
  std::string summary, as_of, model;
  bool json = false;
  bool include_cancelled = false;
};

Status RunClv(GlobalOptions& g, const ClvArgs& a) {
  models::ClvScoreOptions options;
  options.include_cancelled = a.include_cancelled;
  if (!a.model.empty() && a.model != "auto") {
    Result<models::clv::ModelKind> kind = models::clv::ParseModelName(a.model);
    if (!kind.ok()) {
      g.usage_error = true;
      return kind.status();
    }
    options.fit.model = *kind;
  }
  if (!a.summary.empty()) {  // a summary file has no time split: BG/NBD unless --model names another
    CI_ASSIGN_OR_RETURN(models::ClvModelFit fit, models::FitClvModelsFromCsv(a.summary, options.fit));
    if (a.json) std::cout << models::ClvModelFitToJson(fit) << '\n'; else PrintClvFit(fit, a.summary);
    return Status::Ok();
  }
  return WithConn(g, [&](store::Connection& conn) -> Status {
    CI_ASSIGN_OR_RETURN(std::string as_of, ResolveAsOf(conn, a.as_of));
    CI_ASSIGN_OR_RETURN(models::ClvTransactions t, models::LoadClvTransactions(conn, as_of, a.include_cancelled));
    CI_ASSIGN_OR_RETURN(double as_of_days, models::EpochDays(conn, as_of));
    models::ClvSummaryOptions so{as_of_days, models::ClvTimestampUnit::kDays, models::ClvPeriod::kWeeks};
    CI_ASSIGN_OR_RETURN(models::ClvSummary s, models::SummarizeTransactions(t, so));
    if (s.size() == 0) return Status::NotFound("no purchases up to " + as_of + "; ingest orders first");
    // As the run's clv step: the model forced by --model, else chosen on a time split.
    std::string no_split;
    std::optional<models::ClvTimeSplit> split;
    if (!options.fit.model) split = models::MakeClvTimeSplit(t, as_of_days, options, &no_split);
    models::ClvScoreReport report = models::FitClvForScoring(s, options, split ? &*split : nullptr);
    if (!report.fitted) return Status::InvalidArgument(report.message);
    const models::ClvModelFit& fit = *report.fit;
    if (options.fit.model && fit.model.kind != *options.fit.model) return Status::InvalidArgument(report.message);
    if (!a.json && !options.fit.model && !split) std::cout << "no model choice: " << no_split << "; BG/NBD\n";
    if (a.json) std::cout << models::ClvModelFitToJson(fit) << '\n'; else PrintClvFit(fit, "orders up to " + as_of + ", weeks");
    return Status::Ok();
  });
}

// The at-risk customers by value at stake (models/customer_status.h), or with --lapsed the
// lapsed apart; the table is headed by how many customers each status holds.
Status RunChurnTop(GlobalOptions& g, int64_t top, bool lapsed, bool json) {
  if (top <= 0) {
    g.usage_error = true;
    return Status::InvalidArgument("--top must be a positive number of customers");
  }
  return WithConn(g, [&](store::Connection& conn) -> Status {
    Result<store::QueryResult> r = conn.Query(fmt::format(
        "SELECT customer_id, status, round(value_at_stake, 2) AS value_at_stake, round(churn_risk, 3) AS churn_risk, "
        "round(churn_risk_heuristic, 3) AS churn_risk_heuristic, segment, round(lifetime_value, 2) AS lifetime_value, "
        "risk_factors FROM gold.customer_scores WHERE {} ORDER BY {} LIMIT ?",
        lapsed ? models::kLapsedWhere : models::kAtRiskWhere, lapsed ? models::kLapsedOrder : models::kAtRiskOrder),
        {top});
    if (!r.ok()) return Status::NotFound("no customer statuses yet: run `custintel run` first");
    // The table names the drivers in words; --json keeps the stored JSON.
    if (json) {
      PrintResult(*r, OutputFormat::kJson, std::cout);
      return Status::Ok();
    }
    CI_ASSIGN_OR_RETURN(store::QueryResult counts, conn.Query(models::StatusCountsSql()));
    std::string line;
    for (size_t i = 0; i < counts.row_count(); ++i) {
      line += fmt::format("{}{} {}", i ? ", " : "", counts.GetInt64(1, i), counts.GetString(0, i));
    }
    std::cout << line << "\n"
              << (lapsed ? "Lapsed customers, biggest past spenders first (win-back, not retention)\n"
                         : "At-risk customers (still saveable), most value at stake first; the lapsed: churn --lapsed\n");
    PrintTable(*r, {DriversColumn(3)}, std::cout);
    return Status::Ok();
  });
}

Status RunEvaluateClv(GlobalOptions& g, double holdout_days, const std::string& as_of_arg, bool json) {
  if (!(holdout_days > 0)) {
    g.usage_error = true;
    return Status::InvalidArgument("--holdout-days must be positive");
  }
  return WithConn(g, [&](store::Connection& conn) -> Status {
    CI_ASSIGN_OR_RETURN(std::string end, ResolveAsOf(conn, as_of_arg));
    CI_ASSIGN_OR_RETURN(models::ClvEvaluation e, models::EvaluateClv(conn, end, {holdout_days, false}));
    if (json) {
      std::cout << models::ClvEvaluationToJson(e) << '\n';
      return Status::Ok();
    }
    std::cout << fmt::format("BG/NBD fitted on purchases up to {}, holdout to {} ({:.1f} weeks), {} customers\n",
                             e.cutoff, e.end, e.holdout_weeks, e.customers);
    std::cout << fmt::format("holdout purchases: predicted {:.1f}, actual {:.0f}; MAE {:.3f}, RMSE {:.3f}, "
                             "correlation {:.3f}\n\n", e.predicted_total, e.actual_total, e.mae, e.rmse, e.correlation);
    std::cout << fmt::format("{:>9}  {:>9}  {:>9}  {:>9}\n", "frequency", "customers", "predicted", "actual");
    for (const auto& r : e.by_frequency) {
      std::cout << fmt::format("{:>9}  {:>9}  {:>9.3f}  {:>9.3f}\n",
                               r.frequency == 7 ? std::string("7+") : std::to_string(r.frequency), r.customers,
                               r.predicted_mean, r.actual_mean);
    }
    if (!e.models) {
      std::cout << "\ncustomer-base models not compared: " << e.models_error << '\n';
      return Status::Ok();
    }
    std::cout << fmt::format("\nevery model on the same split ({} customers with T > 0 at the cutoff):\n",
                             e.models->customers);
    std::cout << fmt::format("  {:<11} {:<46} {:>12} {:>8} {:>10} {:>8}\n", "model", "parameters", "holdout LL", "MAE",
                             "forecast", "actual");
    for (const models::clv::CandidateScore& c : e.models->candidates) {
      if (!c.fitted) {
        std::cout << fmt::format("  {:<11} not fitted: {}\n", models::clv::ModelTitle(c.kind), c.error);
        continue;
      }
      std::cout << fmt::format("  {:<11} {:<46} {:>12.1f} {:>8.4f} {:>10.1f} {:>8.0f}\n",
                               models::clv::ModelTitle(c.kind), models::clv::ParamsText(c.fit),
                               c.holdout_log_likelihood, c.holdout_mae, c.predicted_total, c.actual_total);
    }
    std::cout << "chosen: " << e.models->why << '\n';
    return Status::Ok();
  });
}

Status RunEvaluateRecs(const GlobalOptions& g, const std::string& as_of_arg, bool json) {
  return WithConn(g, [&](store::Connection& conn) -> Status {
    CI_ASSIGN_OR_RETURN(std::string as_of, ResolveAsOf(conn, as_of_arg));
    CI_ASSIGN_OR_RETURN(models::PurchaseData data, models::LoadPurchaseData(conn, as_of));
    models::RecommendEvaluation e = models::EvaluateRecommendations(data);
    if (json) {
      std::cout << models::RecommendEvaluationToJson(e) << '\n';
      return Status::Ok();
    }
    std::cout << fmt::format("last basket held out for {} customers{}; every method recommends 10 for the same "
                             "baskets\n", e.customers,
                             e.stride > 1 ? fmt::format(" (every {}th of {})", e.stride, e.eligible) : "");
    std::cout << fmt::format("{:<14} {:>12} {:>10} {:>10}\n", "", "hit_rate@10", "recall@10", "NDCG@10");
    for (const auto& m : e.methods) {
      std::cout << fmt::format("{:<14} {:>12.4f} {:>10.4f} {:>10.4f}\n", m.method, m.hit_rate_at_10, m.recall_at_10,
                               m.ndcg_at_10);
    }
    if (e.customers > 0 && e.losses.empty()) std::cout << "custintel beats every baseline on recall@10 and NDCG@10\n";
    for (const auto& loss : e.losses) std::cout << loss << '\n';
    return Status::Ok();
  });
}

nlohmann::json SendTimeEvaluationToJson(const models::SendTimeEvaluation& e) {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : e.groups) {
    nlohmann::json methods = nlohmann::json::array();
    for (const auto& m : g.methods) {
      // Dates-only data: the hour rates measure nothing, so they are null (hour_note says why).
      const nlohmann::json hour = e.hours_judged ? nlohmann::json(m.hour) : nlohmann::json();
      const nlohmann::json both = e.hours_judged ? nlohmann::json(m.both) : nlohmann::json();
      methods.push_back({{"method", m.method}, {"weekday_hit_rate", m.weekday}, {"hour_hit_rate_2h", hour},
                         {"both_hit_rate", both}, {"in_quiet_hours", m.in_quiet_hours}});
    }
    groups.push_back({{"group", g.name}, {"customers", g.customers}, {"methods", methods}});
  }
  return {{"cutoff", e.cutoff}, {"end", e.end}, {"quiet_hours", e.quiet_hours},
          {"targets_in_quiet_hours", e.targets_in_quiet_hours}, {"hours_judged", e.hours_judged},
          {"hour_note", e.hour_note}, {"groups", groups}};
}

Status RunEvaluateNotifications(const GlobalOptions& g, double holdout_days, const std::string& as_of_arg, bool json) {
  CI_ASSIGN_OR_RETURN(Config config, ResolveConfig(g));
  return WithConn(g, [&](store::Connection& conn) -> Status {
    std::string end;
    if (!as_of_arg.empty()) {
      CI_ASSIGN_OR_RETURN(end, ResolveAsOf(conn, as_of_arg));
    }
    CI_ASSIGN_OR_RETURN(models::SendTimeEvaluation e, models::EvaluateSendTimes(conn, end, holdout_days,
                                                                                 config.notifications));
    if (json) {
      std::cout << SendTimeEvaluationToJson(e).dump(2) << '\n';
      return Status::Ok();
    }
    std::cout << fmt::format("send times judged on each customer's first purchase in ({}, {}], predicted from the "
                             "purchases before; quiet hours {}",
                             e.cutoff, e.end, e.quiet_hours);
    if (e.hours_judged) {
      std::cout << fmt::format(" ({} of the held-out purchases fell inside them)\n", e.targets_in_quiet_hours);
    } else {
      std::cout << "\n" << e.hour_note << "\nthe hour is not judged: the data has no time of day to check it against\n";
    }
    auto rate = [&](double v) { return e.hours_judged ? fmt::format("{:.4f}", v) : std::string("n/a"); };
    for (const auto& grp : e.groups) {
      std::cout << fmt::format("\n{} ({} customers)\n{:<22} {:>8} {:>9} {:>7} {:>14}\n", grp.name, grp.customers, "",
                               "weekday", "hour ±2h", "both", "in quiet hours");
      for (const auto& m : grp.methods) {
        std::cout << fmt::format("{:<22} {:>8.4f} {:>9} {:>7} {:>14}\n", m.method, m.weekday, rate(m.hour),
                                 rate(m.both), m.in_quiet_hours);
      }
    }
    const auto& all = e.groups.front().methods;
    const bool wins = all[0].weekday >= all[1].weekday && (!e.hours_judged || all[0].hour >= all[1].hour);
    const char* what = e.hours_judged ? "both hit rates" : "the weekday hit rate";
    std::cout << (wins ? fmt::format("\ncustintel's send time matches or beats the modal weekday/hour on {}\n", what)
                       : fmt::format("\ncustintel's send time LOSES to the modal weekday/hour on {}\n",
                                     e.hours_judged ? "at least one hit rate" : what));
    return Status::Ok();
  });
}

constexpr char kRfmSql[] =
    "SELECT r.rfm_segment AS segment, count(*) AS customers, round(100.0 * count(*) / sum(count(*)) OVER (), 1) "
    "AS share_pct, round(avg(r.r_score), 2) AS avg_r, round(avg(r.f_score), 2) AS avg_f, round(avg(r.m_score), 2) "
    "AS avg_m, round(avg(r.recency_days), 1) AS avg_recency_days, round(avg(r.frequency), 2) AS avg_frequency, "
    "round(avg(r.monetary), 2) AS avg_monetary FROM gold.rfm r JOIN gold.rfm_rules u ON u.segment = r.rfm_segment "
    "GROUP BY r.rfm_segment, u.rule_order ORDER BY u.rule_order";

constexpr char kCohortsSql[] =
    "SELECT strftime(cohort_month, '%Y-%m') AS cohort, months_since, cohort_size, customers_retained, "
    "round(share_retained, 4) AS share_retained, round(revenue, 2) AS revenue, "
    "round(cumulative_revenue_per_customer, 2) AS cumulative_revenue_per_customer FROM gold.cohorts "
    "WHERE ? = 0 OR months_since <= ? ORDER BY cohort_month, months_since";

constexpr char kRecsSql[] =
    "SELECT rank, product_id, product_name, category, score, reason FROM gold.recommendations "
    "WHERE customer_id = ? ORDER BY rank";

// The named subcommand of `app`, or nullptr (this CLI11 has no get_subcommand_no_throw).
CLI::App* FindSubcommand(CLI::App& app, const std::string& name) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

}  // namespace

CLI::App* EvaluateCommand(CLI::App& app) {
  if (CLI::App* existing = FindSubcommand(app, "evaluate")) return existing;
  CLI::App* ev = app.add_subcommand("evaluate", "evaluate a model on held-out data (clv, recs, notifications, churn, grounding, ask)");
  ev->require_subcommand(1);
  return ev;
}

void RegisterModelCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  static ClvArgs clv_args;
  auto* clv = app.add_subcommand("clv", "fit BG/NBD + Gamma-Gamma and print parameters and log-likelihood");
  common(clv, &g);
  clv->add_option("--summary", clv_args.summary,
                  "fit from a per-customer CSV (frequency,recency,T,monetary_value or x,t_x,T,zbar); no database");
  clv->add_option("--as-of", clv_args.as_of, "observation end (default: the latest timestamp in the data)");
  clv->add_flag("--json", clv_args.json, "print JSON");
  // Every command has the AI's --model (AddCommon); clv uses no AI, so there it names the
  // customer-base model.
  if (CLI::Option* model = clv->get_option_no_throw("--model")) {
    model->description("customer-base model: auto (chosen by held-out fit), bgnbd, mbgnbd, paretonbd, bgcnbdk, "
                       "mbgcnbdk, bgbb (summary files of discrete opportunities)");
  }
  clv->add_flag("--include-cancelled", clv_args.include_cancelled,
                "count every order whatever its status, not only the [orders] rule's purchases (as the generator's "
                "truth does)");
  clv->callback([&] {
    action = [&] {
      clv_args.model = g.ai_model;
      return RunClv(g, clv_args);
    };
  });

  static int64_t churn_top = 20;
  static bool churn_json = false, churn_lapsed = false;
  auto* churn = FindSubcommand(app, "churn");
  if (!churn) {
    churn = app.add_subcommand(
        "churn", "print the at-risk customers with the most value at stake (--lapsed: the lapsed, apart)");
    common(churn, &g);
  }
  churn->add_option("--top", churn_top, "how many customers")->capture_default_str();
  churn->add_flag("--lapsed", churn_lapsed, "list the lapsed customers instead of the at-risk");
  churn->add_flag("--json", churn_json, "print JSON");
  churn->callback([&] { action = [&] { return RunChurnTop(g, churn_top, churn_lapsed, churn_json); }; });

  static double holdout_days = 182;
  static std::string eval_as_of;
  static bool eval_json = false;
  CLI::App* ev = EvaluateCommand(app);
  auto* ev_clv = ev->add_subcommand("clv", "fit BG/NBD before a cutoff, compare predicted and actual holdout purchases");
  common(ev_clv, &g);
  ev_clv->add_option("--holdout-days", holdout_days, "length of the holdout before the end")->capture_default_str();
  ev_clv->add_option("--as-of", eval_as_of, "end of the holdout (default: the latest timestamp)");
  ev_clv->add_flag("--json", eval_json, "print JSON");
  ev_clv->callback([&] { action = [&] { return RunEvaluateClv(g, holdout_days, eval_as_of, eval_json); }; });
  auto* ev_recs = ev->add_subcommand("recs", "hold out each customer's last basket: hit-rate@10, recall@10 and NDCG@10 of custintel's "
                                 "recommendations vs popularity, personal top and TIFU-KNN");
  common(ev_recs, &g);
  ev_recs->add_option("--as-of", eval_as_of, "use purchases up to this time (default: all)");
  ev_recs->add_flag("--json", eval_json, "print JSON");
  ev_recs->callback([&] { action = [&] { return RunEvaluateRecs(g, eval_as_of, eval_json); }; });

  static double notify_holdout_days = 90;
  auto* ev_notify = ev->add_subcommand(
      "notifications", "hold out each customer's next purchase: weekday and ±2 h hit rates of the send time vs the "
                       "modal weekday/hour and the shop's busiest time");
  common(ev_notify, &g);
  ev_notify->add_option("--holdout-days", notify_holdout_days, "the next purchase is looked for in this many days")
      ->capture_default_str();
  ev_notify->add_option("--as-of", eval_as_of, "end of the holdout (default: the latest order)");
  ev_notify->add_flag("--json", eval_json, "print JSON");
  ev_notify->callback(
      [&] { action = [&] { return RunEvaluateNotifications(g, notify_holdout_days, eval_as_of, eval_json); }; });

  static bool table_json = false;
  auto* rfm = app.add_subcommand("rfm", "print the RFM segments of the last run");
  common(rfm, &g);
  rfm->add_flag("--json", table_json, "print JSON");
  rfm->callback([&] {
    action = [&] {
      return WithConn(g, [](auto& c) { return PrintQuery(c, kRfmSql, {}, table_json, "no RFM yet: run `custintel run` first"); });
    };
  });

  static int64_t cohort_months = 12;
  auto* cohorts = app.add_subcommand("cohorts", "print acquisition cohorts: retention and revenue by month");
  common(cohorts, &g);
  cohorts->add_option("--months", cohort_months, "show months since acquisition up to this (0 = all)")->capture_default_str();
  cohorts->add_flag("--json", table_json, "print JSON");
  cohorts->callback([&] {
    action = [&] {
      return WithConn(g, [](auto& c) {
        return PrintQuery(c, kCohortsSql, {cohort_months, cohort_months}, table_json,
                          "no cohorts yet: run `custintel run` first");
      });
    };
  });

  static std::string recs_customer;
  auto* recs = app.add_subcommand("recs", "print one customer's recommendations with reasons");
  common(recs, &g);
  recs->add_option("id", recs_customer, "customer_id")->required();
  recs->add_flag("--json", table_json, "print JSON");
  recs->callback([&] {
    action = [&] {
      return WithConn(g, [](auto& c) {
        return PrintQuery(c, kRecsSql, {recs_customer}, table_json, "no recommendations yet: run `custintel run` first");
      });
    };
  });
}

}  // namespace custintel::cli
