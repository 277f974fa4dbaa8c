#include "models/churn_heuristic.h"

#include "features/customer_features.h"

namespace custintel::models {

Status ScoreChurnHeuristic(store::Connection& conn, const std::string& as_of) {
  return features::RunSqlModel(conn, "models/sql/churn_heuristic.sql", as_of);
}

}  // namespace custintel::models
