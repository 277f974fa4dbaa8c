#include "models/cohorts.h"

#include "features/customer_features.h"

namespace custintel::models {

Status BuildCohorts(store::Connection& conn, const std::string& as_of) {
  return features::RunSqlModel(conn, "models/sql/cohorts.sql", as_of);
}

}  // namespace custintel::models
