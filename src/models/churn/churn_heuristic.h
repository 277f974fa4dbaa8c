// The reference churn heuristic (kept as churn_risk_heuristic beside any learned model):
//   risk = clamp(0, 1, 0.3·days_inactive/30 + 0.2·(1 − coalesce(avg_sentiment + 1, 1)/2)
//                      + 0.2·tickets_90d/max(interactions_90d, 1) + 0.3·[avg_satisfaction < 3])
// with risk_factors JSON {days_inactive, sentiment_score, support_tickets, satisfaction,
// lifetime_value}. Implemented in models/sql/churn_heuristic.sql for the pipeline and as a function
// of numbers in churn_heuristic_formula.h for other hosts; a test keeps the two equal.
#pragma once

#include "core/status.h"
#include "features/scope.h"
#include "store/database.h"

namespace custintel::models {

// (Re)builds gold.customer_scores from gold.customer_features. With a customer scope the
// scope's rows are replaced (their columns of later steps NULL until those steps rescore
// them) and the others stay; ltv_percentile always ranks against every customer.
Status ScoreChurnHeuristic(store::Connection& conn, const std::string& as_of,
                           const features::Scope& scope = features::Scope::All());

}  // namespace custintel::models
