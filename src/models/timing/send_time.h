// Send times: the weekday and hour at which a message to a customer should arrive — when they
// usually buy. Pure math over counts (no database), so any host can use it: the pipeline's
// send_times step (models/send_times.h) and `evaluate notifications` feed it the same histograms.
//
//   SendTimeOptions o;                       // half-life, kernels, prior weight, quiet hours
//   TimeHistogram mine;                      // one customer's purchases
//   mine.Add(/*weekday Monday=0*/ 5, /*hour*/ 10, RecencyWeight(/*age days*/ 12, o));
//   SendTime t = ChooseSendTime(mine, Smooth(population, o), o);
//
// The method (issue 27 item 6), in words:
//   1. Within a customer's pattern each purchase counts with a recency weight
//      2^(−age / half_life_days): when habits change, the newer one wins.
//   2. The customer's weekday and hour-of-day histograms are smoothed with wrapped (circular)
//      Gaussian kernels — 23 h is next to 0 h, Sunday next to Monday — so two purchases at 9 h
//      and 11 h point at 10 h, and a tie between 2 h and 14 h is not settled by "earliest".
//   3. Shrinkage to the population: the customer's smoothed profile is mixed with the whole
//      shop's as own_weight = n / (n + prior_weight), n the customer's purchases (how much
//      evidence there is; recency decides which habit, not how much to trust it).
//      A strong habit (many recent purchases at one time) decides alone; one or two purchases
//      lean on when everybody buys; a customer without purchases gets the population's time.
//   4. The hour is the mixture's densest hour outside the quiet hours; the weekday its densest day.
//
// Thread safety: functions and values.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/status.h"

namespace custintel::models {

// Hours [start, end) on the data's clock when no message may be sent; the interval may wrap
// midnight (21 → 8 = 21:00–07:59). start == end: no quiet hours.
struct QuietHours {
  int start = 21;
  int end = 8;
  bool Contains(int hour) const;
  // "21:00–08:00" or "none".
  std::string Text() const;
};

struct SendTimeOptions {
  double half_life_days = 730;    // a purchase this old counts half
  double hour_bandwidth = 1.25;   // kernel sd, hours
  double weekday_bandwidth = 0.6;  // kernel sd, days
  double prior_weight = 2.0;      // the population's pattern counts as this many purchases
  QuietHours quiet;
  // ≥ 0: the purchases carry no time of day (dates only, see HasTimeOfDay): every customer gets
  // this hour, and only the weekday is learned. Must lie outside the quiet hours.
  int fixed_hour = -1;
};

// Whether purchase timestamps say anything about the hour: false when ≥ 95% of them share one
// exact clock time (dates only — all at 00:00:00 — or a batch stamp) and that time is a whole hour
// or there are 20 purchases or more. `top_share` = the share at the most common clock time.
bool HasTimeOfDay(int64_t purchases, double top_share, bool top_is_whole_hour);

// Recency-weighted purchase counts of one customer (or of everyone).
struct TimeHistogram {
  std::array<double, 7> weekday{};  // Monday = 0 … Sunday = 6
  std::array<double, 24> hour{};
  std::array<double, 7> weekday_count{};  // the same, unweighted (the modal baseline)
  std::array<double, 24> hour_count{};
  double count = 0;   // purchases added
  // weekday 0..6 and hour 0..23, else ignored.
  void Add(int weekday, int hour, double w);
  void Merge(const TimeHistogram& other);
};

double RecencyWeight(double age_days, const SendTimeOptions& o);

// A probability profile: smoothed, each array sums to 1 (uniform when empty).
struct TimeProfile {
  std::array<double, 7> weekday{};
  std::array<double, 24> hour{};
};

TimeProfile Smooth(const TimeHistogram& h, const SendTimeOptions& o);

enum class SendBasis { kOwn, kBlend, kPopulation };
const char* SendBasisName(SendBasis b);  // "own", "blend", "population"

struct SendTime {
  int weekday = 0;  // Monday = 0
  int hour = 0;     // 0..23, never inside the quiet hours
  double own_weight = 0;  // share of the customer's own pattern in the choice
  SendBasis basis = SendBasis::kPopulation;  // own ≥ 0.6, blend ≥ 0.3, else population
  bool hour_learned = true;  // false: the options' fixed_hour (the data has dates only)
};

// The send time of a customer with purchases `own` in a shop whose smoothed pattern is
// `population`. InvalidArgument when the quiet hours leave no hour, or the fixed hour is inside them.
Result<SendTime> ChooseSendTime(const TimeHistogram& own, const TimeProfile& population, const SendTimeOptions& o);

// The baseline a practitioner writes first: the customer's most frequent weekday and hour
// (unweighted counts, independently), ties to the earliest. {-1, -1} without purchases.
struct ModalTime {
  int weekday = -1, hour = -1;
};
ModalTime ModalSendTime(const TimeHistogram& own);

// Circular distance in hours between hour bins a and b (0..12).
int HourDistance(int a, int b);

const char* WeekdayName(int weekday);  // "Monday" … "Sunday"

}  // namespace custintel::models
