#include "features/customer_features.h"

#include <regex>

#include "core/embedded.h"
#include "core/strings.h"
#include "features/kpis.h"

namespace custintel::features {

Result<std::string> LatestDataTimestamp(store::Connection& conn, std::string* note) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT greatest((SELECT max(ordered_at) FROM silver.orders), "
      "(SELECT max(occurred_at) FROM silver.events), (SELECT max(created_at) FROM silver.reviews), "
      "(SELECT max(created_at) FROM silver.tickets))::VARCHAR, "
      "(SELECT date_trunc('second', max(loaded_at))::VARCHAR FROM meta.ingest_batches "
      " WHERE EXISTS (SELECT 1 FROM silver.customers))"));
  if (!r.IsNull(0, 0)) return r.GetString(0, 0);
  if (r.IsNull(1, 0)) {
    return Status::NotFound("the database holds no dated rows and no customers yet; ingest data first (custintel ingest)");
  }
  if (note) {
    *note = "the data has no dates (no orders, events, reviews or tickets): as of its latest ingest, " +
            r.GetString(1, 0) + "; pass --as-of to choose";
  }
  return r.GetString(1, 0);
}

Result<std::string> NormalizeAsOf(store::Connection& conn, const std::string& as_of) {
  auto r = conn.Query("SELECT try_cast(? AS TIMESTAMPTZ)::VARCHAR", {as_of});
  if (!r.ok() || r->IsNull(0, 0)) {
    return Status::InvalidArgument("--as-of '" + as_of + "' is not a date (use YYYY-MM-DD or an ISO 8601 timestamp)");
  }
  return r->GetString(0, 0);
}

Status RunSqlModel(store::Connection& conn, const std::string& path, const std::string& as_of, const Scope& scope) {
  auto sql = embedded::Find(path);
  if (!sql) return Status::Internal("SQL model " + path + " is not embedded in this build");
  // {{scope COL}}: the run's customer scope; {{kpi NAME}}: a business figure as of the run
  // (features/kpis.h, the one definition of each).
  static const std::regex kToken(R"(\{\{(scope|kpi) ([^}]+)\}\})");
  std::string text;
  std::string rest(*sql);
  std::smatch m;
  while (std::regex_search(rest, m, kToken)) {
    std::string fill;
    if (m[1].str() == "scope") {
      fill = scope.Filter(m[2].str());
    } else {
      const Kpi* kpi = FindKpi(m[2].str());
      if (!kpi) return Status::Internal(path + ": unknown figure {{kpi " + m[2].str() + "}}");
      fill = KpiSubquery(*kpi, "getvariable('as_of')::TIMESTAMPTZ");
    }
    text += m.prefix().str() + fill;
    rest = m.suffix().str();
  }
  text += rest;
  CI_RETURN_IF_ERROR(conn.Execute("SET VARIABLE as_of = " + QuoteLiteral(as_of) + "::TIMESTAMPTZ"));
  return conn.Execute(text).WithContext(path);
}

Status WriteScoped(store::Connection& conn, const std::string& table, const std::string& view, const Scope& scope) {
  if (scope.all()) return conn.Execute("CREATE OR REPLACE TABLE " + table + " AS SELECT * FROM " + view);
  return conn.Execute("DELETE FROM " + table + " WHERE " + scope.Filter("customer_id") + "; INSERT INTO " + table +
                      " BY NAME SELECT * FROM " + view + " WHERE " + scope.Filter("customer_id"));
}

Status BuildCustomerFeatures(store::Connection& conn, const std::string& as_of, const Scope& scope) {
  CI_RETURN_IF_ERROR(RunSqlModel(conn, "features/sql/customer_features.sql", as_of, scope));
  return WriteScoped(conn, "gold.customer_features", "ci_customer_features", scope);
}

}  // namespace custintel::features
