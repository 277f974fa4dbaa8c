// The executive summary numbers (customers, high-risk, average LTV, reviews, average rating,
// open tickets) with their change since the previous run, appended per run to
// gold.executive_metrics (models/sql/executive_metrics.sql).
#pragma once

#include <string>

#include "core/status.h"
#include "store/database.h"

namespace custintel::models {

// Appends this run's numbers. REQUIRES: gold.customer_scores is built; runs inside the
// pipeline's transaction before meta.runs records the run (its run id is max + 1).
Status RecordExecutiveMetrics(store::Connection& conn, const std::string& as_of);

}  // namespace custintel::models
