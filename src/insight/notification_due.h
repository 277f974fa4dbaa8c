// Who is due a notification (issue 26 item 2): the one definition, used by the insights step to
// choose which customers get one. When a notification is sent (weekday, hour) is the writer's
// business (writer_builtin_customer.h); this only says who.
//
// A customer is due when a message can still change what they do next, judged from the facts
// the run already has (gold.customer_scores.status, gold.customer_features):
//   * at_risk: slipping but saveable (the retention decision, models/customer_status.h) — due;
//   * active with an own purchase rhythm (a mean gap between orders) whose silence has reached
//     it (recency_days >= interpurchase_days_mean): their next purchase is expected now — due;
//   * everyone else is not: the lapsed (win-back is another decision), the new (too little
//     history), and active customers with no rhythm of their own or not yet at their usual gap.
// A due customer with no product to name or no order time still gets none (the writer's rule).
#pragma once

namespace custintel::insight {

// A predicate over gold.customer_scores aliased `s` and gold.customer_features aliased `f`
// (joined on customer_id; f's columns may be NULL).
inline constexpr char kNotificationDueSql[] =
    "(s.status = 'at_risk' OR (s.status = 'active' AND f.interpurchase_days_mean > 0 "
    "AND f.recency_days >= f.interpurchase_days_mean))";

}  // namespace custintel::insight
