// Read endpoints over a tenant's gold tables: segments, customers, churn, summary, cohorts,
// sentiment. Every query reads scoped.* views (tenants.h), so an account key's numbers are its
// account's numbers; aggregates are computed from scoped rows, never read from tenant-wide
// tables, for that reason.
#include <fmt/format.h>

#include <map>

#include "core/embedded.h"
#include "core/money.h"
#include "features/currency.h"
#include "features/kpis.h"
#include "insight/drivers.h"
#include "insight/step.h"
#include "models/customer_status.h"
#include "server/api.h"
#include "server/audit.h"
#include "server/quota.h"
#include "server/sentiment_report.h"

namespace custintel::server {
namespace {

using store::Param;
using nlohmann::json;

const std::vector<Role> kReaders = {Role::kAdmin, Role::kAnalyst, Role::kViewer, Role::kAccount};

// URL id of a segment: its name lowercased, runs of other characters as '-'.
std::string SlugSql(const std::string& col) {
  return "trim(regexp_replace(lower(" + col + "), '[^a-z0-9]+', '-', 'g'), '-')";
}

Param Opt(const std::optional<std::string>& v) { return v ? Param(*v) : Param(); }
Param Opt(const std::optional<double>& v) { return v ? Param(*v) : Param(); }

Result<Reply> RowsReply(RequestContext& ctx, Result<store::QueryResult> r, const std::string& key) {
  CI_RETURN_IF_ERROR(r.status());
  ctx.rows += static_cast<int64_t>(r->row_count());
  ctx.response_summary = fmt::format("{} {}", r->row_count(), key);
  return Reply{200, json{{key, Rows(*r)}}, {}};
}

// Whether the pipeline has produced scores for this tenant: a helpful 404 otherwise.
Status RequireScores(RequestContext& ctx) {
  CI_ASSIGN_OR_RETURN(bool has, ctx.tenant.HasTable(ctx.lease.conn(), "scoped", "customer_scores"));
  if (!has) return Status::NotFound("this tenant has no scores yet: load data and run the pipeline (POST /v1/jobs/refresh)");
  return Status::Ok();
}

const std::string kSegmentAggregate =
    "SELECT " + SlugSql("segment") + " AS id, segment AS name, count(*) AS size, "
    "round(count(*) / sum(count(*)) OVER (), 4) AS share, round(avg(lifetime_value), 2) AS avg_ltv, "
    "round(sum(lifetime_value), 2) AS total_ltv, round(avg(churn_risk), 4) AS avg_churn_risk, "
    "round(sum(lifetime_value) / nullif(sum(sum(lifetime_value)) OVER (), 0), 4) AS revenue_share, "
    "round(avg(predicted_clv), 2) AS avg_predicted_clv, "
    "round(sum(churn_risk * coalesce(predicted_clv, 0)), 2) AS revenue_at_risk "
    "FROM scoped.customer_scores GROUP BY segment";

// The generated insights of the segments (by segment name) when the insight step has built
// them; one query for the whole list.
// An account key gets none: the texts describe the whole tenant's segments, and its figures
// must be its account's only.
Result<std::map<std::string, json>> SegmentInsights(RequestContext& ctx, const std::optional<std::string>& name) {
  std::map<std::string, json> out;
  CI_ASSIGN_OR_RETURN(bool has, ctx.tenant.HasTable(ctx.lease.conn(), "scoped", "segment_insights"));
  if (!has || ctx.scoped()) return out;
  std::string sql = "SELECT * FROM scoped.segment_insights";
  std::vector<store::Param> params;
  if (name) sql += " WHERE segment = $1", params.push_back(*name);
  CI_ASSIGN_OR_RETURN(auto r, ctx.Query(sql, params, {"gold.segment_insights"}));
  for (json& row : Rows(r)) {
    if (row.contains("segment") && row["segment"].is_string()) out.emplace(row["segment"].get<std::string>(), row);
  }
  return out;
}

Result<json> SegmentInsight(RequestContext& ctx, const std::string& name) {
  CI_ASSIGN_OR_RETURN(auto insights, SegmentInsights(ctx, name));
  auto it = insights.find(name);
  return it == insights.end() ? json(nullptr) : it->second;
}

Result<Reply> ListSegments(RequestContext& ctx) {
  CI_RETURN_IF_ERROR(RequireScores(ctx));
  CI_ASSIGN_OR_RETURN(auto r, ctx.Query(kSegmentAggregate + " ORDER BY size DESC, name", {}, {"gold.customer_scores"}));
  CI_ASSIGN_OR_RETURN(auto insights, SegmentInsights(ctx, std::nullopt));
  json segments = Rows(r);
  for (auto& s : segments) {
    auto it = insights.find(s["name"].get<std::string>());
    s["insight"] = it == insights.end() ? json(nullptr) : it->second;
  }
  ctx.response_summary = fmt::format("{} segments", r.row_count());
  return Reply{200, json{{"segments", segments}}, {}};
}

Result<Reply> GetSegment(RequestContext& ctx) {
  CI_RETURN_IF_ERROR(RequireScores(ctx));
  const std::string& id = ctx.path_params["id"];
  CI_ASSIGN_OR_RETURN(auto r, ctx.Query("SELECT * FROM (" + kSegmentAggregate + ") WHERE id = $1", {id},
                                        {"gold.customer_scores"}));
  if (r.row_count() == 0) return Status::NotFound("no segment '" + id + "' (GET /v1/segments lists them)");
  json seg = Rows(r)[0];
  std::string name = seg["name"];
  CI_ASSIGN_OR_RETURN(seg["insight"], SegmentInsight(ctx, name));
  CI_ASSIGN_OR_RETURN(auto top, ctx.Query("SELECT customer_id, round(lifetime_value, 2) AS lifetime_value, "
                                          "round(churn_risk, 4) AS churn_risk, round(predicted_clv, 2) AS predicted_clv "
                                          "FROM scoped.customer_scores WHERE segment = $1 "
                                          "ORDER BY lifetime_value DESC, customer_id LIMIT 10",
                                          {name}, {"gold.customer_scores"}));
  seg["top_customers"] = Rows(top);
  ctx.rows = static_cast<int64_t>(top.row_count());
  ctx.response_summary = "segment " + name;
  return Reply{200, seg, {}};
}

// Sort keys a client may ask for, mapped to fixed SQL: request text never reaches the query.
const std::map<std::string, std::string> kCustomerSorts = {
    {"churn_risk", "s.churn_risk"},         {"lifetime_value", "s.lifetime_value"},
    {"predicted_clv", "s.predicted_clv"},   {"customer_id", "s.customer_id"},
    {"days_inactive", "f.days_inactive"},   {"last_order_at", "f.last_order_at"}};

std::string EscapeLike(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

Result<int64_t> DecodeCursor(const std::optional<std::string>& cursor) {
  if (!cursor) return int64_t{0};
  int64_t offset = 0;
  if (cursor->size() < 2 || cursor->size() > 18 || (*cursor)[0] != 'o') return Status::InvalidArgument("parameter 'cursor' is not a cursor this server issued");
  for (size_t i = 1; i < cursor->size(); ++i) {
    char c = (*cursor)[i];
    if (c < '0' || c > '9') return Status::InvalidArgument("parameter 'cursor' is not a cursor this server issued");
    offset = offset * 10 + (c - '0');
  }
  return offset;
}

Result<Reply> ListCustomers(RequestContext& ctx) {
  CI_RETURN_IF_ERROR(RequireScores(ctx));
  const HttpRequest& h = ctx.http;
  CI_ASSIGN_OR_RETURN(auto limit, IntParam(h, "limit", 1, 500));
  CI_ASSIGN_OR_RETURN(auto risk_min, NumberParam(h, "risk_min", 0, 1));
  CI_ASSIGN_OR_RETURN(auto risk_max, NumberParam(h, "risk_max", 0, 1));
  CI_ASSIGN_OR_RETURN(int64_t offset, DecodeCursor(TextParam(h, "cursor")));
  std::string sort = TextParam(h, "sort").value_or("churn_risk");
  std::string order = TextParam(h, "order").value_or("desc");
  auto sort_sql = kCustomerSorts.find(sort);
  if (sort_sql == kCustomerSorts.end()) {
    return Status::InvalidArgument("parameter 'sort' must be one of churn_risk, lifetime_value, predicted_clv, "
                                   "customer_id, days_inactive, last_order_at");
  }
  if (order != "asc" && order != "desc") return Status::InvalidArgument("parameter 'order' must be asc or desc");
  auto q = TextParam(h, "q");
  std::optional<std::string> pattern;
  if (q) pattern = "%" + EscapeLike(*q) + "%";
  int64_t n = limit.value_or(50);
  std::string sql =
      "SELECT s.customer_id, c.first_name, c.last_name, c.email, c.account_id, s.segment, " + SlugSql("s.segment") +
      " AS segment_id, round(s.churn_risk, 4) AS churn_risk, round(s.lifetime_value, 2) AS lifetime_value, "
      "round(s.predicted_clv, 2) AS predicted_clv, f.days_inactive, count(*) OVER () AS total "
      "FROM scoped.customer_scores s JOIN scoped.customers c USING (customer_id) "
      "LEFT JOIN scoped.customer_features f USING (customer_id) "
      "WHERE ($1::VARCHAR IS NULL OR s.segment = $1 OR " + SlugSql("s.segment") + " = $1) "
      "AND ($2::DOUBLE IS NULL OR s.churn_risk >= $2) AND ($3::DOUBLE IS NULL OR s.churn_risk <= $3) "
      "AND ($4::VARCHAR IS NULL OR s.customer_id ILIKE $4 ESCAPE '\\' OR c.email ILIKE $4 ESCAPE '\\' "
      "OR concat_ws(' ', c.first_name, c.last_name) ILIKE $4 ESCAPE '\\') "
      "ORDER BY " + sort_sql->second + (order == "asc" ? " ASC" : " DESC") + " NULLS LAST, s.customer_id "
      "LIMIT $5 OFFSET $6";
  CI_ASSIGN_OR_RETURN(auto r, ctx.Query(sql, {Opt(TextParam(h, "segment")), Opt(risk_min), Opt(risk_max), Opt(pattern),
                                              n + 1, offset},
                                        {"gold.customer_scores", "silver.customers", "gold.customer_features"}));
  json rows = Rows(r);
  int64_t total = rows.empty() ? 0 : rows[0]["total"].get<int64_t>();
  json next = nullptr;
  if (static_cast<int64_t>(rows.size()) > n) {
    rows.erase(rows.end() - 1);
    next = "o" + std::to_string(offset + n);
  }
  for (auto& row : rows) row.erase("total");
  ctx.rows = static_cast<int64_t>(rows.size());
  ctx.prompt_summary = q ? "search: " + q->substr(0, 80) : "";
  ctx.response_summary = fmt::format("{} of {} customers", rows.size(), total);
  return Reply{200, json{{"customers", rows}, {"total", total}, {"next_cursor", next}}, {}};
}

Result<json> OneRow(RequestContext& ctx, const std::string& table, const std::string& id, const char* audit_name) {
  CI_ASSIGN_OR_RETURN(bool has, ctx.tenant.HasTable(ctx.lease.conn(), "scoped", table));
  if (!has) return json(nullptr);
  CI_ASSIGN_OR_RETURN(auto r, ctx.Query("SELECT * FROM scoped." + table + " WHERE customer_id = $1 LIMIT 1", {id},
                                        {audit_name}));
  return r.row_count() ? Rows(r)[0] : json(nullptr);
}

Result<json> Recommendations(RequestContext& ctx, const std::string& id) {
  CI_ASSIGN_OR_RETURN(bool has, ctx.tenant.HasTable(ctx.lease.conn(), "scoped", "recommendations"));
  if (!has) return json::array();
  CI_ASSIGN_OR_RETURN(auto r, ctx.Query("SELECT rank, product_id, product_name, category, round(score, 4) AS score, "
                                        "reason FROM scoped.recommendations WHERE customer_id = $1 ORDER BY rank",
                                        {id}, {"gold.recommendations"}));
  return Rows(r);
}

// Reviews and tickets of one customer, newest first, with their analysed insights when the
// text step has built gold.review_insights / gold.ticket_insights.
Result<json> CustomerInsights(RequestContext& ctx, const std::string& id) {
  json out = json::object();
  CI_ASSIGN_OR_RETURN(auto reviews, ctx.Query("SELECT review_id, product_id, rating, title, review_text, "
                                              "strftime(created_at, '%Y-%m-%d') AS created_at FROM scoped.reviews "
                                              "WHERE customer_id = $1 ORDER BY created_at DESC NULLS LAST LIMIT 5",
                                              {id}, {"silver.reviews"}));
  out["recent_reviews"] = Rows(reviews);
  CI_ASSIGN_OR_RETURN(auto tickets, ctx.Query("SELECT ticket_id, category, priority, subject, satisfaction_score, "
                                              "strftime(created_at, '%Y-%m-%d') AS created_at, resolved_at IS NOT NULL "
                                              "AS resolved FROM scoped.tickets WHERE customer_id = $1 "
                                              "ORDER BY created_at DESC NULLS LAST LIMIT 5",
                                              {id}, {"silver.tickets"}));
  out["recent_tickets"] = Rows(tickets);
  CI_ASSIGN_OR_RETURN(out["account_summary"], OneRow(ctx, "account_summaries", id, "gold.account_summaries"));
  CI_ASSIGN_OR_RETURN(out["retention_strategy"], OneRow(ctx, "retention_strategies", id, "gold.retention_strategies"));
  CI_ASSIGN_OR_RETURN(out["notification"], OneRow(ctx, "notifications", id, "gold.notifications"));
  out["personal_recommendations"] = json::array();
  CI_ASSIGN_OR_RETURN(bool has_recs, ctx.tenant.HasTable(ctx.lease.conn(), "scoped", "personal_recommendations"));
  if (has_recs) {
    CI_ASSIGN_OR_RETURN(auto recs, ctx.Query("SELECT rec_type, title, description, priority, product_name FROM "
                                             "scoped.personal_recommendations WHERE customer_id = $1 "
                                             "ORDER BY priority DESC, title",
                                             {id}, {"gold.personal_recommendations"}));
    out["personal_recommendations"] = Rows(recs);
  }
  return out;
}

// The customer's summary and recommendations are written the first time they are asked for
// and kept until their facts change (insight::EnsureCustomerTexts: the run's code, the tenant's
// AI service, budget and cache). Two requests racing to write the same texts: the loser's
// transaction conflicts, and it answers with the winner's texts once they are committed.
// With a model backend the writing is a model call and the tier's ai_calls_per_day governs it
// like any uses_ai route: counted when texts were written, and with the day's calls spent the
// builtin writer writes them instead (grounded, no model) — the customer is still answered.
Status EnsureTexts(RequestContext& ctx, const std::string& id) {
  CI_ASSIGN_OR_RETURN(bool has, ctx.tenant.HasTable(ctx.lease.conn(), "scoped", "account_summaries"));
  if (!has) return Status::Ok();  // no insights step yet: nothing to write with
  CI_ASSIGN_OR_RETURN(std::shared_ptr<ai::AiService> ai, ctx.tenant.ai_runtime()->Service());
  const bool model = ai && ai->identity().backend != "builtin";
  std::string quota_note;
  if (model && ctx.services.quotas) {
    int retry_after = 0;
    Status quota = ctx.services.quotas->CheckAi(ctx.key.tenant, ctx.key.tier, &retry_after);
    if (!quota.ok()) {
      ai = nullptr;  // the builtin writer
      quota_note = "the tier's AI calls for today are spent: written by the builtin writer; ";
    }
  }
  Result<insight::OnDemandTexts> t = insight::EnsureCustomerTexts(ctx.lease.conn(), ai, id);
  if (!t.ok()) t = insight::EnsureCustomerTexts(ctx.lease.conn(), ai, id);  // after a concurrent writer's commit
  CI_RETURN_IF_ERROR(t.status());
  if (t->written) {
    ctx.tables.push_back("gold.account_summaries");
    ctx.prompt_summary = quota_note + "texts written on demand: " + t->report.Note();
    if (model && ai && ctx.services.quotas) {
      ctx.services.quotas->CountAi(ctx.key.tenant);
      if (ctx.services.audit) ctx.services.audit->CountAiCall(ctx.key.tenant);
    }
  }
  return Status::Ok();
}

Result<Reply> GetCustomer(RequestContext& ctx) {
  const std::string& id = ctx.path_params["id"];
  CI_ASSIGN_OR_RETURN(auto profile, ctx.Query("SELECT customer_id, first_name, last_name, email, account_id, plan, "
                                              "region, segment AS source_segment, strftime(acquisition_date, '%Y-%m-%d') "
                                              "AS acquisition_date FROM scoped.customers WHERE customer_id = $1",
                                              {id}, {"silver.customers"}));
  // Out of scope and absent look the same: an account key cannot probe other accounts' ids.
  if (profile.row_count() == 0) return Status::NotFound("no customer '" + id + "'");
  json out = Rows(profile)[0];
  CI_ASSIGN_OR_RETURN(out["scores"], OneRow(ctx, "customer_scores", id, "gold.customer_scores"));
  if (!out["scores"].is_null()) CI_RETURN_IF_ERROR(EnsureTexts(ctx, id));
  CI_ASSIGN_OR_RETURN(out["features"], OneRow(ctx, "customer_features", id, "gold.customer_features"));
  out["drivers"] = out["scores"].is_object() && out["scores"].contains("risk_factors") ? out["scores"]["risk_factors"]
                                                                                         : json::array();
  out["drivers_text"] = insight::DriversInWords(out["drivers"], 5);
  CI_ASSIGN_OR_RETURN(out["recommendations"], Recommendations(ctx, id));
  CI_ASSIGN_OR_RETURN(out["insights"], CustomerInsights(ctx, id));
  ctx.rows = 1;
  ctx.response_summary = "customer " + id;
  return Reply{200, out, {}};
}

Result<Reply> GetCustomerRecommendations(RequestContext& ctx) {
  const std::string& id = ctx.path_params["id"];
  CI_ASSIGN_OR_RETURN(auto exists, ctx.Query("SELECT count(*) FROM scoped.customers WHERE customer_id = $1", {id},
                                             {"silver.customers"}));
  if (exists.GetInt64(0, 0) == 0) return Status::NotFound("no customer '" + id + "'");
  CI_ASSIGN_OR_RETURN(json recs, Recommendations(ctx, id));
  ctx.rows = static_cast<int64_t>(recs.size());
  ctx.response_summary = fmt::format("{} recommendations for {}", recs.size(), id);
  return Reply{200, json{{"customer_id", id}, {"recommendations", recs}}, {}};
}

Result<Reply> GetChurn(RequestContext& ctx) {
  CI_RETURN_IF_ERROR(RequireScores(ctx));
  CI_ASSIGN_OR_RETURN(auto top, IntParam(ctx.http, "top", 1, 1000));
  // The strategy is the insights step's, written from the customer's own drivers and the
  // playbook (gold.retention_strategies, above the risk threshold); null below it.
  CI_ASSIGN_OR_RETURN(bool has_strategies, ctx.tenant.HasTable(ctx.lease.conn(), "scoped", "retention_strategies"));
  const std::string strategy = has_strategies ? "(SELECT rs.strategy FROM scoped.retention_strategies rs "
                                                "WHERE rs.customer_id = s.customer_id LIMIT 1)"
                                              : "NULL";
  // The at-risk customers by value at stake and the lapsed apart (models/customer_status.h).
  const std::string columns = "SELECT customer_id, status, round(value_at_stake, 2) AS value_at_stake, "
                              "round(churn_risk, 4) AS churn_risk, round(churn_risk_heuristic, 4) AS "
                              "churn_risk_heuristic, segment, round(lifetime_value, 2) AS lifetime_value, "
                              "round(predicted_clv, 2) AS predicted_clv, risk_factors AS drivers, " + strategy +
                              " AS strategy FROM scoped.customer_scores s ";
  CI_ASSIGN_OR_RETURN(auto r, ctx.Query(columns + "WHERE " + models::kAtRiskWhere + " ORDER BY " +
                                            models::kAtRiskOrder + " LIMIT $1",
                                        {top.value_or(20)}, {"gold.customer_scores", "gold.retention_strategies"}));
  CI_ASSIGN_OR_RETURN(auto lapsed, ctx.Query(columns + "WHERE " + models::kLapsedWhere + " ORDER BY " +
                                                 models::kLapsedOrder + " LIMIT $1",
                                             {top.value_or(20)}, {"gold.customer_scores", "gold.retention_strategies"}));
  CI_ASSIGN_OR_RETURN(auto counts, ctx.Query(models::StatusCountsSql("scoped"), {}, {"gold.customer_scores"}));
  json statuses = json::object();
  for (const json& c : Rows(counts)) {
    statuses[c["status"].get<std::string>()] = {{"customers", c["customers"]}, {"value_at_stake", c["value_at_stake"]}};
  }
  json rows = Rows(r);
  for (json& row : rows) row["drivers_text"] = insight::DriversInWords(row["drivers"], 3);
  json lapsed_rows = Rows(lapsed);
  for (json& row : lapsed_rows) row["drivers_text"] = insight::DriversInWords(row["drivers"], 3);
  CI_ASSIGN_OR_RETURN(auto bands, ctx.Query("SELECT least(floor(churn_risk * 5), 4)::INTEGER AS band, count(*) AS "
                                            "customers, round(sum(churn_risk * coalesce(predicted_clv, 0)), 2) AS "
                                            "revenue_at_risk FROM scoped.customer_scores GROUP BY ALL ORDER BY band",
                                            {}, {"gold.customer_scores"}));
  json band_rows = json::array();
  std::map<int64_t, json> by_band;
  for (auto& b : Rows(bands)) by_band[b["band"].get<int64_t>()] = b;
  double at_risk = 0;
  for (int64_t b = 0; b < 5; ++b) {
    json row = by_band.count(b) ? by_band[b] : json{{"customers", 0}, {"revenue_at_risk", 0.0}};
    row["band"] = fmt::format("{:.1f}-{:.1f}", b * 0.2, (b + 1) * 0.2);
    at_risk += row["revenue_at_risk"].is_number() ? row["revenue_at_risk"].get<double>() : 0;
    band_rows.push_back(row);
  }
  ctx.rows = static_cast<int64_t>(rows.size());
  ctx.response_summary = fmt::format("top {} at-risk customers", rows.size());
  return Reply{200,
               json{{"top", rows}, {"statuses", statuses}, {"lapsed", lapsed_rows}, {"distribution", band_rows},
                    {"projected_revenue_at_risk", std::round(at_risk * 100) / 100}},
               {}};
}

std::string NumberText(const json& v, int decimals) {
  if (!v.is_number()) return "n/a";
  return fmt::format("{:.{}f}", v.get<double>(), decimals);
}

std::string MoneyValueText(const json& v, const std::string& currency) {
  return v.is_number() ? MoneyText(v.get<double>(), currency, 2) : "n/a";
}

Result<Reply> GetSummary(RequestContext& ctx) {
  CI_RETURN_IF_ERROR(RequireScores(ctx));
  // The statuses' definition, as the run that judged the customers recorded it.
  CI_ASSIGN_OR_RETURN(bool has_definition, ctx.tenant.HasTable(ctx.lease.conn(), "scoped", "risk_definition"));
  if (!has_definition) {
    return Status::NotFound("this tenant's scores predate the customer statuses: run the pipeline again "
                            "(POST /v1/jobs/refresh)");
  }
  // The figures are features/kpis.h's (each defined once, as of the run), over this key's rows.
  CI_ASSIGN_OR_RETURN(auto k, ctx.Query(
      "SELECT k.customers, k.high_risk, k.lapsed, k.value_at_stake, k.avg_ltv, "
      "(SELECT round(sum(lifetime_value), 2) FROM scoped.customer_scores) AS total_ltv, k.revenue_at_risk, "
      "strftime(" + features::RunAsOfSql("scoped") + ", '%Y-%m-%dT%H:%M:%SZ') AS as_of, k.reviews, k.avg_rating, "
      "k.open_tickets FROM (" + features::KpiSelectSql(features::RunAsOfSql("scoped"), "scoped") + ") k",
      {}, {"gold.customer_scores", "silver.reviews", "silver.tickets"}));
  json kpis = Rows(k)[0];
  // Change since the previous run: kept per tenant only, so account keys get none.
  json changes = json::array();
  CI_ASSIGN_OR_RETURN(bool has_history, ctx.tenant.HasTable(ctx.lease.conn(), "scoped", "executive_metrics"));
  if (has_history && !ctx.scoped()) {
    CI_ASSIGN_OR_RETURN(auto m, ctx.Query("SELECT metric, value, previous_value, change FROM scoped.executive_metrics "
                                          "WHERE run_id = (SELECT max(run_id) FROM scoped.executive_metrics)",
                                          {}, {"gold.executive_metrics"}));
    changes = Rows(m);
  }
  // Money in the data's currency (features/currency.h), never a dollar sign the data did not give.
  CI_ASSIGN_OR_RETURN(auto cur, ctx.Query(features::DataCurrencySql("scoped"), {}, {"silver.orders"}));
  const std::string currency = cur.row_count() ? CurrencyCode(cur.GetString(0, 0)) : "";
  kpis["currency"] = currency.empty() ? json() : json(currency);
  std::string text = fmt::format(
      "{} customers; {} at risk (still saveable) with {} of value at stake; {} lapsed; average lifetime value {}; "
      "projected revenue at risk {}; {} reviews averaging {} stars; {} open tickets.",
      kpis["customers"].dump(), kpis["high_risk"].dump(), MoneyValueText(kpis["value_at_stake"], currency),
      kpis["lapsed"].dump(), MoneyValueText(kpis["avg_ltv"], currency),
      MoneyValueText(kpis["revenue_at_risk"], currency), kpis["reviews"].dump(), NumberText(kpis["avg_rating"], 2),
      kpis["open_tickets"].dump());
  json summary = {{"text", text}, {"source", "facts"}};
  CI_ASSIGN_OR_RETURN(bool has_exec, ctx.tenant.HasTable(ctx.lease.conn(), "scoped", "executive_summary"));
  if (has_exec && !ctx.scoped()) {
    CI_ASSIGN_OR_RETURN(auto e, ctx.Query("SELECT * FROM scoped.executive_summary LIMIT 1", {}, {"gold.executive_summary"}));
    if (e.row_count()) summary = Rows(e)[0];
  }
  ctx.rows = 1;
  ctx.response_summary = "summary of " + kpis["customers"].dump() + " customers";
  return Reply{200, json{{"kpis", kpis}, {"changes", changes}, {"executive_summary", summary},
                         {"scope", ctx.scoped() ? json(*ctx.key.scope_account) : json(nullptr)}}, {}};
}

// gold.cohorts' own model (models/sql/cohorts.sql) run over the scoped views, so a tenant key
// gets exactly gold.cohorts and an account key its account's cohorts.
Result<std::string> ScopedCohortSql() {
  auto file = embedded::Find("models/sql/cohorts.sql");
  if (!file) return Status::Internal("models/sql/cohorts.sql is not embedded");
  std::string sql(*file);
  size_t start = sql.find("WITH as_of AS");
  if (start == std::string::npos) return Status::Internal("models/sql/cohorts.sql changed shape: no 'WITH as_of AS'");
  sql = sql.substr(start);
  for (auto [from, to] : {std::pair<std::string, std::string>{"silver.orders", "scoped.orders"},
                          {"silver.customers", "scoped.customers"},
                          {"getvariable('as_of')", "$1"}}) {
    for (size_t p = sql.find(from); p != std::string::npos; p = sql.find(from, p + to.size())) sql.replace(p, from.size(), to);
  }
  while (!sql.empty() && (sql.back() == ';' || std::isspace(static_cast<unsigned char>(sql.back())))) sql.pop_back();
  return sql;
}

Result<Reply> GetCohorts(RequestContext& ctx) {
  CI_RETURN_IF_ERROR(RequireScores(ctx));
  CI_ASSIGN_OR_RETURN(auto max_months, IntParam(ctx.http, "max_months", 0, 240));
  CI_ASSIGN_OR_RETURN(std::string model, ScopedCohortSql());
  CI_ASSIGN_OR_RETURN(auto as_of, ctx.Query("SELECT max(as_of)::VARCHAR FROM scoped.customer_scores", {},
                                            {"gold.customer_scores"}));
  // A scope without scored customers (an account key whose account has none) has no cohorts.
  if (as_of.IsNull(0, 0)) {
    ctx.response_summary = "0 cohorts";
    return Reply{200, json{{"cohorts", json::array()}}, {}};
  }
  std::string sql = "SELECT strftime(cohort_month, '%Y-%m') AS cohort, months_since, cohort_size, customers_retained, "
                    "round(share_retained, 4) AS share_retained, round(revenue, 2) AS revenue, "
                    "round(cumulative_revenue_per_customer, 2) AS cumulative_revenue_per_customer FROM (" + model +
                    ") WHERE $2::BIGINT IS NULL OR months_since <= $2 ORDER BY cohort_month, months_since";
  CI_ASSIGN_OR_RETURN(auto r, ctx.Query(sql, {as_of.GetString(0, 0), max_months ? Param(*max_months) : Param()},
                                        {"silver.orders", "silver.customers"}));
  return RowsReply(ctx, std::move(r), "cohorts");
}

Result<Reply> GetSentiment(RequestContext& ctx) {
  CI_ASSIGN_OR_RETURN(auto weeks, IntParam(ctx.http, "weeks", 1, 520));
  CI_ASSIGN_OR_RETURN(json report, SentimentReport(ctx, weeks.value_or(26)));
  return Reply{200, report, {}};
}

}  // namespace

std::vector<Route> DataRoutes() {
  json none = nullptr;
  std::vector<Route> routes = {
      {"GET", "/v1/segments", "Segments: size, share, value and churn risk, with their insight", kReaders, true, false,
       {}, none, ListSegments},
      {"GET", "/v1/segments/{id}", "One segment (id: its slug, e.g. at-risk-churn) with its top customers", kReaders,
       true, false, {}, none, GetSegment},
      {"GET", "/v1/customers", "Customers: filter, search, sort, paginate", kReaders, true, false,
       {{"segment", "string", "segment id or name"},
        {"risk_min", "number", "minimum churn risk (0..1)"},
        {"risk_max", "number", "maximum churn risk (0..1)"},
        {"q", "string", "search in id, email and name"},
        {"sort", "string", "churn_risk | lifetime_value | predicted_clv | customer_id | days_inactive | last_order_at"},
        {"order", "string", "asc | desc (default desc)"},
        {"limit", "integer", "page size, 1..500 (default 50)"},
        {"cursor", "string", "next_cursor of the previous page"}},
       none, ListCustomers},
      {"GET", "/v1/customers/{id}", "One customer: profile, features, scores, drivers (and drivers_text, in words), recommendations, insights",
       kReaders, true, false, {}, none, GetCustomer},
      {"GET", "/v1/customers/{id}/recommendations", "A customer's product recommendations", kReaders, true, false, {},
       none, GetCustomerRecommendations},
      {"GET", "/v1/churn", "Top at-risk customers with drivers (and drivers_text, in words) and strategy, risk bands, revenue at risk", kReaders,
       true, false, {{"top", "integer", "how many customers, 1..1000 (default 20)"}}, none, GetChurn},
      {"GET", "/v1/summary", "KPIs, change since the last run and the executive summary", kReaders, true, false, {},
       none, GetSummary},
      {"GET", "/v1/cohorts", "Monthly acquisition cohorts: retention and revenue per customer", kReaders, true, false,
       {{"max_months", "integer", "only months_since up to this"}}, none, GetCohorts},
      {"GET", "/v1/sentiment", "Review sentiment by week and themes with polarity", kReaders, true, false,
       {{"weeks", "integer", "how many recent weeks (default 26)"}}, none, GetSentiment},
  };
  // Reads of the tenant's data only: they change with a refresh or a write, nothing else.
  for (Route& r : routes) r.cacheable = r.method == "GET" && !r.uses_ai;
  return routes;
}

}  // namespace custintel::server
