#include "text/insights.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <span>
#include <vector>

#include "core/embedded.h"
#include "core/log.h"
#include "core/strings.h"
#include "text/insight_batch.h"

namespace custintel::text {
namespace {

// One analysed source: the SQL that selects its changed rows into ci_text_todo and the
// SQL that merges ci_text_out back into gold.
struct SourceSql {
  TextSource source;
  const char* name;
  const char* todo;
  const char* merge;
};

constexpr SourceSql kReviews{TextSource::kReview, "reviews", "text/sql/review_todo.sql", "text/sql/review_merge.sql"};
constexpr SourceSql kTickets{TextSource::kTicket, "tickets", "text/sql/ticket_todo.sql", "text/sql/ticket_merge.sql"};
constexpr SourceSql kEvents{TextSource::kEvent, "events", "text/sql/event_todo.sql", "text/sql/event_merge.sql"};

Status RunEmbedded(store::Connection& conn, const std::string& path) {
  auto sql = embedded::Find(path);
  if (!sql) return Status::Internal("SQL " + path + " is not embedded in this build");
  return conn.Execute(std::string(*sql)).WithContext(path);
}

// The tables come from store migration 0003_text; re-running its CREATE ... IF NOT EXISTS
// here keeps a database whose migration numbering was overtaken (0004 applied before 0003
// existed) working.
Status EnsureTables(store::Connection& conn) { return RunEmbedded(conn, "store/migrations/0003_text.sql"); }

Status SetVariables(store::Connection& conn, std::optional<int64_t> batch_id) {
  return conn.Execute(fmt::format(
      "SET VARIABLE text_fingerprint = {}; SET VARIABLE text_backend = {}; SET VARIABLE text_model = {}; "
      "SET VARIABLE text_batch_id = {};",
      QuoteLiteral(AnalyzerFingerprint()), QuoteLiteral(kInsightBackend), QuoteLiteral(kInsightModel),
      batch_id ? std::to_string(*batch_id) + "::BIGINT" : std::string("NULL::BIGINT")));
}

Result<std::vector<PlaybookNote>> LoadPlaybooks(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT note_id, coalesce(title, ''), coalesce(body, ''), coalesce(tags, '') FROM silver.notes ORDER BY note_id"));
  std::vector<PlaybookNote> notes(r.row_count());
  for (size_t i = 0; i < notes.size(); ++i) {
    notes[i] = {r.GetString(0, i), r.GetString(1, i), r.GetString(2, i), {}};
    std::string tags = r.GetString(3, i);
    for (char& c : tags) c = (c == ',' || c == '|') ? ';' : c;
    for (const std::string& t : Split(tags, ';')) {
      if (!Trim(t).empty()) notes[i].tags.emplace_back(Trim(t));
    }
  }
  return notes;
}

Result<std::vector<TextInput>> ReadChunk(store::Connection& conn, int64_t begin, int64_t end) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT title, body, rating FROM ci_text_todo WHERE rn >= ? AND rn < ? ORDER BY rn", {begin, end}));
  std::vector<TextInput> in(r.row_count());
  for (size_t i = 0; i < in.size(); ++i) {
    in[i].title = r.GetString(0, i);
    in[i].body = r.GetString(1, i);
    if (!r.IsNull(2, i)) in[i].rating = static_cast<int>(r.GetInt64(2, i));
  }
  return in;
}

// One row of ci_text_out; the triage columns are NULL for reviews and events.
Status AppendRow(store::Appender& app, int64_t rn, TextInsight& x) {
  constexpr size_t kTriageColumns = 7;
  std::vector<store::Param> row = {rn, x.score, std::move(x.label), std::move(x.summary), std::move(x.themes_json)};
  if (x.triage) {
    const TicketTriage& t = *x.triage;
    row.insert(row.end(), {std::string(ToString(t.urgency)), std::string(ToString(t.sentiment)), t.root_cause,
                           t.suggested_resolution, t.playbook_note_id, t.follow_up_needed,
                           nlohmann::json(t.tags).dump()});
  } else {
    row.resize(row.size() + kTriageColumns);  // std::monostate: NULL
  }
  for (const store::Param& p : row) CI_RETURN_IF_ERROR(app.Append(p));
  return app.EndRow();
}

// Analyses the rows of ci_text_todo chunk by chunk into ci_text_out.
Status AnalyzeTodo(store::Connection& conn, const SourceSql& s, int64_t rows, const InsightsOptions& options,
                   const BatchOptions& batch, double* analysis_seconds) {
  CI_RETURN_IF_ERROR(conn.Execute(
      "CREATE OR REPLACE TEMP TABLE ci_text_out (rn BIGINT, score DOUBLE, label VARCHAR, summary VARCHAR, "
      "themes VARCHAR, urgency VARCHAR, mood VARCHAR, root_cause VARCHAR, resolution VARCHAR, "
      "playbook_note_id VARCHAR, follow_up_needed BOOLEAN, tags VARCHAR)"));
  CI_ASSIGN_OR_RETURN(store::Appender app, store::Appender::Create(conn, "main", "ci_text_out"));
  const int64_t chunk = std::max<int64_t>(options.chunk_rows, 1);
  for (int64_t begin = 0; begin < rows; begin += chunk) {
    CI_ASSIGN_OR_RETURN(std::vector<TextInput> in, ReadChunk(conn, begin, begin + chunk));
    auto start = std::chrono::steady_clock::now();
    std::vector<TextInsight> out = AnalyzeBatch(s.source, in, batch);
    *analysis_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (size_t i = 0; i < out.size(); ++i) CI_RETURN_IF_ERROR(AppendRow(app, begin + static_cast<int64_t>(i), out[i]));
  }
  return app.Close();
}

// Selects the changed rows of one source, analyses them and merges the results; returns how
// many rows were analysed.
Result<int64_t> UpdateSource(store::Connection& conn, const SourceSql& s, const InsightsOptions& options,
                             const BatchOptions& batch, double* analysis_seconds) {
  CI_RETURN_IF_ERROR(RunEmbedded(conn, s.todo));
  CI_ASSIGN_OR_RETURN(store::QueryResult n, conn.Query("SELECT count(*) FROM ci_text_todo"));
  int64_t rows = n.GetInt64(0, 0);
  if (rows > 0) {
    CI_RETURN_IF_ERROR(AnalyzeTodo(conn, s, rows, options, batch, analysis_seconds).WithContext(s.name));
    CI_RETURN_IF_ERROR(RunEmbedded(conn, s.merge));
    CI_RETURN_IF_ERROR(conn.Execute("DROP TABLE ci_text_out"));
  }
  CI_RETURN_IF_ERROR(conn.Execute("DROP TABLE ci_text_todo"));
  return rows;
}

// Reviews, blended with the tenant's domain model when a full pass measured that it helps; the
// model's fingerprint joins the input hash so a changed model re-analyses every review.
Result<int64_t> UpdateReviews(store::Connection& conn, const InsightsOptions& options, InsightsReport* report) {
  DomainChoice domain;
  if (options.domain_adaptation && !options.batch_id) {
    CI_ASSIGN_OR_RETURN(domain, ChooseDomainModel(conn, options.domain));
    report->domain_note = domain.note;
  }
  BatchOptions batch{options.threads, {}, domain.model ? &*domain.model : nullptr, domain.weight};
  if (domain.model) {
    CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
        "SET VARIABLE text_fingerprint = {}; SET VARIABLE text_model = {};",
        QuoteLiteral(AnalyzerFingerprint() + ":domain:" + domain.fingerprint),
        QuoteLiteral(std::string(kInsightModel) + "+domain"))));
  }
  auto rows = UpdateSource(conn, kReviews, options, batch, &report->analysis_seconds);
  if (domain.model) CI_RETURN_IF_ERROR(SetVariables(conn, options.batch_id));
  return rows;
}

}  // namespace

std::string InsightsReport::Note() const {
  std::string text = reviews == 0 && tickets == 0 && events == 0
                         ? "no text changed"
                         : fmt::format("analysed {} reviews, {} tickets, {} events ({:.1f} s analysing)", reviews,
                                       tickets, events, analysis_seconds);
  return domain_note.empty() ? text : text + "; " + domain_note;
}

Result<InsightsReport> UpdateTextInsights(store::Connection& conn, const InsightsOptions& options) {
  CI_RETURN_IF_ERROR(EnsureTables(conn));
  CI_RETURN_IF_ERROR(SetVariables(conn, options.batch_id));
  if (options.prune) CI_RETURN_IF_ERROR(RunEmbedded(conn, "text/sql/prune.sql"));
  InsightsReport report;
  if (options.reviews) {
    CI_ASSIGN_OR_RETURN(report.reviews, UpdateReviews(conn, options, &report));
  }
  if (options.tickets) {
    CI_ASSIGN_OR_RETURN(std::vector<PlaybookNote> playbooks, LoadPlaybooks(conn));
    CI_ASSIGN_OR_RETURN(report.tickets, UpdateSource(conn, kTickets, options, {options.threads, playbooks},
                                                     &report.analysis_seconds));
  }
  if (options.events) {
    CI_ASSIGN_OR_RETURN(report.events, UpdateSource(conn, kEvents, options, {options.threads, {}},
                                                    &report.analysis_seconds));
  }
  return report;
}

Status AnalyzeOnArrival(store::Connection& conn, const ingest::IngestCounts& batch) {
  if (batch.loaded + batch.updated == 0) return Status::Ok();
  InsightsOptions o;
  o.batch_id = batch.batch_id;
  o.prune = false;
  o.reviews = batch.kind == "reviews";
  o.tickets = batch.kind == "tickets";
  o.events = batch.kind == "events";
  if (batch.kind == "notes") {  // new playbooks: re-triage every ticket whose resolution may change
    o.batch_id.reset();
    o.tickets = true;
  }
  if (!o.reviews && !o.tickets && !o.events) return Status::Ok();
  CI_ASSIGN_OR_RETURN(InsightsReport r, UpdateTextInsights(conn, o));
  LogInfo(fmt::format("{} on arrival: {}", batch.source, r.Note()));
  return Status::Ok();
}

Status BuildSegmentThemes(store::Connection& conn, const std::string& as_of) {
  CI_RETURN_IF_ERROR(EnsureTables(conn));
  CI_RETURN_IF_ERROR(conn.Execute("SET VARIABLE as_of = " + QuoteLiteral(as_of) + "::TIMESTAMPTZ"));
  return RunEmbedded(conn, "text/sql/segment_themes.sql");
}

}  // namespace custintel::text
