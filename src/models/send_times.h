// Send times over the store: the pipeline step that writes gold.send_times, and the held-out
// evaluation behind `custintel evaluate notifications`. The method is models/timing/send_time.h;
// the settings [notifications] (core/config.h).
//
// gold.send_times: one row per customer with a purchase as of the run —
//   customer_id, send_weekday ("Monday"…), send_hour (0..23, never in the quiet hours),
//   basis (own | blend | population), own_weight (share of their own pattern), purchases,
//   hour_basis ("learned", or "default (dates only)" when the orders carry no time of day: then
//   every hour is [notifications] default_hour and the step's note says so).
// The notification writer sends at this time (insight/fact_builders_customer.cc).
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "features/scope.h"
#include "models/timing/send_time.h"
#include "store/database.h"

namespace custintel::models {

SendTimeOptions SendTimeOptionsFrom(const NotificationsConfig& config);

// The step. Purchases are orders of silver.orders_as_of(as_of) that the [orders] rule counts.
// `note` (may be null): what the user should know, e.g. that the hours are the default.
Status BuildSendTimes(store::Connection& conn, const std::string& as_of, const NotificationsConfig& config,
                      const features::Scope& scope = features::Scope::All(), std::string* note = nullptr);

// One method's hit rates on held-out next purchases.
struct SendTimeHits {
  std::string method;  // "custintel", "modal weekday/hour", "shop's busiest time"
  double weekday = 0;  // share whose next purchase fell on the predicted weekday
  double hour = 0;     // share within ±2 hours of the predicted hour (circular)
  double both = 0;
  int64_t in_quiet_hours = 0;  // predictions inside the quiet hours
};

struct SendTimeGroup {
  std::string name;  // "all", "1 purchase", "2-3 purchases", "4+ purchases"
  int64_t customers = 0;
  std::vector<SendTimeHits> methods;
};

struct SendTimeEvaluation {
  std::string cutoff, end;  // history up to cutoff; the first purchase in (cutoff, end] is the target
  std::string quiet_hours;
  int64_t targets_in_quiet_hours = 0;  // held-out purchases that were made inside the quiet hours
  // false: the orders carry dates only, so the hour hit rates say nothing (hour_note says why).
  bool hours_judged = true;
  std::string hour_note;
  std::vector<SendTimeGroup> groups;
};

// Holds out each customer's first purchase after `end - holdout_days` (up to `end`; "" = the
// latest order) and predicts it from the purchases before. An error naming the
// problem (NotFound) when no customer has both.
Result<SendTimeEvaluation> EvaluateSendTimes(store::Connection& conn, const std::string& end, double holdout_days,
                                             const NotificationsConfig& config);

}  // namespace custintel::models
