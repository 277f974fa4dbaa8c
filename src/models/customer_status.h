// Customer status: the retention decision on top of churn_risk (issue 22). Every customer of
// gold.customer_scores gets
//   status          active | at_risk | lapsed | new — judged against the customer's own purchase
//                   rhythm (the population's for one- and two-time buyers) and the customer-base
//                   model's P(alive); the definition in words is models/sql/customer_status.sql,
//                   its settings [churn] and [churn.status] (core/config.h);
//   high_risk       status = 'at_risk': slipping but still saveable (never the lapsed);
//   value_at_stake  churn_risk × predicted_clv: the expected future value lost if the customer
//                   lapses (NULL where the CLV model has no money figure: dates-only data, or
//                   too little history to fit it).
// gold.risk_definition records the settings and the shop's rhythm the statuses were judged by
// (one row); an incremental run judges its scope by the last full run's rhythm.
#pragma once

#include <string>

#include "core/config.h"
#include "core/status.h"
#include "features/scope.h"
#include "store/database.h"

namespace custintel::models {

// Loads the status macro (ci_customer_status) and the rhythm as of `as_of` (TEMP table
// ci_status_rhythm, computed from silver.orders). The churn evaluation calls it at its cutoffs.
Status LoadStatusRhythm(store::Connection& conn, const std::string& as_of, const ChurnConfig& churn);

// The status step. REQUIRES: gold.customer_features and gold.customer_scores as of `as_of`
// (the churn and CLV steps ran).
Status AssignCustomerStatus(store::Connection& conn, const std::string& as_of, const ChurnConfig& churn,
                            const features::Scope& scope = features::Scope::All());

// Every "most at risk" list — CLI `churn` and `summary`, API /v1/churn (and the dashboard that
// shows it), the insights' choice of whom to write retention strategies for — is the at-risk
// customers ranked by value at stake; the lapsed are listed apart (win-back, not retention),
// biggest past spenders first. Predicates and orders over gold.customer_scores' columns.
inline constexpr char kAtRiskWhere[] = "status = 'at_risk'";
inline constexpr char kAtRiskOrder[] =
    "value_at_stake DESC NULLS LAST, churn_risk DESC, lifetime_value DESC NULLS LAST, customer_id";
inline constexpr char kLapsedWhere[] = "status = 'lapsed'";
inline constexpr char kLapsedOrder[] = "lifetime_value DESC NULLS LAST, churn_risk DESC, customer_id";
// Customers per status in a fixed order (active, new, at_risk, lapsed), one row each with
// columns status, customers, value_at_stake (summed; NULL without money figures).
std::string StatusCountsSql(const std::string& schema = "gold");

// The SQL call of the status macro over a row with gold.customer_features' columns aliased `f`
// and the P(alive) / churn risk expressions given.
std::string StatusCall(const std::string& f, const std::string& p_alive, const std::string& churn_risk);

}  // namespace custintel::models
