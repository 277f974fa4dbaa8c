#include "models/churn/churn_heuristic.h"

#include "features/customer_features.h"

namespace custintel::models {

Status ScoreChurnHeuristic(store::Connection& conn, const std::string& as_of, const features::Scope& scope) {
  CI_RETURN_IF_ERROR(features::RunSqlModel(conn, "models/sql/churn_heuristic.sql", as_of));
  return features::WriteScoped(conn, "gold.customer_scores", "ci_customer_scores", scope);
}

}  // namespace custintel::models
