#include "features/customer_features.h"

#include "core/embedded.h"
#include "core/strings.h"

namespace custintel::features {

Result<std::string> LatestDataTimestamp(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT greatest((SELECT max(ordered_at) FROM silver.orders), "
      "(SELECT max(occurred_at) FROM silver.events), (SELECT max(created_at) FROM silver.reviews), "
      "(SELECT max(created_at) FROM silver.tickets))::VARCHAR"));
  if (r.IsNull(0, 0)) {
    return Status::NotFound("the database holds no dated rows yet; ingest data first (custintel ingest)");
  }
  return r.GetString(0, 0);
}

Result<std::string> NormalizeAsOf(store::Connection& conn, const std::string& as_of) {
  auto r = conn.Query("SELECT try_cast(? AS TIMESTAMPTZ)::VARCHAR", {as_of});
  if (!r.ok() || r->IsNull(0, 0)) {
    return Status::InvalidArgument("--as-of '" + as_of + "' is not a date (use YYYY-MM-DD or an ISO 8601 timestamp)");
  }
  return r->GetString(0, 0);
}

Status RunSqlModel(store::Connection& conn, const std::string& path, const std::string& as_of) {
  auto sql = embedded::Find(path);
  if (!sql) return Status::Internal("SQL model " + path + " is not embedded in this build");
  CI_RETURN_IF_ERROR(conn.Execute("SET VARIABLE as_of = " + QuoteLiteral(as_of) + "::TIMESTAMPTZ"));
  return conn.Execute(std::string(*sql)).WithContext(path);
}

Status BuildCustomerFeatures(store::Connection& conn, const std::string& as_of) {
  return RunSqlModel(conn, "features/sql/customer_features.sql", as_of);
}

}  // namespace custintel::features
