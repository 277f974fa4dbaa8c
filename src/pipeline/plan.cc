#include "pipeline/plan.h"

#include <fmt/format.h>

#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/embedded.h"
#include "core/hash.h"
#include "core/order_status.h"
#include "core/strings.h"
#include "insight/playbook.h"

namespace custintel::pipeline {
namespace {

constexpr const char* kSilverTables[] = {"customers", "orders", "order_items", "products",
                                         "events",    "reviews", "tickets",    "notes"};

// What one earlier run recorded.
struct PastRun {
  int64_t run_id = 0;
  std::string as_of, mode, fingerprint;
  int64_t watermark = 0;
  std::vector<int64_t> open_batches;
  std::map<std::string, int64_t> silver_rows;
};

// A batch the run with (watermark, open) had not seen, as an SQL predicate on `col` (false for NULL).
std::string NewBatch(const std::string& col, int64_t watermark, const std::vector<int64_t>& open) {
  std::string ids;
  for (int64_t id : open) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
  return fmt::format("coalesce({0} > {1}{2}, false)", col, watermark,
                     ids.empty() ? "" : fmt::format(" OR {} IN ({})", col, ids));
}

Result<std::optional<PastRun>> LoadPastRun(store::Connection& conn, const char* where) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(fmt::format(
      "SELECT run_id, as_of::VARCHAR, mode, fingerprint, watermark, to_json(open_batches)::VARCHAR, "
      "silver_rows::VARCHAR FROM meta.runs WHERE status = 'ok' AND watermark IS NOT NULL {} "
      "ORDER BY run_id DESC LIMIT 1", where)));
  if (r.row_count() == 0) return std::optional<PastRun>();
  PastRun p;
  p.run_id = r.GetInt64(0, 0);
  p.as_of = r.GetString(1, 0);
  p.mode = r.GetString(2, 0);
  p.fingerprint = r.IsNull(3, 0) ? "" : r.GetString(3, 0);
  p.watermark = r.GetInt64(4, 0);
  auto open = nlohmann::json::parse(r.IsNull(5, 0) ? "[]" : r.GetString(5, 0), nullptr, false);
  if (open.is_array()) {
    for (const auto& id : open) p.open_batches.push_back(id.get<int64_t>());
  }
  auto rows = nlohmann::json::parse(r.IsNull(6, 0) ? "{}" : r.GetString(6, 0), nullptr, false);
  if (rows.is_object()) {
    for (const auto& [table, n] : rows.items()) p.silver_rows[table] = n.get<int64_t>();
  }
  return std::optional<PastRun>(std::move(p));
}

// The highest committed batch id and the ids below it not committed (in flight, or rolled back
// and never to come). Only the kMaxOpenBatches most recent gaps are kept, so rollbacks cannot
// grow the list without bound; rows of an older gap that commits later still make the silver
// row counts disagree, and the next run is full.
constexpr int kMaxOpenBatches = 1000;

Status ReadWatermark(store::Connection& conn, RunPlan* plan) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(fmt::format(
      "WITH w AS (SELECT coalesce(max(batch_id), 0) AS w FROM meta.ingest_batches) "
      "SELECT w.w, (SELECT to_json(coalesce(list(i ORDER BY i), []))::VARCHAR FROM ("
      "  SELECT i FROM range(1, w.w + 1) t(i) "
      "  WHERE i NOT IN (SELECT batch_id FROM meta.ingest_batches WHERE batch_id IS NOT NULL) "
      "  ORDER BY i DESC LIMIT {})) FROM w", kMaxOpenBatches)));
  plan->watermark = r.GetInt64(0, 0);
  for (const auto& id : nlohmann::json::parse(r.GetString(1, 0))) plan->open_batches.push_back(id.get<int64_t>());
  return Status::Ok();
}

Result<std::string> Fingerprint(store::Connection& conn, const Config& config, const PlanOptions& options) {
  Sha256Builder h;
  h.Add("pipeline").Add(std::to_string(kPipelineVersion));
  for (const auto& f : embedded::Files()) h.Add(f.path).Add(f.content);
  for (const auto& rule : config.segments) h.Add(rule.name).Add(rule.when);
  // Every status and the texts built on them; every figure built on purchases.
  const CustomerStatusConfig& st = config.churn.status;
  h.Add(fmt::format("high_risk={} status={},{},{},{},{}", config.churn.high_risk, st.at_risk_quantile,
                    st.lapsed_quantile, st.lapsed_p_alive, st.new_days, st.min_gaps));
  h.Add(DescribeOrdersRule(config.orders));
  // The playbook the insights step will use (the default until the first run seeds the table).
  CI_ASSIGN_OR_RETURN(insight::Playbook playbook, insight::LoadPlaybook(conn));
  for (const auto& e : playbook.entries) h.Add(e.key).Add(e.kind).Add(e.title).Add(e.action).Add(e.expected_impact);
  h.Add(options.settings);
  return h.FinishHex();
}

// Per silver table: every row, and the rows of batches `past` had seen (plus unbatched rows).
Status CountSilver(store::Connection& conn, const PastRun* past, std::map<std::string, int64_t>* rows,
                   std::map<std::string, int64_t>* seen) {
  for (const char* t : kSilverTables) {
    std::string seen_sql = past ? fmt::format("count(*) FILTER (WHERE NOT {})", NewBatch("_batch_id", past->watermark,
                                                                                      past->open_batches))
                                : "0";
    CI_ASSIGN_OR_RETURN(store::QueryResult r,
                        conn.Query(fmt::format("SELECT count(*), {} FROM silver.{}", seen_sql, t)));
    (*rows)[t] = r.GetInt64(0, 0);
    (*seen)[t] = r.GetInt64(1, 0);
  }
  return Status::Ok();
}

// Empty when silver's rows add up since `past`: the rows it saw, less those ingest replaced
// since; else a description of the first table that does not.
Result<std::string> SilverMismatch(store::Connection& conn, const PastRun& past,
                                   const std::map<std::string, int64_t>& seen) {
  std::string is_new = NewBatch("batch_id", past.watermark, past.open_batches);
  std::string old_new = NewBatch("replaced_batch_id", past.watermark, past.open_batches);
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(fmt::format(
      "SELECT kind, count(*) FROM meta.replaced_rows WHERE {} AND NOT {} GROUP BY kind", is_new, old_new)));
  std::map<std::string, int64_t> replaced;
  for (size_t i = 0; i < r.row_count(); ++i) replaced[r.GetString(0, i)] = r.GetInt64(1, i);
  for (const char* t : kSilverTables) {
    auto was = past.silver_rows.find(t);
    if (was == past.silver_rows.end()) return fmt::format("run {} did not count silver.{}", past.run_id, t);
    int64_t expect = was->second - replaced[t];
    if (seen.at(t) != expect) {
      return fmt::format("silver.{} holds {} rows of the batches run {} saw where ingest left {}: it was changed "
                         "outside custintel ingest", t, seen.at(t), past.run_id, expect);
    }
  }
  return std::string();
}

// The customers whose inputs changed since (watermark, open), as a SELECT of customer_id.
std::string ChangedCustomersSql(int64_t watermark, const std::vector<int64_t>& open) {
  auto is_new = [&](const std::string& col) { return NewBatch(col, watermark, open); };
  return fmt::format(
      "SELECT DISTINCT customer_id FROM ("
      "  SELECT customer_id FROM silver.customers WHERE {0}"
      "  UNION ALL SELECT customer_id FROM silver.orders WHERE {0}"
      "  UNION ALL SELECT o.customer_id FROM silver.order_items i JOIN silver.orders o USING (order_id) WHERE {1}"
      "  UNION ALL SELECT customer_id FROM silver.events WHERE {0}"
      "  UNION ALL SELECT customer_id FROM silver.reviews WHERE {0}"
      "  UNION ALL SELECT customer_id FROM silver.tickets WHERE {0}"
      "  UNION ALL SELECT customer_id FROM meta.replaced_rows WHERE {2}"
      "  UNION ALL SELECT o.customer_id FROM silver.order_items i JOIN silver.orders o USING (order_id)"
      "    WHERE i.product_id IN (SELECT product_id FROM silver.products WHERE {0}"
      "                           UNION SELECT product_id FROM meta.replaced_rows WHERE {2} AND product_id IS NOT NULL)"
      ") WHERE customer_id IS NOT NULL",
      is_new("_batch_id"), is_new("i._batch_id"), is_new("batch_id"));
}

std::string RowsJson(const std::map<std::string, int64_t>& rows) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [t, n] : rows) j[t] = n;
  return j.dump();
}

}  // namespace

Result<RunPlan> PlanRun(store::Connection& conn, const Config& config, const std::string& as_of,
                        const PlanOptions& options) {
  RunPlan plan;
  CI_RETURN_IF_ERROR(ReadWatermark(conn, &plan));
  CI_ASSIGN_OR_RETURN(plan.fingerprint, Fingerprint(conn, config, options));
  CI_ASSIGN_OR_RETURN(std::optional<PastRun> last, LoadPastRun(conn, ""));
  std::map<std::string, int64_t> rows, seen;
  CI_RETURN_IF_ERROR(CountSilver(conn, last ? &*last : nullptr, &rows, &seen));
  plan.silver_rows = RowsJson(rows);
  auto full = [&](std::string why) {
    plan.reason = std::move(why);
    return plan;
  };
  if (options.full) return full("full run: --full");
  if (options.max_changed_share <= 0) return full("full run: [pipeline] max_changed_share = 0");
  if (!last) return full("full run: no earlier run recorded a watermark");
  CI_ASSIGN_OR_RETURN(store::QueryResult same_as_of,
                      conn.Query("SELECT ?::TIMESTAMPTZ = ?::TIMESTAMPTZ", {as_of, last->as_of}));
  if (!same_as_of.GetBool(0, 0)) {
    return full(fmt::format("full run: the as-of moved from {} (run {}) to {}", last->as_of, last->run_id, as_of));
  }
  if (last->fingerprint != plan.fingerprint) {
    return full(fmt::format("full run: settings changed since run {} (segment rules, high risk threshold, "
                            "purchase statuses, playbook, AI backend, or custintel's models)", last->run_id));
  }
  CI_ASSIGN_OR_RETURN(std::string mismatch, SilverMismatch(conn, *last, seen));
  if (!mismatch.empty()) return full("full run: " + mismatch);
  CI_ASSIGN_OR_RETURN(std::optional<PastRun> last_full, LoadPastRun(conn, "AND mode = 'full'"));
  if (!last_full) return full("full run: no earlier full run");
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format("CREATE OR REPLACE TEMP TABLE {} AS {}", kScopeTable,
                                              ChangedCustomersSql(last->watermark, last->open_batches))));
  CI_ASSIGN_OR_RETURN(store::QueryResult n, conn.Query(fmt::format(
      "SELECT (SELECT count(*) FROM {}), (SELECT count(*) FROM silver.customers)", kScopeTable)));
  const int64_t scoped = n.GetInt64(0, 0), customers = n.GetInt64(1, 0);
  // Changed since the last full run: the scope itself when the last run was that full run.
  int64_t drifted = scoped;
  if (last_full->run_id != last->run_id) {
    CI_ASSIGN_OR_RETURN(store::QueryResult drift, conn.Query(fmt::format(
        "SELECT count(*) FROM ({})", ChangedCustomersSql(last_full->watermark, last_full->open_batches))));
    drifted = drift.GetInt64(0, 0);
  }
  if (customers > 0 && static_cast<double>(drifted) > options.max_changed_share * static_cast<double>(customers)) {
    CI_RETURN_IF_ERROR(conn.Execute(fmt::format("DROP TABLE {}", kScopeTable)));
    return full(fmt::format("full run: {} of {} customers changed since the last full run (run {}), more than "
                            "{:.0f}%; the population models are refitted",
                            drifted, customers, last_full->run_id, options.max_changed_share * 100));
  }
  plan.incremental = true;
  plan.since_run = last->run_id;
  plan.since_watermark = last->watermark;
  plan.since_open_batches = last->open_batches;
  plan.scoped_customers = scoped;
  plan.scope = features::Scope::Customers(kScopeTable);
  plan.reason = fmt::format("incremental run: {} customers changed since run {} (as of {}; models of run {})",
                            plan.scoped_customers, last->run_id, last->as_of, last_full->run_id);
  return plan;
}

Status AddTextChanges(store::Connection& conn, RunPlan* plan) {
  if (!plan->incremental) return Status::Ok();
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "INSERT INTO {0} SELECT DISTINCT customer_id FROM gold.interaction_sentiment "
      "WHERE analyzed_at = current_timestamp AND customer_id IS NOT NULL "
      "AND customer_id NOT IN (SELECT customer_id FROM {0})", kScopeTable)));
  CI_ASSIGN_OR_RETURN(store::QueryResult n, conn.Query(fmt::format("SELECT count(*) FROM {}", kScopeTable)));
  int64_t added = n.GetInt64(0, 0) - plan->scoped_customers;
  plan->scoped_customers += added;
  if (added > 0) plan->reason += fmt::format("; {} more whose text analysis this run wrote", added);
  return Status::Ok();
}

}  // namespace custintel::pipeline
