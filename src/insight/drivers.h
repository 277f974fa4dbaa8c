// Churn drivers in words: gold.customer_scores.risk_factors read back for people. One door for
// the insight texts (fact labels, retention strategies), the CLI's tables (summary, churn --top,
// customer) and the REST API's drivers_text (GET /v1/churn, /v1/customers/{id}; the dashboard).
//
//   std::vector<ChurnDriver> d = RaisingDrivers(nlohmann::json::parse(risk_factors, nullptr, false));
//   DriverWords("days_inactive");                      // "days since the last activity"
//   DriversInWords(nlohmann::json::parse(risk_factors, nullptr, false), 3);
//                                                      // "days since the last activity (157 days), ..."
//
// risk_factors is either the learned model's drivers, [{"feature", "shap", "value"}, ...]
// strongest first, or the heuristic's inputs, {"days_inactive": 157, "sentiment_score": ...}
// (when no model could be trained).
//
// Thread safety: functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "insight/grounding/facts.h"

namespace custintel::insight {

struct ChurnDriver {
  std::string feature;
  std::optional<double> value;  // the customer's value of a numeric feature; absent when not stored
  std::string level;            // the customer's level of a categorical one ("premium" for plan)
};

// The learned model's drivers that raise the risk (SHAP > 0), in stored order (strongest first).
// Empty for the heuristic's object form and for anything malformed.
std::vector<ChurnDriver> RaisingDrivers(const nlohmann::json& risk_factors);

// A driver feature in words, and the unit its value is printed in (FormatFact).
std::string DriverWords(std::string_view feature);
FactUnit DriverUnit(std::string_view feature);

// At most `max` drivers as "words (value), words (value)": the learned model's raising drivers,
// or the heuristic's non-NULL terms in its formula's order (days inactive, sentiment, tickets,
// satisfaction). "" when there are none or the JSON is malformed (discarded).
std::string DriversInWords(const nlohmann::json& risk_factors, size_t max);

}  // namespace custintel::insight
