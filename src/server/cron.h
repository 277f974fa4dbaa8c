// Five-field cron schedules, in UTC: minute hour day-of-month month day-of-week.
// Each field: *, N, A-B, lists (A,B,C), steps (*/N, A-B/N, N/S), month names jan-dec,
// day names sun-sat; day-of-week 0 and 7 are Sunday. As in Vixie cron, when both
// day-of-month and day-of-week are restricted a day matching either runs.
//
//   CI_ASSIGN_OR_RETURN(CronSchedule s, CronSchedule::Parse("30 3 * * 1-5"));
//   int64_t next = s.Next(now_unix);   // next 03:30 UTC on a weekday, strictly after now
//
// Thread safety: immutable after Parse; share freely.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace custintel::server {

class CronSchedule {
 public:
  // InvalidArgument naming the field and what is wrong.
  static Result<CronSchedule> Parse(std::string_view spec);
  // The first whole minute strictly after `after` (Unix seconds) that matches; -1 when none
  // within 5 years (e.g. "0 0 30 2 *").
  int64_t Next(int64_t after) const;
  // Whether the minute containing `t` (Unix seconds) matches.
  bool Matches(int64_t t) const;
  const std::string& spec() const { return spec_; }

 private:
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;    // 1..31
  std::bitset<13> months_;  // 1..12
  std::bitset<7> weekdays_; // 0 = Sunday
  bool days_star_ = true, weekdays_star_ = true;
  std::string spec_;
};

}  // namespace custintel::server
