// The reference churn heuristic as a function of numbers (the formula of churn_heuristic.h),
// for hosts without the DuckDB pipeline (the PostgreSQL extension, a notebook through the C++
// API). The pipeline computes it in SQL (models/sql/churn_heuristic.sql, macro
// ci_churn_heuristic); tests/models/churn_heuristic_test.cc checks that both agree on every
// input, NULLs included.
//
//   double risk = ChurnHeuristicRisk({.days_inactive = 45, .tickets_90d = 2, .interactions_90d = 5});
#pragma once

#include <algorithm>
#include <optional>

namespace custintel::models {

struct ChurnHeuristicInputs {
  std::optional<double> days_inactive;     // days since the last activity
  std::optional<double> avg_sentiment;     // in [-1, 1]; none = neutral
  std::optional<double> tickets_90d;       // support tickets in the last 90 days
  std::optional<double> interactions_90d;  // interactions of any kind in the last 90 days
  std::optional<double> avg_satisfaction;  // ticket satisfaction 1..5; none = not unhappy
};

// risk = clamp(0, 1, 0.3·days_inactive/30 + 0.2·(1 − coalesce(avg_sentiment + 1, 1)/2)
//                    + 0.2·tickets_90d/max(interactions_90d, 1) + 0.3·[avg_satisfaction < 3]).
// Unknowns follow the SQL exactly: max() and clamp() skip a NULL (DuckDB's greatest/least), so an
// unknown interactions_90d counts as 1, and an unknown days_inactive or tickets_90d (a NULL sum)
// gives 1.0 — the most cautious answer for a customer we know nothing about.
inline double ChurnHeuristicRisk(const ChurnHeuristicInputs& in) {
  if (!in.days_inactive || !in.tickets_90d) return 1.0;
  const double sentiment_term = 0.2 * (1 - (in.avg_sentiment ? *in.avg_sentiment + 1 : 1) / 2.0);
  const double ticket_term = 0.2 * *in.tickets_90d / std::max(in.interactions_90d.value_or(1.0), 1.0);
  const double unhappy_term = in.avg_satisfaction && *in.avg_satisfaction < 3 ? 0.3 : 0.0;
  return std::clamp(0.3 * *in.days_inactive / 30.0 + sentiment_term + ticket_term + unhappy_term, 0.0, 1.0);
}

}  // namespace custintel::models
