#include "server/cron.h"

#include <fmt/format.h>

#include <charconv>
#include <ctime>
#include <vector>

#include "core/strings.h"

namespace custintel::server {
namespace {

struct FieldSpec {
  const char* name;
  int lo, hi;
  const char* const* names;  // nullptr or hi-lo+1 names, for lo..hi
};

const char* const kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
const char* const kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"};

Result<int> ParseValue(std::string_view s, const FieldSpec& f) {
  std::string lower = ToLower(s);
  if (f.names) {
    for (int v = f.lo; v <= f.hi; ++v) {
      if (lower == f.names[v - f.lo]) return v;
    }
  }
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < f.lo || v > f.hi) {
    return Status::InvalidArgument(fmt::format("cron {} '{}' is not a value from {} to {}", f.name, s, f.lo, f.hi));
  }
  return v;
}

// Sets the bits of one field; *star says whether it was a bare '*'.
template <size_t N>
Status ParseField(std::string_view text, const FieldSpec& f, std::bitset<N>* bits, bool* star) {
  *star = text == "*";
  for (const std::string& part : Split(text, ',')) {
    std::string_view range = part;
    int step = 1;
    if (size_t slash = range.find('/'); slash != std::string_view::npos) {
      FieldSpec step_spec{f.name, 1, f.hi - f.lo + 1, nullptr};
      CI_ASSIGN_OR_RETURN(step, ParseValue(range.substr(slash + 1), step_spec));
      range = range.substr(0, slash);
    }
    int lo = f.lo, hi = f.hi;
    if (range.empty()) return Status::InvalidArgument(fmt::format("cron {} has an empty part in '{}'", f.name, text));
    if (range != "*") {
      size_t dash = range.find('-');
      CI_ASSIGN_OR_RETURN(lo, ParseValue(range.substr(0, dash), f));
      if (dash != std::string_view::npos) {
        CI_ASSIGN_OR_RETURN(hi, ParseValue(range.substr(dash + 1), f));
      } else if (part.find('/') == std::string::npos) {
        hi = lo;
      }
      if (hi < lo) return Status::InvalidArgument(fmt::format("cron {} range '{}' runs backwards", f.name, range));
    }
    for (int v = lo; v <= hi; v += step) bits->set(static_cast<size_t>(v == 7 && N == 7 ? 0 : v));
  }
  return Status::Ok();
}

std::tm Utc(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view spec) {
  std::vector<std::string> fields;
  for (const std::string& f : Split(std::string(Trim(spec)), ' ')) {
    if (!f.empty()) fields.push_back(f);
  }
  if (fields.size() != 5) {
    return Status::InvalidArgument(fmt::format("cron schedule '{}' needs 5 fields (minute hour day-of-month month "
                                               "day-of-week), it has {}", spec, fields.size()));
  }
  CronSchedule s;
  s.spec_ = std::string(Trim(spec));
  bool star = false;
  CI_RETURN_IF_ERROR(ParseField(fields[0], {"minute", 0, 59, nullptr}, &s.minutes_, &star));
  CI_RETURN_IF_ERROR(ParseField(fields[1], {"hour", 0, 23, nullptr}, &s.hours_, &star));
  CI_RETURN_IF_ERROR(ParseField(fields[2], {"day-of-month", 1, 31, nullptr}, &s.days_, &s.days_star_));
  CI_RETURN_IF_ERROR(ParseField(fields[3], {"month", 1, 12, kMonthNames}, &s.months_, &star));
  CI_RETURN_IF_ERROR(ParseField(fields[4], {"day-of-week", 0, 7, kDayNames}, &s.weekdays_, &s.weekdays_star_));
  return s;
}

bool CronSchedule::Matches(int64_t t) const {
  std::tm tm = Utc(t);
  bool dom = days_[tm.tm_mday], dow = weekdays_[tm.tm_wday];
  bool day = days_star_ || weekdays_star_ ? (dom && dow) : (dom || dow);
  return minutes_[tm.tm_min] && hours_[tm.tm_hour] && months_[tm.tm_mon + 1] && day;
}

int64_t CronSchedule::Next(int64_t after) const {
  int64_t t = (after / 60 + 1) * 60;  // the next whole minute
  const int64_t limit = after + int64_t{5} * 366 * 86400;
  // Skips whole days and hours that cannot match; at most ~1,830 day steps + 24 hour steps
  // + 60 minute steps per matching day, so the loop is bounded by the limit.
  while (t <= limit) {
    std::tm tm = Utc(t);
    bool dom = days_[tm.tm_mday], dow = weekdays_[tm.tm_wday];
    bool day = days_star_ || weekdays_star_ ? (dom && dow) : (dom || dow);
    if (!months_[tm.tm_mon + 1] || !day) {
      t += 86400 - (tm.tm_hour * 3600 + tm.tm_min * 60);
    } else if (!hours_[tm.tm_hour]) {
      t += 3600 - tm.tm_min * 60;
    } else if (!minutes_[tm.tm_min]) {
      t += 60;
    } else {
      return t;
    }
  }
  return -1;
}

}  // namespace custintel::server
