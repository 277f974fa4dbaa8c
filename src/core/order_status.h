// The purchase rule in SQL: which orders are purchases ([orders] of custintel.toml, OrdersConfig
// in core/config.h), as two macros that every engine connection carries
// (store::OpenEngineDatabase installs them), so every consumer — SQL models, the churn label,
// CLV, recommendations, cohorts, KPIs, the ask model, ingest's and doctor's reports, a user's
// `custintel sql` — applies the same one:
//
//   order_status_class(status)  'purchase' | 'excluded' | 'unknown' (a missing or blank status
//                               is 'purchase')
//   is_purchase(status)         true for 'purchase', and for 'unknown' when unknown_statuses =
//                               "purchase"
//
//   SELECT count(*) FROM silver.orders o WHERE is_purchase(o.status)
#pragma once

#include <string>

#include "core/config.h"

namespace custintel {

// CREATE OR REPLACE TEMP MACRO statements defining both macros for `rule` (TEMP: they live in
// the connection, so read-only databases carry them too and the database file never does).
std::string OrderStatusMacrosSql(const OrdersConfig& rule);

// The rule in one line, for fingerprints and reports: "purchase: complet|deliver; excluded:
// cancel|refund; unknown: purchase".
std::string DescribeOrdersRule(const OrdersConfig& rule);

// How orders of a status of class `status_class` ('excluded' or 'unknown') count (`counted`:
// is_purchase), and the edit of custintel.toml that changes it, for a report line
// "status 'unavailable': 609 orders — <this>".
std::string OrderStatusVerdict(const std::string& status_class, bool counted);

}  // namespace custintel
