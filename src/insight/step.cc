// The insights step (step.h): segments, accounts and the executive summary here; customers in
// step_customers.cc.
#include "insight/step.h"

#include <unordered_map>

#include <fmt/format.h>

#include "core/hash.h"
#include "core/parallel.h"
#include "insight/fact_builders.h"
#include "insight/fact_builders_internal.h"
#include "insight/playbook.h"
#include "insight/step_internal.h"
#include "insight/text_checks.h"
#include "insight/writer_builtin.h"
#include "insight/writer_llm.h"
#include "models/segments.h"

namespace custintel::insight {
namespace detail {

std::string StoredHash(const StepContext& ctx, const FactSheet& sheet, bool llm_subject) {
  Sha256Builder h;
  h.Add(sheet.InputHash()).Add(fmt::format("high_risk={} max_chars={}", ctx.high_risk_above,
                                           ctx.options.outputs.max_notification_chars));
  if (llm_subject && ctx.ai) h.Add(ctx.ai->identity().backend).Add(ctx.ai->identity().model);
  return h.FinishHex();
}

void AppendProvenance(std::vector<store::Param>& row, const StepContext& ctx, const WrittenText& w,
                      const std::string& hash) {
  row.push_back(nlohmann::json(w.cited).dump());
  row.push_back(w.writer);
  row.push_back(w.backend);
  row.push_back(w.model);
  row.push_back(hash);
  row.push_back(ctx.generated_at);
  row.push_back(w.grounding.score);
  row.push_back(w.grounding.ToJson()["flags"].dump());
  row.push_back(w.provenance.is_null() ? store::Param() : store::Param(w.provenance.dump()));
}

void Ground(const StepContext& ctx, const SheetIndex& sheet, WrittenText& w, bool sheet_names_only) {
  static const EntityCatalog kNone;
  static const CatalogIndex kNoneIndex(kNone);
  GroundingOptions options;
  options.catalog_index = sheet_names_only ? &kNoneIndex : ctx.catalog_index.get();
  options.sheet_index = &sheet;
  w.grounding = CheckGrounding(w.text, sheet.sheet(), sheet_names_only ? kNone : ctx.catalog, options);
}

void Ground(const StepContext& ctx, const FactSheet& sheet, WrittenText& w, bool sheet_names_only) {
  Ground(ctx, SheetIndex(sheet), w, sheet_names_only);
}

Status DeleteSubjects(store::Connection& conn, const std::vector<std::string>& ids,
                      const std::vector<std::string>& deletes) {
  CI_RETURN_IF_ERROR(conn.Execute("CREATE OR REPLACE TABLE main.ci_insight_changed (id VARCHAR)"));
  {
    CI_ASSIGN_OR_RETURN(store::Appender app, store::Appender::Create(conn, "main", "ci_insight_changed"));
    for (const std::string& id : ids) {
      CI_RETURN_IF_ERROR(app.Append(id));
      CI_RETURN_IF_ERROR(app.EndRow());
    }
    CI_RETURN_IF_ERROR(app.Close());
  }
  for (const std::string& sql : deletes) CI_RETURN_IF_ERROR(conn.Execute(sql));
  return conn.Execute("DROP TABLE main.ci_insight_changed");
}

}  // namespace detail

namespace {

using detail::StepContext;

// Stored input hashes of a table, by subject.
Result<std::unordered_map<std::string, std::string>> StoredHashes(store::Connection& conn, const std::string& sql) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(sql));
  std::unordered_map<std::string, std::string> out;
  out.reserve(r.row_count());
  for (size_t i = 0; i < r.row_count(); ++i) out[r.GetString(0, i)] = r.GetString(1, i);
  return out;
}

std::string Placeholders(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += i ? ", ?" : "?";
  return s;
}

Status InsertRow(store::Connection& conn, const std::string& table, const std::vector<store::Param>& row) {
  return conn.Query(fmt::format("INSERT INTO {} VALUES ({})", table, Placeholders(row.size())), row).status();
}

struct SegmentJob {
  detail::SegmentSheetRow row;
  std::string hash;
  WrittenText text;
};

// Replaces the builtin texts of the jobs by LLM texts where the LLM passes grounding.
void WriteSegmentsWithLlm(StepContext& ctx, std::vector<SegmentJob>& jobs) {
  std::vector<LlmRequest> reqs;
  for (SegmentJob& j : jobs) {
    reqs.push_back({&j.row.sheet, j.text,
                    "Say who this segment is, why it behaves as it does, and what action might help."});
  }
  LlmBatch b = WriteWithLlm(*ctx.ai, reqs, ctx.catalog);
  for (size_t i = 0; i < jobs.size(); ++i) jobs[i].text = b.texts[i];
  ctx.report.segments.llm += b.llm;
  ctx.report.segments.fell_back += b.fell_back;
  ctx.report.budget_spent = ctx.report.budget_spent || b.budget_spent;
}

Status StoreSegment(StepContext& ctx, const SegmentJob& j, const Playbook& pb) {
  const FactSheet& s = j.row.sheet;
  const nlohmann::json& parts = j.text.parts;
  auto joined = [](const nlohmann::json& a) {
    std::string out;
    if (a.is_array()) {
      for (const auto& v : a) out += (out.empty() ? "" : " ") + v.get<std::string>();
    }
    return out;
  };
  std::vector<store::Param> row = {
      s.subject.id, parts.value("summary", std::string()), joined(parts.value("drivers", nlohmann::json())),
      joined(parts.value("actions", nlohmann::json())), j.text.text, SegmentProfile(s).dump(),
      SegmentStrategies(s, pb).dump(), s.ToJson().dump(), j.row.base.dump(), j.row.previous.dump()};
  detail::AppendProvenance(row, ctx, j.text, j.hash);
  CI_RETURN_IF_ERROR(ctx.conn->Query("DELETE FROM gold.segment_insights WHERE segment = ?", {s.subject.id}).status());
  return InsertRow(*ctx.conn, "gold.segment_insights", row);
}

Status WriteSegments(StepContext& ctx) {
  CI_ASSIGN_OR_RETURN(Playbook pb, LoadPlaybook(*ctx.conn));
  const std::string* only = ctx.options.segment ? &*ctx.options.segment : nullptr;
  CI_ASSIGN_OR_RETURN(std::vector<detail::SegmentSheetRow> rows, detail::SegmentSheets(*ctx.conn, only));
  CI_ASSIGN_OR_RETURN(auto stored, StoredHashes(*ctx.conn, "SELECT segment, input_hash FROM gold.segment_insights"));
  std::vector<SegmentJob> jobs;
  for (detail::SegmentSheetRow& r : rows) {
    std::string hash = detail::StoredHash(ctx, r.sheet, ctx.llm);
    if (!ctx.options.refresh && stored.count(r.sheet.subject.id) && stored[r.sheet.subject.id] == hash) {
      ++ctx.report.segments.unchanged;
      continue;
    }
    WrittenText w = WriteSegmentBuiltin(r.sheet, pb);
    detail::Ground(ctx, r.sheet, w);
    jobs.push_back({std::move(r), hash, std::move(w)});
  }
  if (ctx.llm && !jobs.empty()) WriteSegmentsWithLlm(ctx, jobs);
  for (const SegmentJob& j : jobs) {
    CI_RETURN_IF_ERROR(StoreSegment(ctx, j, pb));
    ++ctx.report.segments.written;
  }
  if (only) return Status::Ok();
  return ctx.conn->Execute(
      "DELETE FROM gold.segment_insights WHERE segment NOT IN (SELECT segment FROM gold.segments)");
}

// An account's summary row (written and grounded); pure, so many run at once.
std::vector<store::Param> AccountRow(const StepContext& ctx, const FactSheet& s, const Playbook& pb,
                                     const std::string& hash) {
  WrittenText w = WriteAccountBuiltin(s, pb);
  detail::Ground(ctx, s, w, true);
  const Fact* risk = s.Find("avg_churn_risk");
  std::vector<store::Param> row = {std::string("account"), s.subject.id, store::Param(), s.subject.id,
                                   risk ? risk->value : 0.0, w.text, w.parts["actions"].dump()};
  detail::AppendProvenance(row, ctx, w, hash);
  return row;
}

Status AppendRows(store::Connection& conn, const char* table, const std::vector<std::vector<store::Param>>& rows) {
  CI_ASSIGN_OR_RETURN(store::Appender app, store::Appender::Create(conn, "gold", table));
  for (const auto& row : rows) {
    for (const store::Param& v : row) CI_RETURN_IF_ERROR(app.Append(v));
    CI_RETURN_IF_ERROR(app.EndRow());
  }
  return app.Close();
}

// The accounts a scoped run rewrites (a TEMP table, column account_id): those of the scope's
// customers, and those their stored summaries name (a customer that moved changed its old
// account too). Collected before the customers' rows are rewritten.
constexpr const char* kScopeAccounts = "ci_insight_scope_accounts";

Status CollectScopeAccounts(StepContext& ctx) {
  const features::Scope& scope = ctx.options.scope;
  return ctx.conn->Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS SELECT DISTINCT account_id FROM ("
      "SELECT account_id FROM gold.customer_features WHERE {} UNION ALL "
      "SELECT account_id FROM gold.account_summaries WHERE subject_kind = 'customer' AND {}) "
      "WHERE coalesce(account_id, '') <> ''",
      kScopeAccounts, scope.Filter("customer_id"), scope.Filter("customer_id")));
}

// " AND <column> IN (the scoped run's accounts)"; "" in a full run.
std::string AccountScopeFilter(const StepContext& ctx, const char* column) {
  if (ctx.options.scope.all()) return "";
  return fmt::format(" AND {} IN (SELECT account_id FROM {})", column, kScopeAccounts);
}

bool EveryoneWanted(const StepContext& ctx) {
  return ctx.options.texts == TextsWanted::kAll || ctx.options.customer.has_value();
}

// The accounts this call looks at (TEMP table kTodoAccounts: account_id, at_risk), within the
// scoped run's accounts: everyone's (`insights --all`, on demand), else those with an at-risk
// customer (a decision needs their summary) and those with a stored summary (kept while
// current, dropped when stale).
constexpr const char* kTodoAccounts = "ci_insight_todo_accounts";

Status CollectTodoAccounts(StepContext& ctx) {
  return ctx.conn->Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS SELECT f.account_id, bool_or(coalesce(s.high_risk, false)) AS at_risk "
      "FROM gold.customer_features f JOIN gold.customer_scores s USING (customer_id) "
      "WHERE coalesce(f.account_id, '') <> ''{} GROUP BY f.account_id HAVING {}",
      kTodoAccounts, AccountScopeFilter(ctx, "f.account_id"),
      EveryoneWanted(ctx) ? "TRUE"
                          : "bool_or(coalesce(s.high_risk, false)) OR f.account_id IN "
                            "(SELECT subject_id FROM gold.account_summaries WHERE subject_kind = 'account')"));
}

Result<std::unordered_map<std::string, bool>> TodoAccountsAtRisk(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(fmt::format("SELECT account_id, at_risk FROM {}", kTodoAccounts)));
  std::unordered_map<std::string, bool> out;
  out.reserve(r.row_count());
  for (size_t i = 0; i < r.row_count(); ++i) out.emplace(r.GetString(0, i), r.GetBool(1, i));
  return out;
}

struct AccountWants {
  const std::unordered_map<std::string, std::string>* stored;
  const std::unordered_map<std::string, bool>* at_risk;
};

// One chunk of account sheets: hashed, and those wanted whose hash changed written and
// grounded, on every core; stale summaries nobody needs are dropped; the old rows are deleted
// and the new ones appended in bulk.
Status WriteAccountChunk(StepContext& ctx, const Playbook& pb, const AccountWants& wants,
                         const std::vector<FactSheet>& sheets) {
  std::vector<std::string> hashes(sheets.size());
  ParallelFor(sheets.size(), 0, detail::kMinSubjectsPerThread,
              [&](size_t i) { hashes[i] = detail::StoredHash(ctx, sheets[i], false); });
  std::vector<size_t> todo;
  std::vector<std::string> changed;
  int64_t dropped = 0;
  for (size_t i = 0; i < sheets.size(); ++i) {
    const std::string& id = sheets[i].subject.id;
    auto it = wants.stored->find(id);
    const bool current = it != wants.stored->end() && it->second == hashes[i];
    if (!ctx.options.refresh && current) {
      ++ctx.report.accounts.unchanged;
      continue;
    }
    auto risk = wants.at_risk->find(id);
    if (current || EveryoneWanted(ctx) || (risk != wants.at_risk->end() && risk->second)) {
      todo.push_back(i);
    } else if (it == wants.stored->end()) {
      continue;
    } else {
      ++dropped;
    }
    changed.push_back(id);
  }
  if (changed.empty()) return Status::Ok();
  std::vector<std::vector<store::Param>> rows(todo.size());
  ParallelFor(todo.size(), 0, detail::kMinSubjectsPerThread,
              [&](size_t k) { rows[k] = AccountRow(ctx, sheets[todo[k]], pb, hashes[todo[k]]); });
  CI_RETURN_IF_ERROR(detail::DeleteSubjects(*ctx.conn, changed, {
      "DELETE FROM gold.account_summaries WHERE subject_kind = 'account' AND subject_id IN "
      "(SELECT id FROM ci_insight_changed)"}));
  CI_RETURN_IF_ERROR(AppendRows(*ctx.conn, "account_summaries", rows));
  ctx.report.accounts.written += static_cast<int64_t>(rows.size());
  ctx.report.accounts.dropped += dropped;
  return Status::Ok();
}

// Accounts are as many as customers may be: in chunks of chunk_size accounts, like customers.
Status WriteAccounts(StepContext& ctx) {
  CI_ASSIGN_OR_RETURN(Playbook pb, LoadPlaybook(*ctx.conn));
  CI_ASSIGN_OR_RETURN(auto stored, StoredHashes(*ctx.conn,
      "SELECT subject_id, input_hash FROM gold.account_summaries WHERE subject_kind = 'account'" +
      AccountScopeFilter(ctx, "subject_id")));
  CI_RETURN_IF_ERROR(CollectTodoAccounts(ctx));
  CI_ASSIGN_OR_RETURN(auto at_risk, TodoAccountsAtRisk(*ctx.conn));
  AccountSheetOptions opts;
  opts.chunk_size = ctx.options.chunk_size;
  opts.accounts_table = kTodoAccounts;
  const AccountWants wants{&stored, &at_risk};
  CI_RETURN_IF_ERROR(ForEachAccountSheets(*ctx.conn, opts, [&](std::vector<FactSheet>& sheets) {
    return WriteAccountChunk(ctx, pb, wants, sheets);
  }));
  CI_RETURN_IF_ERROR(ctx.conn->Execute(fmt::format("DROP TABLE {}", kTodoAccounts)));
  CI_RETURN_IF_ERROR(ctx.conn->Execute(
      "DELETE FROM gold.account_summaries WHERE subject_kind = 'account' AND subject_id NOT IN "
      "(SELECT DISTINCT account_id FROM gold.customer_features WHERE account_id IS NOT NULL)" +
      AccountScopeFilter(ctx, "subject_id")));
  if (ctx.options.scope.all()) return Status::Ok();
  return ctx.conn->Execute(fmt::format("DROP TABLE {}", kScopeAccounts));
}

// The latest run's summary (one row): rewritten when the run's facts changed, else the text
// carried over to this run.
Status WriteExecutiveSummary(StepContext& ctx) {
  CI_ASSIGN_OR_RETURN(FactSheet s, LoadRunSheet(*ctx.conn));
  CI_ASSIGN_OR_RETURN(store::QueryResult run, ctx.conn->Query(
      "SELECT max(run_id), max(as_of)::VARCHAR FROM gold.executive_metrics"));
  int64_t run_id = run.GetInt64(0, 0);
  std::string hash = detail::StoredHash(ctx, s, ctx.llm);
  CI_ASSIGN_OR_RETURN(store::QueryResult last, ctx.conn->Query("SELECT input_hash FROM gold.executive_summary"));
  if (!ctx.options.refresh && last.row_count() == 1 && last.GetString(0, 0) == hash) {
    ++ctx.report.run.unchanged;
    return ctx.conn->Query("UPDATE gold.executive_summary SET run_id = ?, as_of = ?::TIMESTAMPTZ",
                           {run_id, run.GetString(1, 0)}).status();
  }
  CI_RETURN_IF_ERROR(ctx.conn->Execute("DELETE FROM gold.executive_summary"));
  WrittenText w = WriteRunBuiltin(s);
  detail::Ground(ctx, s, w);
  if (ctx.llm) {
    LlmBatch b = WriteWithLlm(*ctx.ai, std::vector<LlmRequest>{{&s, w, "Summarise this run's figures for an executive."}},
                              ctx.catalog);
    w = b.texts[0];
    ctx.report.run.llm += b.llm;
    ctx.report.run.fell_back += b.fell_back;
    ctx.report.budget_spent = ctx.report.budget_spent || b.budget_spent;
  }
  std::vector<store::Param> row = {run_id, run.GetString(1, 0), w.text, s.ToJson().dump()};
  detail::AppendProvenance(row, ctx, w, hash);
  ++ctx.report.run.written;
  return InsertRow(*ctx.conn, "gold.executive_summary", row);
}

std::string CountsText(const char* what, const InsightCounts& c) {
  std::string s = fmt::format("{} {} written / {} unchanged", what, c.written, c.unchanged);
  if (c.llm || c.fell_back) s += fmt::format(" ({} by llm, {} fell back)", c.llm, c.fell_back);
  if (c.dropped) s += fmt::format(" / {} stale dropped", c.dropped);
  return s;
}

// On demand (options.customer): the customer's texts and its account's summary, through the
// run's own code with a scope of that one customer (TEMP table kRequest).
constexpr const char* kRequest = "ci_insight_request";

Result<InsightReport> WriteOneCustomer(StepContext& ctx) {
  const std::string& id = *ctx.options.customer;
  CI_ASSIGN_OR_RETURN(store::QueryResult found, ctx.conn->Query(
      "SELECT count(*) FROM gold.customer_scores WHERE customer_id = ?", {id}));
  if (found.GetInt64(0, 0) == 0) {
    return Status::NotFound(fmt::format("no customer '{}' in gold.customer_scores (run `custintel run` after loading it)", id));
  }
  CI_RETURN_IF_ERROR(ctx.conn->Execute(fmt::format("CREATE OR REPLACE TEMP TABLE {} (customer_id VARCHAR)", kRequest)));
  CI_RETURN_IF_ERROR(ctx.conn->Query(fmt::format("INSERT INTO {} VALUES (?)", kRequest), {id}).status());
  ctx.options.scope = features::Scope::Customers(kRequest);
  CI_RETURN_IF_ERROR(CollectScopeAccounts(ctx).WithContext("the customer's account"));
  CI_RETURN_IF_ERROR(detail::WriteCustomers(ctx).WithContext("customer insights"));
  CI_RETURN_IF_ERROR(WriteAccounts(ctx).WithContext("account summary"));
  CI_RETURN_IF_ERROR(ctx.conn->Execute(fmt::format("DROP TABLE {}", kRequest)));
  return ctx.report;
}

}  // namespace

std::string InsightReport::Note() const {
  std::string s = "insights: " + CountsText("segments", segments);
  if (customers.written + customers.unchanged + customers.dropped > 0) s += "; " + CountsText("customers", customers);
  if (accounts.written + accounts.unchanged + accounts.dropped > 0) s += "; " + CountsText("accounts", accounts);
  if (run.written + run.unchanged > 0) s += "; " + CountsText("executive summary", run);
  if (budget_spent) s += "; AI budget spent, the rest written by the builtin writer";
  return s;
}

Result<InsightReport> RunInsights(store::Connection& conn, const std::shared_ptr<ai::AiService>& ai,
                                  const InsightOptions& options) {
  StepContext ctx;
  ctx.conn = &conn;
  ctx.ai = ai;
  ctx.llm = ai && ai->identity().backend != "builtin";
  ctx.options = options;
  CI_RETURN_IF_ERROR(detail::RequireGold(conn));
  CI_RETURN_IF_ERROR(SeedPlaybook(conn));
  // One customer's builtin texts are checked against its own sheet's names only: the catalog
  // is read when something is checked against it (segments, the run, LLM texts).
  if (!options.customer || ctx.llm) {
    CI_ASSIGN_OR_RETURN(ctx.catalog, LoadEntityCatalog(conn));
    ctx.catalog_index = std::make_unique<CatalogIndex>(ctx.catalog);
  }
  CI_ASSIGN_OR_RETURN(store::QueryResult now, conn.Query("SELECT current_timestamp::VARCHAR"));
  ctx.generated_at = now.GetString(0, 0);
  CI_ASSIGN_OR_RETURN(ctx.high_risk_above, models::HighRiskAbove(conn));
  if (options.customer) return WriteOneCustomer(ctx);
  CI_RETURN_IF_ERROR(WriteSegments(ctx).WithContext("segment insights"));
  if (options.segment || !options.customers) return ctx.report;
  if (!options.scope.all()) CI_RETURN_IF_ERROR(CollectScopeAccounts(ctx).WithContext("scoped accounts"));
  CI_RETURN_IF_ERROR(detail::WriteCustomers(ctx).WithContext("customer insights"));
  CI_RETURN_IF_ERROR(WriteAccounts(ctx).WithContext("account summaries"));
  CI_RETURN_IF_ERROR(WriteExecutiveSummary(ctx).WithContext("executive summary"));
  // The texts this pass checked (and, outside its scope, those known current) are current now.
  CI_ASSIGN_OR_RETURN(std::string settings, detail::TextSettings(conn, ai, options.outputs));
  CI_RETURN_IF_ERROR(detail::RecordRunCheck(conn, settings, options.within_run, options.scope)
                         .WithContext("recording the checked texts"));
  return ctx.report;
}

Result<OnDemandTexts> EnsureCustomerTexts(store::Connection& conn, const std::shared_ptr<ai::AiService>& ai,
                                          const std::string& customer_id) {
  InsightOptions options;
  options.customer = customer_id;
  OnDemandTexts out;
  CI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(conn));
  CI_RETURN_IF_ERROR(detail::RequireGold(conn));
  CI_ASSIGN_OR_RETURN(std::string settings, detail::TextSettings(conn, ai, options.outputs));
  CI_ASSIGN_OR_RETURN(out.from_checks, detail::StoredTextsCurrent(conn, customer_id, settings));
  if (out.from_checks) {
    CI_RETURN_IF_ERROR(tx.Commit());  // read only: nothing to write
    return out;
  }
  CI_ASSIGN_OR_RETURN(out.report, RunInsights(conn, ai, options));
  CI_RETURN_IF_ERROR(detail::RecordRequestCheck(conn, customer_id, settings));
  CI_RETURN_IF_ERROR(tx.Commit());
  out.written = out.report.customers.written + out.report.accounts.written > 0;
  return out;
}

Status RunInsightsStep(store::Connection& conn, const std::string& as_of, const std::shared_ptr<ai::AiService>& ai,
                       std::string* note, const features::Scope& scope) {
  (void)as_of;  // the gold tables the sheets read are as of the run, and their silver reads too (AsOfRun)
  InsightOptions options;
  options.scope = scope;
  options.within_run = true;
  CI_ASSIGN_OR_RETURN(InsightReport r, RunInsights(conn, ai, options));
  *note = r.Note();
  return Status::Ok();
}

}  // namespace custintel::insight
