// RFM: recency, frequency and monetary quintile scores (1–5) and the 11 named segments
// (Champions, Loyal, Potential loyalist, New, Promising, Need attention, About to sleep,
// At risk, Can't lose them, Hibernating, Lost). The scoring and the rule table live in
// models/sql/rfm.sql (the rule table is data: gold.rfm_rules). Writes gold.rfm (customers
// with a purchase) and rfm_score ("RFM" digits) and rfm_segment on gold.customer_scores.
#pragma once

#include <string>

#include "core/status.h"
#include "features/scope.h"
#include "store/database.h"

namespace custintel::models {

// REQUIRES: gold.customer_features and gold.customer_scores are built. With a customer scope
// only the scope's rows are rewritten, scored against the quintiles of every buyer.
Status ScoreRfm(store::Connection& conn, const std::string& as_of, const features::Scope& scope = features::Scope::All());

}  // namespace custintel::models
