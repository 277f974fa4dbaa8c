#include "models/timing/send_time.h"

#include <cmath>

#include <fmt/format.h>


namespace custintel::models {
namespace {

// Wrapped Gaussian kernel over `N` circular bins: out[b] = Σ_k in[k] · K(b − k), normalised.
template <size_t N>
std::array<double, N> SmoothCircular(const std::array<double, N>& in, double sd) {
  std::array<double, N> kernel{};
  for (size_t d = 0; d < N; ++d) {
    for (int wrap = -2; wrap <= 2; ++wrap) {
      const double x = double(d) + double(wrap) * double(N);
      kernel[d] += std::exp(-0.5 * x * x / (sd * sd));
    }
  }
  std::array<double, N> out{};
  double total = 0;
  for (size_t b = 0; b < N; ++b) {
    for (size_t k = 0; k < N; ++k) out[b] += in[k] * kernel[(b + N - k) % N];
    total += out[b];
  }
  if (total <= 0) {
    out.fill(1.0 / double(N));
  } else {
    for (double& v : out) v /= total;
  }
  return out;
}

template <size_t N>
int ArgMaxAllowed(const std::array<double, N>& p, const QuietHours* quiet) {
  int best = -1;
  for (size_t b = 0; b < N; ++b) {
    if (quiet && quiet->Contains(int(b))) continue;
    if (best < 0 || p[b] > p[size_t(best)] + 1e-12) best = int(b);
  }
  return best;
}

template <size_t N>
int ArgMaxCount(const std::array<double, N>& c) {
  int best = -1;
  for (size_t b = 0; b < N; ++b) {
    if (c[b] > 0 && (best < 0 || c[b] > c[size_t(best)])) best = int(b);
  }
  return best;
}

}  // namespace

bool QuietHours::Contains(int hour) const {
  if (start == end) return false;
  return start < end ? (hour >= start && hour < end) : (hour >= start || hour < end);
}

std::string QuietHours::Text() const {
  if (start == end) return "none";
  return fmt::format("{:02d}:00–{:02d}:00", start, end);
}

void TimeHistogram::Add(int wd, int h, double w) {
  if (wd < 0 || wd > 6 || h < 0 || h > 23 || !(w > 0)) return;
  weekday[size_t(wd)] += w;
  hour[size_t(h)] += w;
  weekday_count[size_t(wd)] += 1;
  hour_count[size_t(h)] += 1;
  count += 1;
}

void TimeHistogram::Merge(const TimeHistogram& o) {
  for (size_t i = 0; i < 7; ++i) weekday[i] += o.weekday[i];
  for (size_t i = 0; i < 24; ++i) hour[i] += o.hour[i];
  for (size_t i = 0; i < 7; ++i) weekday_count[i] += o.weekday_count[i];
  for (size_t i = 0; i < 24; ++i) hour_count[i] += o.hour_count[i];
  count += o.count;
}

bool HasTimeOfDay(int64_t purchases, double top_share, bool top_is_whole_hour) {
  if (purchases <= 0) return false;
  return !(top_share >= 0.95 && (top_is_whole_hour || purchases >= 20));
}

double RecencyWeight(double age_days, const SendTimeOptions& o) {
  if (!(o.half_life_days > 0)) return 1.0;
  return std::exp2(-std::max(0.0, age_days) / o.half_life_days);
}

TimeProfile Smooth(const TimeHistogram& h, const SendTimeOptions& o) {
  return {SmoothCircular(h.weekday, o.weekday_bandwidth), SmoothCircular(h.hour, o.hour_bandwidth)};
}

const char* SendBasisName(SendBasis b) {
  switch (b) {
    case SendBasis::kOwn: return "own";
    case SendBasis::kBlend: return "blend";
    case SendBasis::kPopulation: return "population";
  }
  return "population";
}

Result<SendTime> ChooseSendTime(const TimeHistogram& own, const TimeProfile& population, const SendTimeOptions& o) {
  const double w = own.count > 0 ? own.count / (own.count + std::max(0.0, o.prior_weight)) : 0.0;
  const TimeProfile mine = Smooth(own, o);
  TimeProfile mix;
  for (size_t i = 0; i < 7; ++i) mix.weekday[i] = w * mine.weekday[i] + (1 - w) * population.weekday[i];
  for (size_t i = 0; i < 24; ++i) mix.hour[i] = w * mine.hour[i] + (1 - w) * population.hour[i];
  SendTime t;
  t.own_weight = w;
  t.basis = w >= 0.6 ? SendBasis::kOwn : w >= 0.3 ? SendBasis::kBlend : SendBasis::kPopulation;
  t.weekday = ArgMaxAllowed(mix.weekday, nullptr);
  if (o.fixed_hour >= 0) {
    if (o.fixed_hour > 23 || o.quiet.Contains(o.fixed_hour)) {
      return Status::InvalidArgument(fmt::format("the default send hour {} lies inside the quiet hours {}", o.fixed_hour,
                                                 o.quiet.Text()));
    }
    t.hour = o.fixed_hour;
    t.hour_learned = false;
    return t;
  }
  t.hour = ArgMaxAllowed(mix.hour, &o.quiet);
  if (t.hour < 0) {
    return Status::InvalidArgument(fmt::format("quiet hours {} leave no hour to send in", o.quiet.Text()));
  }
  return t;
}

ModalTime ModalSendTime(const TimeHistogram& own) {
  return {ArgMaxCount(own.weekday_count), ArgMaxCount(own.hour_count)};
}

int HourDistance(int a, int b) {
  const int d = std::abs(a - b) % 24;
  return std::min(d, 24 - d);
}

const char* WeekdayName(int weekday) {
  static constexpr const char* kNames[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  return weekday >= 0 && weekday < 7 ? kNames[weekday] : "";
}

}  // namespace custintel::models
