// The insights step's customer outputs (step_internal.h: WriteCustomers): per chunk of
// customers, the ones whose input hash changed get a summary with next best actions, a
// retention strategy (above the risk threshold), personalised recommendations and a
// notification; their old rows are replaced. Texts are written and grounded on every core
// (the writers and the evaluator are pure); rows are appended on the step's connection.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "core/log.h"
#include "core/parallel.h"
#include "core/stopwatch.h"
#include "insight/fact_builders.h"
#include "insight/playbook.h"
#include "insight/step_internal.h"
#include "insight/writer_builtin.h"
#include "insight/writer_builtin_customer.h"
#include "insight/writer_llm.h"
#include "models/customer_status.h"

namespace custintel::insight::detail {
namespace {

constexpr const char* kTables[] = {"retention_strategies", "personal_recommendations", "notifications"};

struct Appenders {
  std::vector<store::Appender> apps;  // account_summaries, then kTables in order

  static Result<Appenders> Open(store::Connection& conn) {
    Appenders a;
    for (const char* t : {"account_summaries", kTables[0], kTables[1], kTables[2]}) {
      CI_ASSIGN_OR_RETURN(store::Appender app, store::Appender::Create(conn, "gold", t));
      a.apps.push_back(std::move(app));
    }
    return a;
  }
  Status Row(size_t table, const std::vector<store::Param>& row) {
    for (const store::Param& v : row) CI_RETURN_IF_ERROR(apps[table].Append(v));
    return apps[table].EndRow();
  }
  Status Close() {
    for (store::Appender& a : apps) CI_RETURN_IF_ERROR(a.Close());
    return Status::Ok();
  }
};

// A changed customer's texts, then its rows (index: Appenders' table order), before they are stored.
struct CustomerJob {
  CustomerSheet* customer;
  std::string hash;
  WrittenText summary;
  std::vector<std::vector<store::Param>> rows[4];
};

// Writes and grounds every text of the customer — the summary (job.summary; its row comes
// later, after the LLM may have replaced it), the retention strategy, recommendations and
// notification — against one reading of its sheet, and builds the rows of the last three.
// Pure: safe on many threads at once.
void ComputeRows(const StepContext& ctx, const Playbook& pb, CustomerJob& job) {
  const CustomerSheet& c = *job.customer;
  const CustomerContext& cx = c.context;
  const SheetIndex index(c.sheet);
  job.summary = WriteCustomerBuiltin(c, pb);
  Ground(ctx, index, job.summary, true);
  std::vector<store::Param> row;
  if (cx.high_risk) {
    RetentionStrategy r = WriteRetentionBuiltin(c, pb);
    Ground(ctx, index, r.written, true);
    row = {cx.customer_id, cx.churn_risk, r.drivers.dump(), r.written.text, r.written.parts["actions"].dump()};
    AppendProvenance(row, ctx, r.written, job.hash);
    job.rows[1].push_back(std::move(row));
  }
  for (const PersonalRecommendation& rec : WriteRecommendationsBuiltin(c, pb)) {
    WrittenText w;
    w.text = rec.title + ". " + rec.description;
    if (!rec.cited.empty()) w.cited = {rec.cited};
    Ground(ctx, index, w, true);
    row = {cx.customer_id, rec.type, rec.title, rec.description, int64_t{rec.priority},
           rec.product_name.empty() ? store::Param() : store::Param(rec.product_name), cx.churn_risk};
    AppendProvenance(row, ctx, w, job.hash);
    job.rows[2].push_back(std::move(row));
  }
  if (std::optional<Notification> n = WriteNotificationBuiltin(c, ctx.options.outputs)) {
    WrittenText w;
    w.text = n->message;
    w.cited = n->cited;
    Ground(ctx, index, w, true);
    const store::Param product = n->product_name.empty() ? store::Param() : store::Param(n->product_name);
    row = {cx.customer_id, n->message, product, n->weekday, int64_t{n->hour}, n->offer, cx.churn_risk};
    AppendProvenance(row, ctx, w, job.hash);
    job.rows[3].push_back(std::move(row));
  }
}

// The customer's summary row (account_summaries), from the final summary text.
void SummaryRow(const StepContext& ctx, CustomerJob& job) {
  const CustomerContext& cx = job.customer->context;
  std::vector<store::Param> row = {std::string("customer"), cx.customer_id, cx.customer_id,
                                   cx.account_id.empty() ? store::Param() : store::Param(cx.account_id), cx.churn_risk,
                                   job.summary.text, job.summary.parts["actions"].dump()};
  AppendProvenance(row, ctx, job.summary, job.hash);
  job.rows[0].push_back(std::move(row));
}

Status StoreRows(store::Connection& conn, const std::vector<CustomerJob>& jobs) {
  CI_ASSIGN_OR_RETURN(Appenders out, Appenders::Open(conn));
  for (const CustomerJob& j : jobs) {
    for (size_t t = 0; t < 4; ++t) {
      for (const auto& row : j.rows[t]) CI_RETURN_IF_ERROR(out.Row(t, row));
    }
  }
  return out.Close();
}

// The LLM writes the summaries of the chunk's changed customers among the riskiest.
void SummariesWithLlm(StepContext& ctx, std::vector<CustomerJob>& jobs, const std::unordered_set<std::string>& llm_ids) {
  std::vector<LlmRequest> reqs;
  std::vector<size_t> which;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (!llm_ids.count(jobs[i].customer->context.customer_id)) continue;
    reqs.push_back({&jobs[i].customer->sheet, jobs[i].summary,
                    "Summarise this customer's account, why their churn risk is what it is, and the next best actions."});
    which.push_back(i);
  }
  if (reqs.empty() || ctx.report.budget_spent) return;
  LlmBatch b = WriteWithLlm(*ctx.ai, reqs, ctx.catalog);
  for (size_t k = 0; k < which.size(); ++k) jobs[which[k]].summary = b.texts[k];
  ctx.report.customers.llm += b.llm;
  ctx.report.customers.fell_back += b.fell_back;
  ctx.report.budget_spent = ctx.report.budget_spent || b.budget_spent;
}

// Deletes the old rows of the chunk's changed customers.
Status DeleteChanged(store::Connection& conn, const std::vector<CustomerJob>& jobs) {
  std::vector<std::string> ids;
  for (const CustomerJob& j : jobs) ids.push_back(j.customer->context.customer_id);
  std::vector<std::string> deletes = {
      "DELETE FROM gold.account_summaries WHERE subject_kind = 'customer' AND subject_id IN "
      "(SELECT id FROM ci_insight_changed)"};
  for (const char* t : kTables) {
    deletes.push_back(fmt::format("DELETE FROM gold.{} WHERE customer_id IN (SELECT id FROM ci_insight_changed)", t));
  }
  return DeleteSubjects(conn, ids, deletes);
}

Result<std::unordered_map<std::string, std::string>> StoredCustomerHashes(store::Connection& conn,
                                                                          const features::Scope& scope) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT subject_id, input_hash FROM gold.account_summaries WHERE subject_kind = 'customer' AND " +
      scope.Filter("subject_id")));
  std::unordered_map<std::string, std::string> out;
  out.reserve(r.row_count());
  for (size_t i = 0; i < r.row_count(); ++i) out.emplace(r.GetString(0, i), r.GetString(1, i));
  return out;
}

Result<std::unordered_set<std::string>> LlmCustomers(StepContext& ctx) {
  std::unordered_set<std::string> ids;
  if (!ctx.llm || ctx.options.llm_customer_cap <= 0) return ids;
  CI_ASSIGN_OR_RETURN(store::QueryResult r, ctx.conn->Query(
      // The at-risk with the most value at stake first (models/customer_status.h), then the rest.
      std::string("SELECT customer_id FROM gold.customer_scores ORDER BY coalesce(high_risk, false) DESC, ") +
          models::kAtRiskOrder + " LIMIT ?",
      {int64_t{ctx.options.llm_customer_cap}}));
  for (size_t i = 0; i < r.row_count(); ++i) ids.insert(r.GetString(0, i));
  return ids;
}

// Rows of customers no longer scored. A scoped run touches only its scope's rows (a scope
// customer that is gone loses its rows; other customers are not looked at), and when none of
// its customers is gone — the usual case — it scans none of the tables.
Status RemoveGoneCustomers(store::Connection& conn, const features::Scope& scope) {
  if (!scope.all()) {
    CI_ASSIGN_OR_RETURN(store::QueryResult gone, conn.Query(fmt::format(
        "SELECT count(*) FROM {} WHERE customer_id NOT IN (SELECT customer_id FROM gold.customer_scores)",
        scope.table())));
    if (gone.GetInt64(0, 0) == 0) return Status::Ok();
  }
  CI_RETURN_IF_ERROR(conn.Execute(
      "DELETE FROM gold.account_summaries WHERE subject_kind = 'customer' AND subject_id NOT IN "
      "(SELECT customer_id FROM gold.customer_scores) AND " + scope.Filter("subject_id")));
  for (const char* t : kTables) {
    CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
        "DELETE FROM gold.{} WHERE customer_id NOT IN (SELECT customer_id FROM gold.customer_scores) AND {}", t,
        scope.Filter("customer_id"))));
  }
  return Status::Ok();
}

}  // namespace

Status WriteCustomers(StepContext& ctx) {
  CI_ASSIGN_OR_RETURN(Playbook pb, LoadPlaybook(*ctx.conn));
  CI_ASSIGN_OR_RETURN(auto stored, StoredCustomerHashes(*ctx.conn, ctx.options.scope));
  CI_ASSIGN_OR_RETURN(auto llm_ids, LlmCustomers(ctx));
  CustomerSheetOptions opts;
  opts.chunk_size = ctx.options.chunk_size;
  opts.scope = ctx.options.scope;
  // Where the step's time goes (`-v`): building sheets (SQL + assembly), hashing them, writing
  // and grounding the texts, deleting the changed customers' old rows, appending the new ones.
  Stopwatch sw;
  double sheets = 0, hashing = 0, writing = 0, deleting = 0, storing = 0;
  CI_RETURN_IF_ERROR(ForEachCustomerSheets(*ctx.conn, opts, [&](std::vector<CustomerSheet>& chunk) -> Status {
    sheets += sw.Lap();
    std::vector<std::string> hashes(chunk.size());
    ParallelFor(chunk.size(), 0, kMinSubjectsPerThread, [&](size_t i) {
      hashes[i] = StoredHash(ctx, chunk[i].sheet, llm_ids.count(chunk[i].context.customer_id) > 0);
    });
    hashing += sw.Lap();
    std::vector<CustomerJob> jobs;
    for (size_t i = 0; i < chunk.size(); ++i) {
      auto it = stored.find(chunk[i].context.customer_id);
      if (!ctx.options.refresh && it != stored.end() && it->second == hashes[i]) {
        ++ctx.report.customers.unchanged;
        continue;
      }
      jobs.push_back({&chunk[i], std::move(hashes[i]), {}, {}});
    }
    if (jobs.empty()) return Status::Ok();
    ParallelFor(jobs.size(), 0, kMinSubjectsPerThread, [&](size_t i) { ComputeRows(ctx, pb, jobs[i]); });
    if (ctx.llm) SummariesWithLlm(ctx, jobs, llm_ids);
    ParallelFor(jobs.size(), 0, kMinSubjectsPerThread, [&](size_t i) { SummaryRow(ctx, jobs[i]); });
    writing += sw.Lap();
    CI_RETURN_IF_ERROR(DeleteChanged(*ctx.conn, jobs));
    deleting += sw.Lap();
    CI_RETURN_IF_ERROR(StoreRows(*ctx.conn, jobs));
    storing += sw.Lap();
    ctx.report.customers.written += static_cast<int64_t>(jobs.size());
    return Status::Ok();
  }));
  LogInfo(fmt::format("insights customers: sheets {:.2f} s, hashing {:.2f} s, writing and grounding {:.2f} s, "
                      "deleting old rows {:.2f} s, appending {:.2f} s",
                      sheets, hashing, writing, deleting, storing));
  return RemoveGoneCustomers(*ctx.conn, ctx.options.scope);
}

}  // namespace custintel::insight::detail
