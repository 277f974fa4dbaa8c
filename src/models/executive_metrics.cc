#include "models/executive_metrics.h"

#include "features/customer_features.h"

namespace custintel::models {

Status RecordExecutiveMetrics(store::Connection& conn, const std::string& as_of) {
  return features::RunSqlModel(conn, "models/sql/executive_metrics.sql", as_of);
}

}  // namespace custintel::models
