#include "pipeline/run.h"

#include <sys/resource.h>

#include <functional>

#include <fmt/format.h>

#include "ai/insight_writer.h"
#include "core/log.h"
#include "core/stopwatch.h"
#include "features/customer_features.h"
#include "features/data_profile.h"
#include "insight/step.h"
#include "models/churn_heuristic.h"
#include "models/churn_model.h"
#include "models/clv_score.h"
#include "models/cohorts.h"
#include "models/executive_metrics.h"
#include "models/recommend_data.h"
#include "models/rfm.h"
#include "models/segments.h"
#include "pipeline/plan.h"
#include "text/insights.h"

namespace custintel::pipeline {
namespace {

Status Timed(const std::string& name, RunReport* report, const std::function<Status()>& step) {
  Stopwatch sw;
  Status s = step();
  const double secs = sw.Lap();
  report->steps.push_back({name, secs});
  // The process's peak so far: the step where it jumps is the one to look at (run -v).
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  LogInfo(fmt::format("step {}: {:.2f} s, peak RSS so far {} MiB", name, secs, usage.ru_maxrss / 1024));
  return s.WithContext("step " + name);
}

std::string QuoteJson(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

// The CLV step: degenerate data is a note (*note), not a failure.
Status ScoreClvStep(store::Connection& conn, const std::string& as_of, const features::Scope& scope,
                    std::string* note) {
  CI_ASSIGN_OR_RETURN(models::ClvScoreReport clv, models::ScoreClv(conn, as_of, {}, scope));
  *note = clv.message;
  return Status::Ok();
}

// The text step: analyses only the reviews, tickets and events whose text changed (in an
// incremental run only tickets and events of later batches are candidates); a model service
// writes them through the AI layer, the builtin engine (null or builtin) directly.
Status TextInsightsStep(store::Connection& conn, const std::shared_ptr<ai::AiService>& ai, const RunPlan& plan,
                        std::string* note) {
  text::InsightsOptions o;
  if (plan.incremental) {  // silver lost no rows (PlanRun checked), so there is nothing to prune
    o.prune = false;
    o.since_watermark = plan.since_watermark;
    o.since_open_batches = plan.since_open_batches;
  }
  if (ai && !ai->native_text_tasks()) o.writer = std::make_shared<ai::AiInsightWriter>(ai);
  CI_ASSIGN_OR_RETURN(text::InsightsReport r, text::UpdateTextInsights(conn, o));
  *note = r.Note();
  return Status::Ok();
}

std::string IdList(const std::vector<int64_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + std::to_string(ids[i]);
  return out + "]";
}

Result<int64_t> RecordRun(store::Connection& conn, const RunReport& report, const RunPlan& plan) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "INSERT INTO meta.runs(run_id, as_of, started_at, finished_at, status, steps, mode, reason, watermark, "
      "open_batches, fingerprint, silver_rows, scoped_customers, high_risk_above) "
      "SELECT coalesce(max(run_id), 0) + 1, ?::TIMESTAMPTZ, current_timestamp, current_timestamp, 'ok', "
      "?::JSON, ?, ?, ?, ?::BIGINT[], ?, ?::JSON, ?, (SELECT high_risk_above FROM gold.risk_definition) "
      "FROM meta.runs RETURNING run_id",
      {report.as_of, [&] {
         std::string j = "[";
         for (size_t i = 0; i < report.steps.size(); ++i) {
           j += (i ? "," : "") + std::string("{\"step\":") + QuoteJson(report.steps[i].name) +
                ",\"seconds\":" + std::to_string(report.steps[i].seconds) +
                ",\"note\":" + QuoteJson(report.steps[i].note) + "}";
         }
         return j + "]";
       }(),
       std::string(plan.incremental ? "incremental" : "full"), plan.reason, plan.watermark,
       IdList(plan.open_batches), plan.fingerprint, plan.silver_rows,
       plan.incremental ? store::Param(plan.scoped_customers) : store::Param()}));
  return r.GetInt64(0, 0);
}

// What, besides the data, decides the run's results: who writes the texts.
std::string AiSettings(const std::shared_ptr<ai::AiService>& ai) {
  if (!ai) return "ai:none";
  const auto& id = ai->identity();
  return "ai:" + id.backend + "/" + id.model + "/" + id.model_sha256 + "/" + id.engine_version;
}

}  // namespace

Result<RunReport> Run(store::Connection& conn, const Config& config, const RunOptions& options) {
  RunReport report;
  if (options.as_of.empty()) {
    CI_ASSIGN_OR_RETURN(report.as_of, features::LatestDataTimestamp(conn, &report.as_of_note));
  } else {
    CI_ASSIGN_OR_RETURN(report.as_of, features::NormalizeAsOf(conn, options.as_of));
  }
  // What the data cannot give is said up front, in words, instead of failing or writing zeros.
  CI_ASSIGN_OR_RETURN(features::DataProfile profile, features::ProfileData(conn));
  report.cannot_build = features::CannotBuild(profile);
  CI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(conn));
  PlanOptions plan_options;
  plan_options.full = options.full;
  plan_options.max_changed_share = config.pipeline.max_changed_share;
  plan_options.settings = AiSettings(options.ai);
  RunPlan plan;
  CI_RETURN_IF_ERROR(Timed("plan", &report, [&]() -> Status {
    CI_ASSIGN_OR_RETURN(plan, PlanRun(conn, config, report.as_of, plan_options));
    return Status::Ok();
  }));
  const features::Scope& scope = plan.scope;
  // Text first: customer features read avg_sentiment from gold.interaction_sentiment.
  std::string text_note;
  CI_RETURN_IF_ERROR(Timed("text_insights", &report, [&] {
    CI_RETURN_IF_ERROR(TextInsightsStep(conn, options.ai, plan, &text_note));
    return AddTextChanges(conn, &plan);
  }));
  report.steps.back().note = text_note;
  CI_RETURN_IF_ERROR(Timed("customer_features", &report,
                           [&] { return features::BuildCustomerFeatures(conn, report.as_of, scope); }));
  CI_RETURN_IF_ERROR(Timed("churn_heuristic", &report,
                           [&] { return models::ScoreChurnHeuristic(conn, report.as_of, scope); }));
  // CLV before the churn model: behavioural churn reads each customer's P(alive) as of as_of
  // from gold.customer_clv (its training cutoffs fit BG/NBD on their own and write no table).
  std::string churn_note, clv_note;
  CI_RETURN_IF_ERROR(Timed("clv", &report, [&] { return ScoreClvStep(conn, report.as_of, scope, &clv_note); }));
  report.steps.back().note = clv_note;
  CI_RETURN_IF_ERROR(Timed("churn_model", &report, [&] {
    return models::RunChurnModelStep(conn, report.as_of, &churn_note, scope);
  }));
  report.steps.back().note = churn_note;
  CI_RETURN_IF_ERROR(Timed("segments", &report,
                           [&] { return models::AssignSegments(conn, config.segments, config.churn, scope); }));
  CI_RETURN_IF_ERROR(Timed("segment_themes", &report,
                           [&] { return text::BuildSegmentThemes(conn, report.as_of); }));
  CI_RETURN_IF_ERROR(Timed("segment_profiles", &report, [&] { return models::ProfileSegments(conn); }));
  CI_RETURN_IF_ERROR(Timed("rfm", &report, [&] { return models::ScoreRfm(conn, report.as_of, scope); }));
  CI_RETURN_IF_ERROR(Timed("cohorts", &report, [&] { return models::BuildCohorts(conn, report.as_of); }));
  CI_RETURN_IF_ERROR(Timed("recommendations", &report,
                           [&] { return models::BuildRecommendations(conn, report.as_of, {}, scope); }));
  CI_RETURN_IF_ERROR(Timed("executive_metrics", &report,
                           [&] { return models::RecordExecutiveMetrics(conn, report.as_of); }));
  std::string insights_note;
  CI_RETURN_IF_ERROR(Timed("insights", &report, [&] {
    return insight::RunInsightsStep(conn, report.as_of, options.ai, &insights_note, scope);
  }));
  report.steps.back().note = insights_note;
  report.incremental = plan.incremental;
  report.reason = plan.reason;
  report.scoped_customers = plan.scoped_customers;
  CI_ASSIGN_OR_RETURN(report.run_id, RecordRun(conn, report, plan));
  CI_RETURN_IF_ERROR(tx.Commit());
  return report;
}

}  // namespace custintel::pipeline
