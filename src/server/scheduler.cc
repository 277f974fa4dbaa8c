#include "server/scheduler.h"

#include <fmt/format.h>

#include <chrono>

#include "core/log.h"
#include "pipeline/run.h"
#include "store/ai/runtime.h"

namespace custintel::server {
namespace {

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Result<int64_t> RunPipelineRefresh(Tenant& tenant) {
  CI_ASSIGN_OR_RETURN(store::Connection conn, tenant.Connect());
  // The tenant's [ai] config decides who writes the text; a runtime per refresh starts the
  // per-run budget afresh (a GGUF model is still loaded once per process).
  pipeline::RunOptions options;
  auto runtime = std::make_shared<store::AiRuntime>(tenant.config().ai, tenant.database());
  CI_ASSIGN_OR_RETURN(options.ai, runtime->Service());
  CI_ASSIGN_OR_RETURN(pipeline::RunReport report, pipeline::Run(conn, tenant.config(), options));
  CI_RETURN_IF_ERROR(tenant.RefreshViews());
  return report.run_id;
}

Status Scheduler::Add(std::shared_ptr<Tenant> tenant) {
  const std::string& spec = tenant->config().refresh.schedule;
  if (spec.empty()) return Status::Ok();
  CI_ASSIGN_OR_RETURN(CronSchedule s, CronSchedule::Parse(spec));
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back({std::move(tenant), s, s.Next(NowUnix())});
  return Status::Ok();
}

void Scheduler::Start() {
  clock_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, std::chrono::seconds(1));
      if (stopping_) break;
      lock.unlock();
      Tick(NowUnix());
      lock.lock();
    }
  });
}

void Scheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (clock_.joinable()) clock_.join();
  std::vector<std::thread> jobs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs.swap(jobs_);
  }
  for (auto& j : jobs) j.join();
}

void Scheduler::Tick(int64_t now) {
  std::vector<std::shared_ptr<Tenant>> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Entry& e : entries_) {
      if (e.next < 0 || now < e.next) continue;
      due.push_back(e.tenant);
      e.next = e.schedule.Next(now);
    }
  }
  for (const auto& t : due) {
    auto job = Trigger(t, "schedule");
    if (!job.ok()) LogInfo(fmt::format("scheduled refresh of {} skipped: {}", t->name(), job.status().message()));
  }
}

Result<int64_t> Scheduler::Trigger(const std::shared_ptr<Tenant>& tenant, const std::string& trigger) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return Status::Unavailable("the server is stopping");
  if (running_[tenant->name()]) return Status::AlreadyExists("a refresh of this tenant is already running");
  CI_ASSIGN_OR_RETURN(int64_t job_id, control_->StartJob(tenant->name(), "refresh", trigger));
  running_[tenant->name()] = true;
  jobs_.emplace_back([this, tenant, job_id] { RunJob(tenant, job_id); });
  return job_id;
}

void Scheduler::RunJob(std::shared_ptr<Tenant> tenant, int64_t job_id) {
  Result<int64_t> run = Status::Internal("not run");
  {
    std::lock_guard<std::mutex> refresh_lock(tenant->refresh_mutex());
    run = refresh_(*tenant);
  }
  Status s = run.ok() ? control_->FinishJob(job_id, "succeeded", *run, "")
                      : control_->FinishJob(job_id, "failed", 0, run.status().message());
  if (!s.ok()) LogWarn("recording job " + std::to_string(job_id) + ": " + s.message());
  std::lock_guard<std::mutex> lock(mu_);
  running_[tenant->name()] = false;
  cv_.notify_all();
}

bool Scheduler::WaitIdle(double timeout_s) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::duration<double>(timeout_s), [this] {
    for (const auto& [t, r] : running_) {
      if (r) return false;
    }
    return true;
  });
}

}  // namespace custintel::server
