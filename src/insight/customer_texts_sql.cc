// customer_texts(customer_id): on-demand texts in SQL (customer_texts_sql.h).
#include "insight/customer_texts_sql.h"

#include <atomic>

#include "insight/step.h"
#include "store/functions.h"

namespace custintel::insight {
namespace {

using store::SqlType;
using store::SqlValue;

// Every text of the customer, in a fixed order: summary, account summary, retention strategy,
// recommendations (highest priority first), notification.
constexpr const char* kTextsSql = R"(
WITH t AS (
  SELECT 'summary' AS kind, 1 AS ord, subject_id, NULL AS title, summary AS text, next_best_actions::VARCHAR AS actions,
         writer, model, input_hash, generated_at, grounding_score, 0 AS priority
  FROM gold.account_summaries WHERE subject_kind = 'customer' AND subject_id = $1
  UNION ALL
  SELECT 'account_summary', 2, subject_id, NULL, summary, next_best_actions::VARCHAR, writer, model, input_hash,
         generated_at, grounding_score, 0
  FROM gold.account_summaries WHERE subject_kind = 'account'
    AND subject_id = (SELECT account_id FROM gold.customer_features WHERE customer_id = $1)
  UNION ALL
  SELECT 'retention_strategy', 3, customer_id, NULL, strategy, actions::VARCHAR, writer, model, input_hash,
         generated_at, grounding_score, 0
  FROM gold.retention_strategies WHERE customer_id = $1
  UNION ALL
  SELECT 'recommendation', 4, customer_id, title, description, NULL, writer, model, input_hash, generated_at,
         grounding_score, priority
  FROM gold.personal_recommendations WHERE customer_id = $1
  UNION ALL
  SELECT 'notification', 5, customer_id, product_name, message, NULL, writer, model, input_hash, generated_at,
         grounding_score, 0
  FROM gold.notifications WHERE customer_id = $1)
SELECT kind, subject_id, title, text, actions, writer, model, input_hash, generated_at::VARCHAR, grounding_score
FROM t ORDER BY ord, priority DESC, title)";

std::vector<std::pair<std::string, SqlType>> Columns() {
  return {{"customer_id", SqlType::Varchar()}, {"kind", SqlType::Varchar()},    {"subject_id", SqlType::Varchar()},
          {"title", SqlType::Varchar()},       {"text", SqlType::Varchar()},    {"actions", SqlType::Json()},
          {"writer", SqlType::Varchar()},      {"model", SqlType::Varchar()},   {"input_hash", SqlType::Varchar()},
          {"generated_at", SqlType::Varchar()}, {"grounding_score", SqlType::Double()},
          {"written_now", SqlType::Boolean()}};
}

SqlValue Text(const store::QueryResult& r, size_t col, size_t row) {
  return r.IsNull(col, row) ? SqlValue::Null() : SqlValue::Text(r.GetString(col, row));
}

Result<std::vector<std::vector<SqlValue>>> CustomerTexts(const std::weak_ptr<store::Database>& weak,
                                                         const AiServiceSource& ai, const SqlValue& id) {
  if (id.is_null() || id.text.empty()) return Status::InvalidArgument("customer_texts: the customer id is NULL or empty");
  std::shared_ptr<store::Database> db = weak.lock();
  if (!db) return Status::Unavailable("customer_texts: the database is closed");
  // A connection of its own: the calling query's transaction cannot commit the write.
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  CI_ASSIGN_OR_RETURN(std::shared_ptr<ai::AiService> service, ai());
  CI_ASSIGN_OR_RETURN(OnDemandTexts t, EnsureCustomerTexts(conn, service, id.text));
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(kTextsSql, {id.text}));
  std::vector<std::vector<SqlValue>> rows;
  for (size_t i = 0; i < r.row_count(); ++i) {
    std::vector<SqlValue> row = {SqlValue::Text(id.text)};
    for (size_t c = 0; c < 9; ++c) row.push_back(Text(r, c, i));
    row.push_back(r.IsNull(9, i) ? SqlValue::Null() : SqlValue::Double(r.GetDouble(9, i)));
    // This call wrote the customer's texts, or (for its row) the account's summary.
    const bool account = r.GetString(0, i) == "account_summary";
    row.push_back(SqlValue::Bool(account ? t.report.accounts.written > 0 : t.report.customers.written > 0));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

void InstallCustomerTextsFunction(const std::shared_ptr<store::Database>& db, AiServiceSource ai) {
  store::SqlTableFunction fn;
  fn.name = "customer_texts";
  fn.args = {SqlType::Varchar()};
  fn.columns = Columns();
  std::weak_ptr<store::Database> weak = db;  // the function lives in the database's catalog
  fn.rows = [weak, ai](const std::vector<SqlValue>& args) { return CustomerTexts(weak, ai, args.at(0)); };
  auto registered = std::make_shared<std::atomic<bool>>(false);
  db->AddConnectionInitializer([fn, registered](store::Connection& conn) -> Status {
    if (registered->exchange(true)) return Status::Ok();
    Status s = store::RegisterTableFunction(conn, fn);
    return s.ok() || s.code() == StatusCode::kAlreadyExists ? Status::Ok() : s;
  });
}

}  // namespace custintel::insight
