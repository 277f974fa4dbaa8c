// gold.customer_features, built by the SQL model features/sql/customer_features.sql as of a
// reference time, so every result is reproducible.
#pragma once

#include <string>

#include "core/status.h"
#include "store/database.h"

namespace custintel::features {

// The latest timestamp anywhere in the silver data (orders, events, reviews, tickets), as
// "YYYY-MM-DD HH:MM:SS+00"; NotFound when silver holds no timestamps.
Result<std::string> LatestDataTimestamp(store::Connection& conn);

// Parses a user's --as-of ("2026-06-30" or a timestamp) into the canonical form above.
Result<std::string> NormalizeAsOf(store::Connection& conn, const std::string& as_of);

// Runs an embedded SQL model (path under src/) with getvariable('as_of') set.
Status RunSqlModel(store::Connection& conn, const std::string& path, const std::string& as_of);

// (Re)builds gold.customer_features as of `as_of` (canonical form).
Status BuildCustomerFeatures(store::Connection& conn, const std::string& as_of);

}  // namespace custintel::features
