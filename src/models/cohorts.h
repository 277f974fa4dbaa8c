// Acquisition cohorts: gold.cohorts = acquisition month × months since acquisition →
// customers retained, share retained, revenue, cumulative revenue per customer. The
// definitions are in models/sql/cohorts.sql.
#pragma once

#include <string>

#include "core/status.h"
#include "store/database.h"

namespace custintel::models {

Status BuildCohorts(store::Connection& conn, const std::string& as_of);

}  // namespace custintel::models
