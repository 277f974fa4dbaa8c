// The insights step's customer outputs (step_internal.h: WriteCustomers): per chunk of
// customers, those whose texts are wanted (step.h: the at-risk, the due, the requested, or
// everyone) and whose input hash changed get a summary with next best actions and personalised
// recommendations (at risk, requested or stored), a retention strategy (at risk) and a
// notification (due); their old rows are replaced. Stored texts of customers nobody needs
// whose hash changed are dropped. Texts are written and grounded on every core
// (the writers and the evaluator are pure); rows are appended on the step's connection.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "core/log.h"
#include "core/parallel.h"
#include "core/stopwatch.h"
#include "insight/fact_builders.h"
#include "insight/notification_due.h"
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
  bool summary_wanted = false;  // summary and recommendations (else only the decision texts)
  bool due = false;             // a notification (notification_due.h)
  bool had_texts = false;       // stored rows it replaces (none written: they are dropped)
  WrittenText summary;
  std::vector<std::vector<store::Param>> rows[4];
};

void ComputeRecommendationRows(const StepContext& ctx, const Playbook& pb, const SheetIndex& index, CustomerJob& job);
void ComputeNotificationRow(const StepContext& ctx, const SheetIndex& index, CustomerJob& job);

// Writes and grounds the wanted texts of the customer — the summary (job.summary; its row
// comes later, after the LLM may have replaced it), the retention strategy, recommendations and
// notification — against one reading of its sheet, and builds the rows of the last three.
// Pure: safe on many threads at once.
void ComputeRows(const StepContext& ctx, const Playbook& pb, CustomerJob& job) {
  const CustomerSheet& c = *job.customer;
  const CustomerContext& cx = c.context;
  const SheetIndex index(c.sheet);
  if (job.summary_wanted) {
    job.summary = WriteCustomerBuiltin(c, pb);
    Ground(ctx, index, job.summary, true);
  }
  std::vector<store::Param> row;
  if (cx.high_risk) {
    RetentionStrategy r = WriteRetentionBuiltin(c, pb);
    Ground(ctx, index, r.written, true);
    row = {cx.customer_id, cx.churn_risk, r.drivers.dump(), r.written.text, r.written.parts["actions"].dump()};
    AppendProvenance(row, ctx, r.written, job.hash);
    job.rows[1].push_back(std::move(row));
  }
  if (job.summary_wanted) ComputeRecommendationRows(ctx, pb, index, job);
  if (job.due) ComputeNotificationRow(ctx, index, job);
}

// The personal recommendations' rows (written with the summary).
void ComputeRecommendationRows(const StepContext& ctx, const Playbook& pb, const SheetIndex& index, CustomerJob& job) {
  const CustomerSheet& c = *job.customer;
  const CustomerContext& cx = c.context;
  std::vector<store::Param> row;
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
}

// The notification's row (due customers only; none when the writer has nothing to name).
void ComputeNotificationRow(const StepContext& ctx, const SheetIndex& index, CustomerJob& job) {
  const CustomerSheet& c = *job.customer;
  const CustomerContext& cx = c.context;
  std::vector<store::Param> row;
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
  if (!job.summary_wanted) return;
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

// The LLM writes the summaries of the chunk's changed customers among the riskiest (and the
// one asked for on demand).
void SummariesWithLlm(StepContext& ctx, std::vector<CustomerJob>& jobs, const std::unordered_set<std::string>& llm_ids) {
  std::vector<LlmRequest> reqs;
  std::vector<size_t> which;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (!jobs[i].summary_wanted || !llm_ids.count(jobs[i].customer->context.customer_id)) continue;
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

// Deletes every stored text of the customers `ids` (before a rewrite, or when dropped).
Status DeleteCustomerTexts(store::Connection& conn, const std::vector<std::string>& ids) {
  if (ids.empty()) return Status::Ok();
  std::vector<std::string> deletes = {
      "DELETE FROM gold.account_summaries WHERE subject_kind = 'customer' AND subject_id IN "
      "(SELECT id FROM ci_insight_changed)"};
  for (const char* t : kTables) {
    deletes.push_back(fmt::format("DELETE FROM gold.{} WHERE customer_id IN (SELECT id FROM ci_insight_changed)", t));
  }
  return DeleteSubjects(conn, ids, deletes);
}

// The customers this call looks at (TEMP table kTodo: customer_id, due), within the scope:
// everyone (`insights --all`, on demand), else those a decision needs (at risk, due) and those
// with stored texts (kept while current, dropped when stale). Only their sheets are built.
constexpr const char* kTodo = "ci_insight_todo";

Status CollectTodo(StepContext& ctx) {
  const bool everyone = ctx.options.texts == TextsWanted::kAll || ctx.options.customer.has_value();
  std::string stored = "SELECT subject_id FROM gold.account_summaries WHERE subject_kind = 'customer'";
  for (const char* t : kTables) stored += fmt::format(" UNION SELECT customer_id FROM gold.{}", t);
  const std::string wanted = everyone ? std::string("TRUE")
                                      : fmt::format("coalesce(s.high_risk, false) OR coalesce({}, false) OR "
                                                    "s.customer_id IN ({})", kNotificationDueSql, stored);
  return ctx.conn->Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS SELECT s.customer_id, coalesce({}, false) AS due "
      "FROM gold.customer_scores s LEFT JOIN gold.customer_features f USING (customer_id) WHERE {} AND ({})",
      kTodo, kNotificationDueSql, ctx.options.scope.Filter("s.customer_id"), wanted));
}

Result<std::unordered_map<std::string, bool>> TodoDue(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(fmt::format("SELECT customer_id, due FROM {}", kTodo)));
  std::unordered_map<std::string, bool> out;
  out.reserve(r.row_count());
  for (size_t i = 0; i < r.row_count(); ++i) out.emplace(r.GetString(0, i), r.GetBool(1, i));
  return out;
}

bool IsDue(const std::unordered_map<std::string, bool>& due, const std::string& id) {
  auto it = due.find(id);
  return it != due.end() && it->second;
}

// What is stored for a customer: the input hash its rows carry ("" when they disagree, which
// only an interrupted older writer could leave) and which texts are among them (a database
// written before issue 26 has a notification for everyone).
struct StoredTexts {
  std::string hash;
  bool summary = false, retention = false, notification = false;
};

Result<std::unordered_map<std::string, StoredTexts>> StoredCustomerTexts(store::Connection& conn) {
  std::string rows = fmt::format(
      "SELECT subject_id AS customer_id, input_hash, 'summary' AS kind FROM gold.account_summaries "
      "WHERE subject_kind = 'customer' AND subject_id IN (SELECT customer_id FROM {})", kTodo);
  for (const char* t : kTables) {
    rows += fmt::format(" UNION ALL SELECT customer_id, input_hash, '{}' FROM gold.{} "
                        "WHERE customer_id IN (SELECT customer_id FROM {})", t, t, kTodo);
  }
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT customer_id, CASE WHEN min(input_hash) = max(input_hash) THEN min(input_hash) ELSE '' END, "
      "bool_or(kind = 'summary'), bool_or(kind = 'retention_strategies'), bool_or(kind = 'notifications') "
      "FROM (" + rows + ") GROUP BY customer_id"));
  std::unordered_map<std::string, StoredTexts> out;
  out.reserve(r.row_count());
  for (size_t i = 0; i < r.row_count(); ++i) {
    out.emplace(r.GetString(0, i), StoredTexts{r.GetString(1, i), r.GetBool(2, i), r.GetBool(3, i), r.GetBool(4, i)});
  }
  return out;
}

// The LLM's customers: the llm_customer_cap riskiest, and the one asked for on demand.
Result<std::unordered_set<std::string>> LlmCustomers(StepContext& ctx) {
  std::unordered_set<std::string> ids;
  if (!ctx.llm) return ids;
  if (ctx.options.customer) ids.insert(*ctx.options.customer);
  if (ctx.options.llm_customer_cap <= 0) return ids;
  CI_ASSIGN_OR_RETURN(store::QueryResult r, ctx.conn->Query(
      // The at-risk with the most value at stake first (models/customer_status.h), then the rest.
      std::string("SELECT customer_id FROM gold.customer_scores ORDER BY coalesce(high_risk, false) DESC, ") +
          models::kAtRiskOrder + " LIMIT ?",
      {int64_t{ctx.options.llm_customer_cap}}));
  for (size_t i = 0; i < r.row_count(); ++i) ids.insert(r.GetString(0, i));
  return ids;
}

// The stored hash of a customer's texts: the sheet's with the writer settings (StoredHash; the
// backend and model whenever an LLM may write, so a text written on demand and the run agree)
// and the decisions that choose its texts.
std::string CustomerHash(const StepContext& ctx, const CustomerSheet& c, bool due) {
  return StoredHash(ctx, c.sheet, ctx.llm) +
         (c.context.high_risk ? ":at_risk" : "") + (due ? ":due" : "");
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

// What to do with one customer of the chunk: nothing (its stored texts are current, or it
// has none and needs none), drop its stale texts, or write (a job).
enum class CustomerAction { kUnchanged, kNone, kDrop, kWrite };

CustomerAction Decide(const StepContext& ctx, const CustomerContext& cx, bool due, const std::string& hash,
                      const StoredTexts* stored, bool* summary_wanted) {
  const bool current = stored && stored->hash == hash;
  *summary_wanted = cx.high_risk || ctx.options.texts == TextsWanted::kAll || ctx.options.customer.has_value() ||
                    (current && stored->summary);
  // Current: the hash holds and the stored texts are the ones the rules give (a notification
  // only when due; the writer may have none to write).
  const bool as_ruled = current && (stored->summary || !*summary_wanted) && stored->retention == cx.high_risk &&
                        (!stored->notification || due);
  if (!ctx.options.refresh && as_ruled) return CustomerAction::kUnchanged;
  if (*summary_wanted || cx.high_risk || due) return CustomerAction::kWrite;
  return stored ? CustomerAction::kDrop : CustomerAction::kNone;
}

}  // namespace

Status WriteCustomers(StepContext& ctx) {
  CI_ASSIGN_OR_RETURN(Playbook pb, LoadPlaybook(*ctx.conn));
  CI_RETURN_IF_ERROR(CollectTodo(ctx));
  CI_ASSIGN_OR_RETURN(auto due, TodoDue(*ctx.conn));
  CI_ASSIGN_OR_RETURN(auto stored, StoredCustomerTexts(*ctx.conn));
  CI_ASSIGN_OR_RETURN(auto llm_ids, LlmCustomers(ctx));
  CustomerSheetOptions opts;
  opts.chunk_size = ctx.options.chunk_size;
  opts.scope = features::Scope::Customers(kTodo);
  // Where the step's time goes (`-v`): building sheets (SQL + assembly), hashing them, writing
  // and grounding the texts, deleting the changed customers' old rows, appending the new ones.
  Stopwatch sw;
  double sheets = 0, hashing = 0, writing = 0, deleting = 0, storing = 0;
  CI_RETURN_IF_ERROR(ForEachCustomerSheets(*ctx.conn, opts, [&](std::vector<CustomerSheet>& chunk) -> Status {
    sheets += sw.Lap();
    std::vector<std::string> hashes(chunk.size());
    ParallelFor(chunk.size(), 0, kMinSubjectsPerThread, [&](size_t i) {
      hashes[i] = CustomerHash(ctx, chunk[i], IsDue(due, chunk[i].context.customer_id));
    });
    hashing += sw.Lap();
    std::vector<CustomerJob> jobs;
    std::vector<std::string> drop;
    for (size_t i = 0; i < chunk.size(); ++i) {
      const std::string& id = chunk[i].context.customer_id;
      auto it = stored.find(id);
      const bool is_due = IsDue(due, id);
      bool summary = false;
      switch (Decide(ctx, chunk[i].context, is_due, hashes[i], it == stored.end() ? nullptr : &it->second, &summary)) {
        case CustomerAction::kUnchanged: ++ctx.report.customers.unchanged; break;
        case CustomerAction::kNone: break;
        case CustomerAction::kDrop: drop.push_back(id); break;
        case CustomerAction::kWrite:
          jobs.push_back({&chunk[i], std::move(hashes[i]), summary, is_due, it != stored.end(), {}, {}});
          break;
      }
    }
    if (jobs.empty() && drop.empty()) return Status::Ok();
    ParallelFor(jobs.size(), 0, kMinSubjectsPerThread, [&](size_t i) { ComputeRows(ctx, pb, jobs[i]); });
    if (ctx.llm) SummariesWithLlm(ctx, jobs, llm_ids);
    ParallelFor(jobs.size(), 0, kMinSubjectsPerThread, [&](size_t i) { SummaryRow(ctx, jobs[i]); });
    writing += sw.Lap();
    std::vector<std::string> ids = drop;
    for (const CustomerJob& j : jobs) ids.push_back(j.customer->context.customer_id);
    CI_RETURN_IF_ERROR(DeleteCustomerTexts(*ctx.conn, ids));
    deleting += sw.Lap();
    CI_RETURN_IF_ERROR(StoreRows(*ctx.conn, jobs));
    storing += sw.Lap();
    for (const CustomerJob& j : jobs) {
      if (!(j.rows[0].empty() && j.rows[1].empty() && j.rows[2].empty() && j.rows[3].empty())) {
        ++ctx.report.customers.written;
      } else if (j.had_texts) {
        ++ctx.report.customers.dropped;  // due, but nothing to name: its old texts go
      }
    }
    ctx.report.customers.dropped += static_cast<int64_t>(drop.size());
    return Status::Ok();
  }));
  LogInfo(fmt::format("insights customers: sheets {:.2f} s, hashing {:.2f} s, writing and grounding {:.2f} s, "
                      "deleting old rows {:.2f} s, appending {:.2f} s",
                      sheets, hashing, writing, deleting, storing));
  CI_RETURN_IF_ERROR(ctx.conn->Execute(fmt::format("DROP TABLE {}", kTodo)));
  return RemoveGoneCustomers(*ctx.conn, ctx.options.scope);
}

}  // namespace custintel::insight::detail
