// Refresh jobs: the pipeline run of a tenant, on its cron schedule ([refresh] schedule in
// tenants/<name>.toml) or on request (POST /v1/jobs/refresh). One run at a time per tenant;
// each is recorded in control.jobs. The run is pipeline::Run, one transaction: readers keep
// reading the old gold tables until it commits, then see the new ones — never a mix. AI work
// inside the run is bounded by the AI layer's own per-run budget.
//
// Thread safety: all methods may be called concurrently. Stop() waits for running jobs.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/control.h"
#include "server/cron.h"
#include "server/tenants.h"

namespace custintel::server {

class Scheduler {
 public:
  // Runs the refresh of one tenant; returns the pipeline's run id. Replaceable for tests.
  using RefreshFn = std::function<Result<int64_t>(Tenant&)>;

  Scheduler(ControlDb* control, RefreshFn refresh) : control_(control), refresh_(std::move(refresh)) {}
  ~Scheduler() { Stop(); }

  // Schedules `tenant` by its config's [refresh] schedule (no schedule: on request only).
  Status Add(std::shared_ptr<Tenant> tenant);
  // Starts the clock thread (checks every second).
  void Start();
  void Stop();

  // Starts a refresh now; returns the job id. AlreadyExists when one is running.
  Result<int64_t> Trigger(const std::shared_ptr<Tenant>& tenant, const std::string& trigger);
  // Starts the scheduled refreshes due at `now` (Unix seconds): for tests and the clock thread.
  void Tick(int64_t now);
  // Waits until no job runs (bounded by timeout_s); false on timeout.
  bool WaitIdle(double timeout_s);

 private:
  struct Entry {
    std::shared_ptr<Tenant> tenant;
    CronSchedule schedule;
    int64_t next = -1;
  };
  void RunJob(std::shared_ptr<Tenant> tenant, int64_t job_id);

  ControlDb* control_;
  RefreshFn refresh_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Entry> entries_;
  std::map<std::string, bool> running_;  // tenant -> a job runs
  std::vector<std::thread> jobs_;
  std::thread clock_;
  bool stopping_ = false;
};

// The production refresh: pipeline::Run on a fresh connection of the tenant, then the scoped
// views are rebuilt over whatever tables the run created.
Result<int64_t> RunPipelineRefresh(Tenant& tenant);

}  // namespace custintel::server
