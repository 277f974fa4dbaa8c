// gold.customer_features, built by the SQL model features/sql/customer_features.sql as of a
// reference time, so every result is reproducible.
#pragma once

#include <string>

#include "core/status.h"
#include "features/scope.h"
#include "store/database.h"

namespace custintel::features {

// The latest timestamp anywhere in the silver data (orders, events, reviews, tickets), as
// "YYYY-MM-DD HH:MM:SS+00". Data without dates (a subscription table: customers with a churned
// flag) is as of the time of its latest ingest, and *note (when given) says so; NotFound when
// silver holds neither dated rows nor customers.
Result<std::string> LatestDataTimestamp(store::Connection& conn, std::string* note = nullptr);

// Parses a user's --as-of ("2026-06-30" or a timestamp) into the canonical form above.
Result<std::string> NormalizeAsOf(store::Connection& conn, const std::string& as_of);

// Runs an embedded SQL model (path under src/) with getvariable('as_of') set; every
// "{{scope EXPR}}" in it becomes scope.Filter(EXPR).
Status RunSqlModel(store::Connection& conn, const std::string& path, const std::string& as_of,
                   const Scope& scope = Scope::All());

// Writes the rows of `view` (a query with a customer_id column) to `table`: for Scope::All()
// the table is replaced by the view; otherwise the scope customers' rows of the table are
// replaced by the view's rows of those customers (columns matched by name, columns the view
// lacks NULL) and every other row stays.
Status WriteScoped(store::Connection& conn, const std::string& table, const std::string& view, const Scope& scope);

// (Re)builds gold.customer_features as of `as_of` (canonical form), for the scope's customers.
Status BuildCustomerFeatures(store::Connection& conn, const std::string& as_of, const Scope& scope = Scope::All());

}  // namespace custintel::features
