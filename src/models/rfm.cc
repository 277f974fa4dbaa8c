#include "models/rfm.h"

#include "features/customer_features.h"

namespace custintel::models {

Status ScoreRfm(store::Connection& conn, const std::string& as_of) {
  return features::RunSqlModel(conn, "models/sql/rfm.sql", as_of);
}

}  // namespace custintel::models
