// The refresh scheduler's clock: a tenant's cron schedule starts exactly one refresh when due,
// never two at once, and each is recorded as a job.
#include "server/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <ctime>

#include "store/migrations.h"
#include "testing/testing.h"

namespace custintel::server {
namespace {

struct SchedulerFixture {
  testing::TempDir dir;
  std::unique_ptr<ControlDb> control;
  std::shared_ptr<Tenant> scheduled, unscheduled;

  SchedulerFixture() {
    control = std::move(*ControlDb::Open(dir.path(), true));
    Config every_five;
    every_five.refresh.schedule = "*/5 * * * *";
    scheduled = std::make_shared<Tenant>("acme", *store::OpenEngineDatabase(":memory:"), every_five);
    unscheduled = std::make_shared<Tenant>("beta", *store::OpenEngineDatabase(":memory:"), Config{});
  }
};

TEST(Scheduler, RunsAScheduledRefreshOncePerDueMinuteAndRecordsIt) {
  SchedulerFixture f;
  std::atomic<int> acme_runs{0}, beta_runs{0};
  Scheduler s(f.control.get(), [&](Tenant& t) -> Result<int64_t> {
    (t.name() == "acme" ? acme_runs : beta_runs)++;
    return int64_t{7};
  });
  ASSERT_TRUE(s.Add(f.scheduled).ok());
  ASSERT_TRUE(s.Add(f.unscheduled).ok());
  const int64_t due = CronSchedule::Parse("*/5 * * * *")->Next(std::time(nullptr));
  s.Tick(due - 301);  // long before: nothing
  ASSERT_TRUE(s.WaitIdle(10));
  EXPECT_EQ(acme_runs, 0);
  s.Tick(due);
  ASSERT_TRUE(s.WaitIdle(10));
  EXPECT_EQ(acme_runs, 1);
  s.Tick(due + 60);  // the next slot is five minutes later
  ASSERT_TRUE(s.WaitIdle(10));
  EXPECT_EQ(acme_runs, 1);
  s.Tick(due + 300);
  ASSERT_TRUE(s.WaitIdle(10));
  EXPECT_EQ(acme_runs, 2);
  EXPECT_EQ(beta_runs, 0);  // no schedule: on request only
  auto jobs = f.control->ReadJobs("acme", 10);
  ASSERT_TRUE(jobs.ok()) << jobs.status().message();
  ASSERT_EQ(jobs->row_count(), 2u);
  int trigger = jobs->ColumnIndex("trigger"), status = jobs->ColumnIndex("status");
  ASSERT_GE(trigger, 0);
  ASSERT_GE(status, 0);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(jobs->GetString(trigger, i), "schedule");
    EXPECT_EQ(jobs->GetString(status, i), "succeeded");
  }
  s.Stop();
}

TEST(Scheduler, NeverRunsTwoRefreshesOfATenantAtOnce) {
  SchedulerFixture f;
  std::atomic<bool> release{false};
  std::atomic<int> runs{0};
  Scheduler s(f.control.get(), [&](Tenant&) -> Result<int64_t> {
    ++runs;
    for (int i = 0; i < 1000 && !release; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return int64_t{1};
  });
  ASSERT_TRUE(s.Add(f.scheduled).ok());
  auto first = s.Trigger(f.scheduled, "request");
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto second = s.Trigger(f.scheduled, "request");
  EXPECT_EQ(second.status().code(), StatusCode::kAlreadyExists);
  s.Tick(CronSchedule::Parse("*/5 * * * *")->Next(std::time(nullptr)));  // due, but one is running
  release = true;
  ASSERT_TRUE(s.WaitIdle(15));
  EXPECT_EQ(runs, 1);
  s.Stop();
}

}  // namespace
}  // namespace custintel::server
