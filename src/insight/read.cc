// Stored insights as JSON (read.h).
#include "insight/read.h"

#include <fmt/format.h>

namespace custintel::insight {
namespace {

// The result's rows as objects; JSON columns parsed, numbers as numbers.
nlohmann::json Rows(const store::QueryResult& r) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < r.row_count(); ++i) {
    nlohmann::json row = nlohmann::json::object();
    for (size_t c = 0; c < r.column_count(); ++c) {
      const std::string& name = r.column_name(c);
      if (r.IsNull(c, i)) {
        row[name] = nullptr;
      } else if (r.column_type(c) == store::ColumnType::kJson) {
        row[name] = nlohmann::json::parse(r.GetString(c, i), nullptr, false);
      } else if (r.column_type(c) == store::ColumnType::kDouble) {
        row[name] = r.GetDouble(c, i);
      } else if (r.column_type(c) == store::ColumnType::kInteger) {
        row[name] = r.GetInt64(c, i);
      } else if (r.column_type(c) == store::ColumnType::kBoolean) {
        row[name] = r.GetBool(c, i);
      } else {
        row[name] = r.GetString(c, i);
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

Status RequireTables(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(bool exists, store::TableExists(conn, "gold", "segment_insights"));
  if (!exists) return Status::NotFound("no insight tables in this database: run `custintel run` first");
  return Status::Ok();
}

}  // namespace

Result<nlohmann::json> ReadSegmentInsights(store::Connection& conn, const std::optional<std::string>& segment) {
  CI_RETURN_IF_ERROR(RequireTables(conn));
  store::Param p = segment ? store::Param(*segment) : store::Param();
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT i.segment, i.who, i.why, i.action, i.text, i.profile, i.strategies, i.snippet_ids, i.writer, i.backend, "
      "i.model, i.input_hash, i.generated_at::VARCHAR AS generated_at, i.grounding_score, i.grounding_flags, "
      "i.provenance "
      "FROM gold.segment_insights i LEFT JOIN gold.segments g USING (segment) "
      "WHERE ?::VARCHAR IS NULL OR i.segment = ?::VARCHAR ORDER BY g.rule_order NULLS LAST, i.segment",
      {p, p}));
  if (segment && r.row_count() == 0) {
    return Status::NotFound(fmt::format("no insight for segment '{}' (segments: `custintel segments`)", *segment));
  }
  return Rows(r);
}

Result<nlohmann::json> ReadCustomerInsights(store::Connection& conn, const std::string& id) {
  CI_RETURN_IF_ERROR(RequireTables(conn));
  auto query = [&](const std::string& sql) -> Result<nlohmann::json> {
    CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(sql, {id}));
    return Rows(r);
  };
  const std::string prov = ", snippet_ids, writer, backend, model, input_hash, generated_at::VARCHAR AS generated_at, "
                           "grounding_score, grounding_flags, provenance";
  CI_ASSIGN_OR_RETURN(nlohmann::json summary, query(
      "SELECT subject_id AS customer_id, account_id, churn_risk, summary, next_best_actions" + prov +
      " FROM gold.account_summaries WHERE subject_kind = 'customer' AND subject_id = ?"));
  if (summary.empty()) return Status::NotFound(fmt::format("no insight for customer '{}'", id));
  CI_ASSIGN_OR_RETURN(nlohmann::json retention, query(
      "SELECT churn_risk, drivers, strategy, actions" + prov + " FROM gold.retention_strategies WHERE customer_id = ?"));
  CI_ASSIGN_OR_RETURN(nlohmann::json recs, query(
      "SELECT rec_type AS type, title, description, priority, product_name" + prov +
      " FROM gold.personal_recommendations WHERE customer_id = ? ORDER BY priority DESC, rec_type"));
  CI_ASSIGN_OR_RETURN(nlohmann::json note, query(
      "SELECT message, product_name, send_weekday, send_hour, offer" + prov +
      " FROM gold.notifications WHERE customer_id = ?"));
  return nlohmann::json{{"customer_id", id},
                        {"summary", summary[0]},
                        {"retention", retention.empty() ? nlohmann::json() : retention[0]},
                        {"recommendations", recs},
                        {"notification", note.empty() ? nlohmann::json() : note[0]}};
}

Result<nlohmann::json> ReadExecutiveSummary(store::Connection& conn) {
  CI_RETURN_IF_ERROR(RequireTables(conn));
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT run_id, as_of::VARCHAR AS as_of, summary, snippet_ids, writer, backend, model, input_hash, "
      "generated_at::VARCHAR AS generated_at, grounding_score, grounding_flags, provenance FROM gold.executive_summary "
      "ORDER BY run_id DESC LIMIT 1"));
  nlohmann::json rows = Rows(r);
  return rows.empty() ? nlohmann::json() : rows[0];
}

}  // namespace custintel::insight
