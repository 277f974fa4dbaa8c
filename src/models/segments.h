// Rule-based segments (custintel.toml [[segments]]): SQL predicates over customer features and
// scores, ordered, first match wins. Writes gold.customer_scores.segment and gold.segments
// (per segment: size, share, average and total LTV, average churn risk, revenue share, at-risk
// and lapsed customers, value at stake among the at-risk).
//
// The predicates see customer_features and customer_scores' churn_risk, churn_risk_heuristic,
// ltv_percentile, churn_risk_percentile, status and value_at_stake. At risk has one definition,
// the customer status step's (models/customer_status.h): gold.customer_scores.high_risk is
// status = 'at_risk'; every reader (summary, API, executive metrics, insights, the ask model)
// uses the flag or the status, never a number of its own.
#pragma once

#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "features/scope.h"
#include "store/database.h"

namespace custintel::models {

// A rule whose predicate does not compile is refused with a message naming the segment; a
// customer matching no rule lands in "Unsegmented". With a customer scope only the scope's
// customers are (re)assigned (percentiles in predicates rank against every customer);
// gold.segments always sums every customer.
// REQUIRES: the customer status step ran (gold.customer_scores.status, high_risk).
Status AssignSegments(store::Connection& conn, const std::vector<SegmentRule>& rules,
                      const features::Scope& scope = features::Scope::All());

// The churn risk above which customers count as at risk where the shop has no purchase rhythm
// ([churn] high_risk, from gold.risk_definition); NotFound before the first run.
Result<double> HighRiskAbove(store::Connection& conn);

// Adds to gold.segments what later steps know: average predicted CLV (NULL when CLV could not
// be fitted), average sentiment (when text analysis has run) and the top three categories by
// customers whose favourite category it is. REQUIRES: AssignSegments ran in this run.
Status ProfileSegments(store::Connection& conn);

}  // namespace custintel::models
