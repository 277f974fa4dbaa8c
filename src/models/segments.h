// Rule-based segments (custintel.toml [[segments]]): SQL predicates over customer features and
// scores, ordered, first match wins. Writes gold.customer_scores.segment and gold.segments
// (per segment: size, share, average and total LTV, average churn risk, revenue share).
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
Status AssignSegments(store::Connection& conn, const std::vector<SegmentRule>& rules,
                      const features::Scope& scope = features::Scope::All());

// Adds to gold.segments what later steps know: average predicted CLV (NULL when CLV could not
// be fitted), average sentiment (when text analysis has run) and the top three categories by
// customers whose favourite category it is. REQUIRES: AssignSegments ran in this run.
Status ProfileSegments(store::Connection& conn);

}  // namespace custintel::models
