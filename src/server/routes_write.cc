// Write endpoints: POST reviews and tickets (stored in silver, analysed on arrival, analysis
// returned), POST ask (through ask::Ask: the semantic model, never free SQL, the key's scope
// applied by its compiler) and refresh-insight (rewrites one segment's grounded insight,
// insight/step.h).
#include <fmt/format.h>

#include <set>

#include "ask/ask.h"
#include "insight/read.h"
#include "insight/step.h"
#include "server/api.h"
#include "server/audit.h"
#include "server/keys.h"
#include "server/writes.h"
#include "store/ai/runtime.h"
#include "text/analyzer.h"
#include "text/triage.h"

namespace custintel::server {
namespace {

using nlohmann::json;
using store::Param;

const std::vector<Role> kWriters = {Role::kAdmin, Role::kAnalyst};

// A field spec for body validation.
struct Field {
  const char* name;
  enum Kind { kText, kInt, kBool } kind;
  bool required;
  int64_t max;  // text: max length; int: max value
  int64_t min = 0;
};

// Checks every field of `body` against `fields`: unknown fields, types, lengths and ranges
// are errors naming the field.
Status ValidateBody(const json& body, const std::vector<Field>& fields) {
  std::set<std::string> known;
  for (const Field& f : fields) known.insert(f.name);
  for (const auto& [k, v] : body.items()) {
    if (!known.count(k)) return Status::InvalidArgument("unknown field '" + k + "'");
  }
  for (const Field& f : fields) {
    if (!body.contains(f.name) || body[f.name].is_null()) {
      if (f.required) return Status::InvalidArgument(std::string("field '") + f.name + "' is required");
      continue;
    }
    const json& v = body[f.name];
    std::string name = f.name;
    if (f.kind == Field::kText) {
      if (!v.is_string()) return Status::InvalidArgument("field '" + name + "' must be a string");
      size_t n = v.get_ref<const std::string&>().size();
      if (n < static_cast<size_t>(f.min) || n > static_cast<size_t>(f.max)) {
        return Status::InvalidArgument(fmt::format("field '{}' must be {} to {} bytes long", name, f.min, f.max));
      }
    } else if (f.kind == Field::kInt) {
      if (!v.is_number_integer() || v.get<int64_t>() < f.min || v.get<int64_t>() > f.max) {
        return Status::InvalidArgument(fmt::format("field '{}' must be an integer from {} to {}", name, f.min, f.max));
      }
    } else if (!v.is_boolean()) {
      return Status::InvalidArgument("field '" + name + "' must be true or false");
    }
  }
  return Status::Ok();
}

Param Text(const json& body, const char* name) {
  return body.contains(name) && body[name].is_string() ? Param(body[name].get<std::string>()) : Param();
}

Param Int(const json& body, const char* name) {
  return body.contains(name) && body[name].is_number_integer() ? Param(body[name].get<int64_t>()) : Param();
}

// The customer must be one this key may see.
Status RequireCustomer(RequestContext& ctx, const std::string& id) {
  CI_ASSIGN_OR_RETURN(auto r, ctx.Query("SELECT count(*) FROM scoped.customers WHERE customer_id = $1", {id},
                                        {"silver.customers"}));
  if (r.GetInt64(0, 0) == 0) return Status::NotFound("no customer '" + id + "'");
  return Status::Ok();
}

// REQUIRES: inside the write's transaction (a row ingested meanwhile is seen or conflicts).
Status RequireNew(RequestContext& ctx, const std::string& table, const std::string& key, const std::string& id) {
  CI_ASSIGN_OR_RETURN(auto r, ctx.lease.conn().Query("SELECT count(*) FROM silver." + table + " WHERE " + key + " = $1",
                                                     {id}));
  if (r.GetInt64(0, 0) > 0) return Status::AlreadyExists(key + " '" + id + "' already exists");
  return Status::Ok();
}

Result<bool> HasGold(RequestContext& ctx, const std::string& table) {
  return ctx.tenant.HasTable(ctx.lease.conn(), "gold", table);
}

// A row written through the API is an ingest batch of one (meta.ingest_batches, source "api"),
// so the next incremental run sees it (src/pipeline/plan.h). REQUIRES: inside the write's transaction.
Result<int64_t> ApiBatch(store::Connection& c, const char* kind) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, c.Query("SELECT nextval('meta.batch_seq')"));
  int64_t batch = r.GetInt64(0, 0);
  CI_RETURN_IF_ERROR(c.Query("INSERT INTO meta.ingest_batches(batch_id, kind, source, format, rows_read, loaded, "
                             "updated, unchanged, rejected) VALUES ($1, $2, 'api', 'json', 1, 1, 0, 0, 0)",
                             {batch, std::string(kind)})
                         .status());
  return batch;
}

Result<Reply> PostReview(RequestContext& ctx) {
  CI_ASSIGN_OR_RETURN(json body, JsonBody(ctx.http));
  CI_RETURN_IF_ERROR(ValidateBody(body, {{"customer_id", Field::kText, true, 200, 1},
                                         {"review_text", Field::kText, true, 20000, 1},
                                         {"review_id", Field::kText, false, 200, 1},
                                         {"product_id", Field::kText, false, 200, 1},
                                         {"title", Field::kText, false, 500},
                                         {"rating", Field::kInt, false, 5, 1},
                                         {"verified_purchase", Field::kBool, false, 0}}));
  std::string customer = body["customer_id"], text = body["review_text"];
  std::string id = body.contains("review_id") && body["review_id"].is_string() ? body["review_id"].get<std::string>()
                                                                               : RandomId("rv-");
  CI_RETURN_IF_ERROR(RequireCustomer(ctx, customer));
  text::AnalyzeOptions options;
  if (body.contains("rating") && body["rating"].is_number_integer()) options.rating = body["rating"].get<int>();
  std::string title = body.value("title", "");
  text::Analysis a = text::Analyze(title.empty() ? text : title + ". " + text, options);
  return WriteOnce(ctx, {"reviews", id, BodyHash(body)}, [&](store::Connection& c) -> Result<Reply> {
    CI_RETURN_IF_ERROR(RequireNew(ctx, "reviews", "review_id", id));
    CI_ASSIGN_OR_RETURN(int64_t batch, ApiBatch(c, "reviews"));
    CI_RETURN_IF_ERROR(c.Query("INSERT INTO silver.reviews(review_id, customer_id, product_id, rating, title, review_text, "
                               "verified_purchase, helpful_count, created_at, attributes, _batch_id) VALUES ($1, $2, $3, $4, "
                               "$5, $6, $7, 0, current_timestamp, '{\"source\": \"api\"}', $8)",
                               {id, customer, Text(body, "product_id"), Int(body, "rating"), Text(body, "title"), text,
                                body.contains("verified_purchase") ? Param(body["verified_purchase"].get<bool>()) : Param(),
                                batch})
                           .status());
    CI_ASSIGN_OR_RETURN(bool insights, HasGold(ctx, "review_insights"));
    if (insights) {
      CI_RETURN_IF_ERROR(c.Query("INSERT INTO gold.review_insights(review_id, customer_id, product_id, rating, created_at, "
                                 "sentiment_score, sentiment_label, summary, themes, analyzed_at, backend, model) "
                                 "VALUES ($1, $2, $3, $4, current_timestamp, $5, $6, $7, $8::JSON, current_timestamp, "
                                 "'builtin', 'api-on-arrival')",
                                 {id, customer, Text(body, "product_id"), Int(body, "rating"), a.score, a.label, a.summary,
                                  a.themes.ToJson()["themes"].dump()})
                             .status());
    }
    ctx.tables = {"silver.reviews"};
    if (insights) ctx.tables.push_back("gold.review_insights");
    ctx.rows = 1;
    ctx.response_summary = fmt::format("review {} stored: {}", id, a.label);
    return Reply{201, json{{"review_id", id}, {"stored", true}, {"insights_stored", insights}, {"analysis", a.ToJson()}},
                 {}};
  });
}

Result<Reply> PostTicket(RequestContext& ctx) {
  CI_ASSIGN_OR_RETURN(json body, JsonBody(ctx.http));
  CI_RETURN_IF_ERROR(ValidateBody(body, {{"customer_id", Field::kText, true, 200, 1},
                                         {"description", Field::kText, true, 20000, 1},
                                         {"subject", Field::kText, false, 500},
                                         {"ticket_id", Field::kText, false, 200, 1},
                                         {"category", Field::kText, false, 100},
                                         {"priority", Field::kText, false, 50}}));
  std::string customer = body["customer_id"], description = body["description"];
  std::string id = body.contains("ticket_id") && body["ticket_id"].is_string() ? body["ticket_id"].get<std::string>()
                                                                               : RandomId("tk-");
  CI_RETURN_IF_ERROR(RequireCustomer(ctx, customer));
  std::string subject = body.value("subject", "");
  text::AnalyzeOptions options;
  options.triage = true;
  text::Analysis a = text::Analyze(subject.empty() ? description : subject + ". " + description, options);
  text::TicketTriage triage = a.triage ? *a.triage : text::TriageTicket(description);
  return WriteOnce(ctx, {"tickets", id, BodyHash(body)}, [&](store::Connection& c) -> Result<Reply> {
    CI_RETURN_IF_ERROR(RequireNew(ctx, "tickets", "ticket_id", id));
    CI_ASSIGN_OR_RETURN(int64_t batch, ApiBatch(c, "tickets"));
    CI_RETURN_IF_ERROR(c.Query("INSERT INTO silver.tickets(ticket_id, customer_id, category, priority, subject, description, "
                               "created_at, attributes, _batch_id) VALUES ($1, $2, $3, $4, $5, $6, current_timestamp, "
                               "'{\"source\": \"api\"}', $7)",
                               {id, customer, Text(body, "category"), Text(body, "priority"), Text(body, "subject"),
                                description, batch})
                           .status());
    CI_ASSIGN_OR_RETURN(bool insights, HasGold(ctx, "ticket_insights"));
    if (insights) {
      json tags = triage.tags;
      CI_RETURN_IF_ERROR(c.Query("INSERT INTO gold.ticket_insights(ticket_id, customer_id, category, priority, created_at, "
                                 "sentiment_score, sentiment_label, urgency, sentiment, root_cause, suggested_resolution, "
                                 "playbook_note_id, follow_up_needed, tags, summary, themes, analyzed_at, backend, model) "
                                 "VALUES ($1, $2, $3, $4, current_timestamp, $5, $6, $7, $8, $9, $10, $11, $12, "
                                 "from_json($13::JSON, '[\"VARCHAR\"]'), $14, $15::JSON, current_timestamp, 'builtin', "
                                 "'api-on-arrival')",
                                 {id, customer, Text(body, "category"), Text(body, "priority"), a.score, a.label,
                                  std::string(text::ToString(triage.urgency)), std::string(text::ToString(triage.sentiment)),
                                  triage.root_cause, triage.suggested_resolution,
                                  triage.playbook_note_id.empty() ? Param() : Param(triage.playbook_note_id),
                                  triage.follow_up_needed, tags.dump(), a.summary, a.themes.ToJson()["themes"].dump()})
                             .status());
    }
    ctx.tables = {"silver.tickets"};
    if (insights) ctx.tables.push_back("gold.ticket_insights");
    ctx.rows = 1;
    ctx.response_summary = fmt::format("ticket {} stored: urgency {}, cause {}", id, text::ToString(triage.urgency),
                                       triage.root_cause);
    json analysis = a.ToJson();
    analysis["triage"] = triage.ToJson();
    return Reply{201, json{{"ticket_id", id}, {"stored", true}, {"insights_stored", insights}, {"analysis", analysis}},
                 {}};
  });
}

// Rewrites one segment's insight with the tenant's AI backend (the builtin writer without a
// model) and returns the new row, as `custintel insights --segment ID --json` shows it.
Result<Reply> RefreshInsight(RequestContext& ctx) {
  const std::string& id = ctx.path_params["id"];
  ctx.prompt_summary = "refresh insight of segment " + id;
  // The id is the segment's slug (GET /v1/segments) or its name.
  CI_ASSIGN_OR_RETURN(auto found, ctx.Query("SELECT segment FROM gold.segments WHERE segment = $1 OR "
                                            "trim(regexp_replace(lower(segment), '[^a-z0-9]+', '-', 'g'), '-') = $1 "
                                            "ORDER BY rule_order LIMIT 1", {id}, {"gold.segments"}));
  if (found.row_count() == 0) return Status::NotFound("no segment '" + id + "' (GET /v1/segments lists them)");
  const std::string segment = found.GetString(0, 0);
  insight::InsightOptions options;
  options.refresh = true;
  options.segment = segment;
  auto runtime = std::make_shared<store::AiRuntime>(ctx.tenant.config().ai, ctx.tenant.database());
  CI_ASSIGN_OR_RETURN(std::shared_ptr<ai::AiService> ai, runtime->Service());
  // Each refresh is a write of its own (keyed by the request), recorded with its audit row.
  const std::string request_id = ctx.audit ? ctx.audit->request_id : RandomId("r");
  return WriteOnce(ctx, {"segment_insight", request_id, BodyHash(json{{"segment", segment}})},
                   [&](store::Connection& c) -> Result<Reply> {
                     CI_ASSIGN_OR_RETURN(insight::InsightReport report, insight::RunInsights(c, ai, options));
                     CI_ASSIGN_OR_RETURN(json rows, insight::ReadSegmentInsights(c, segment));
                     if (rows.empty()) return Status::Internal("segment '" + segment + "' has no insight after refresh");
                     ctx.tables = {"gold.segment_insights"};
                     ctx.rows = 1;
                     ctx.response_summary = report.Note();
                     return Reply{200, rows[0], {}};
                   });
}

Result<Reply> Ask(RequestContext& ctx) {
  CI_ASSIGN_OR_RETURN(json body, JsonBody(ctx.http));
  if (!body.contains("question") || !body["question"].is_string() || body["question"].get<std::string>().empty()) {
    return Status::InvalidArgument("field 'question' (a non-empty string) is required");
  }
  const std::string question = body["question"].get<std::string>();
  ctx.prompt_summary = question.substr(0, 200);
  ask::AskOptions options;
  // The compiler ANDs the key's scope into the one query it runs; the server's audit log
  // (not meta.ask_log) records the question, its spec and its SQL.
  if (ctx.key.scope_account) options.scope = {{"account_id", *ctx.key.scope_account}};
  options.audit = false;
  CI_ASSIGN_OR_RETURN(ask::AskAnswer answer, ask::Ask(ctx.lease.conn(), question, options));
  json out = answer.ToJson();
  if (!answer.source.empty()) ctx.tables = {answer.source};
  ctx.rows = out.contains("rows") ? static_cast<int64_t>(out["rows"].size()) : 0;
  ctx.response_summary = fmt::format("spec {} sql {}", out.value("spec", json()).dump(), answer.sql).substr(0, 1000);
  return Reply{200, out, {}};
}

}  // namespace

std::vector<Route> WriteRoutes() {
  json none = nullptr;
  json review_schema = {
      {"type", "object"},
      {"required", {"customer_id", "review_text"}},
      {"additionalProperties", false},
      {"properties",
       {{"customer_id", {{"type", "string"}}}, {"review_text", {{"type", "string"}, {"maxLength", 20000}}},
        {"review_id", {{"type", "string"}}}, {"product_id", {{"type", "string"}}}, {"title", {{"type", "string"}}},
        {"rating", {{"type", "integer"}, {"minimum", 1}, {"maximum", 5}}}, {"verified_purchase", {{"type", "boolean"}}}}}};
  json ticket_schema = {
      {"type", "object"},
      {"required", {"customer_id", "description"}},
      {"additionalProperties", false},
      {"properties",
       {{"customer_id", {{"type", "string"}}}, {"description", {{"type", "string"}, {"maxLength", 20000}}},
        {"subject", {{"type", "string"}}}, {"ticket_id", {{"type", "string"}}}, {"category", {{"type", "string"}}},
        {"priority", {{"type", "string"}}}}}};
  json ask_schema = {{"type", "object"}, {"required", {"question"}}, {"properties", {{"question", {{"type", "string"}}}}}};
  return {
      Answering(201, {"POST", "/v1/reviews", "Store a review; it is analysed on arrival and the analysis returned",
                      kWriters, true, false, {}, review_schema, PostReview}),
      Answering(201, {"POST", "/v1/tickets",
                      "Store a support ticket; it is triaged on arrival and the triage returned", kWriters, true,
                      false, {}, ticket_schema, PostTicket}),
      {"POST", "/v1/segments/{id}/refresh-insight", "Regenerate a segment's grounded insight and return it",
       kWriters, true, true, {}, none, RefreshInsight},
      {"POST", "/v1/ask", "Answer a question about the data through the semantic model (never free SQL)",
       {Role::kAdmin, Role::kAnalyst, Role::kViewer, Role::kAccount}, true, true, {}, ask_schema, Ask},
  };
}

}  // namespace custintel::server
