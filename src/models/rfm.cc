#include "models/rfm.h"

#include "features/customer_features.h"

namespace custintel::models {

Status ScoreRfm(store::Connection& conn, const std::string& as_of, const features::Scope& scope) {
  CI_RETURN_IF_ERROR(features::RunSqlModel(conn, "models/sql/rfm.sql", as_of));
  CI_RETURN_IF_ERROR(features::WriteScoped(conn, "gold.rfm", "ci_rfm", scope));
  return conn.Execute(
      "ALTER TABLE gold.customer_scores ADD COLUMN IF NOT EXISTS rfm_score VARCHAR; "
      "ALTER TABLE gold.customer_scores ADD COLUMN IF NOT EXISTS rfm_segment VARCHAR; "
      "UPDATE gold.customer_scores s SET rfm_score = r.rfm_cell, rfm_segment = r.rfm_segment "
      "FROM gold.rfm r WHERE s.customer_id = r.customer_id AND " + scope.Filter("s.customer_id"));
}

}  // namespace custintel::models
