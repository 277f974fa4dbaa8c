#include "pipeline/run.h"

#include <chrono>
#include <functional>

#include <fmt/format.h>

#include "ai/service.h"
#include "core/log.h"
#include "core/stopwatch.h"
#include "features/customer_features.h"
#include "features/data_profile.h"
#include "pipeline/plan.h"
#include "pipeline/step.h"

namespace custintel::pipeline {
namespace {

Status Timed(const std::string& name, RunReport* report, const std::function<Status()>& step) {
  Stopwatch sw;
  Status s = step();
  double cpu = 0;
  const double secs = sw.Lap(&cpu);
  report->steps.push_back({name, secs, {}, cpu});
  // The process's peak so far: the step where it jumps is the one to look at (run -v).
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  LogInfo(fmt::format("step {}: {:.2f} s, {:.2f} s CPU, peak RSS so far {} MiB", name, secs, cpu,
                      usage.ru_maxrss / 1024));
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

std::string IdList(const std::vector<int64_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + std::to_string(ids[i]);
  return out + "]";
}

Result<int64_t> RecordRun(store::Connection& conn, const RunReport& report, const RunPlan& plan) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "INSERT INTO meta.runs(run_id, as_of, started_at, finished_at, status, steps, mode, reason, watermark, "
      "open_batches, fingerprint, silver_rows, scoped_customers, high_risk_above) "
      "SELECT coalesce(max(run_id), 0) + 1, ?::TIMESTAMPTZ, current_timestamp, to_timestamp(?::DOUBLE), 'ok', "
      "?::JSON, ?, ?, ?, ?::BIGINT[], ?, ?::JSON, ?, (SELECT high_risk_above FROM gold.risk_definition) "
      "FROM meta.runs RETURNING run_id",
      // current_timestamp is the transaction's start (the run's); finished_at is the clock now.
      {report.as_of,
       std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(), [&] {
         std::string j = "[";
         for (size_t i = 0; i < report.steps.size(); ++i) {
           j += (i ? "," : "") + std::string("{\"step\":") + QuoteJson(report.steps[i].name) +
                ",\"seconds\":" + std::to_string(report.steps[i].seconds) +
                ",\"cpu_seconds\":" + std::to_string(report.steps[i].cpu_seconds) +
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
  report.status_notes = features::StatusNotes(profile);
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
  for (const Step& step : RunSteps()) {
    StepContext ctx{conn, config, options, report.as_of, plan, step.scoping, {}};
    CI_RETURN_IF_ERROR(Timed(step.name, &report, [&] { return step.run(ctx); }));
    report.steps.back().note = std::move(ctx.note);
  }
  report.incremental = plan.incremental;
  report.reason = plan.reason;
  report.scoped_customers = plan.scoped_customers;
  CI_ASSIGN_OR_RETURN(report.run_id, RecordRun(conn, report, plan));
  CI_RETURN_IF_ERROR(tx.Commit());
  return report;
}

}  // namespace custintel::pipeline
