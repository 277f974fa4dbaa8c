#include "pipeline/text/insights.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <span>
#include <vector>

#include "core/embedded.h"
#include "core/log.h"
#include "core/strings.h"
#include "pipeline/text/text_out.h"
#include "pipeline/text/writer_step.h"
#include "text/insight_batch.h"

namespace custintel::pipeline {
namespace {

using text::AnalyzerFingerprint;
using text::BatchOptions;
using text::PlaybookNote;
using text::TextInput;
using text::TextInsight;
using text::TextSource;

// One analysed source: the SQL that selects its changed rows into kTextTodo and the
// SQL that merges kTextOut back into gold (nullptr: events have only their interaction
// sentiment, which pipeline/text/sql/interaction_merge.sql writes for every source).
struct SourceSql {
  TextSource source;
  const char* name;
  const char* kind;  // gold.interaction_sentiment.source
  const char* todo;
  const char* merge;
};

constexpr SourceSql kReviews{TextSource::kReview, "reviews", "review", "pipeline/text/sql/review_todo.sql",
                             "pipeline/text/sql/review_merge.sql"};
constexpr SourceSql kTickets{TextSource::kTicket, "tickets", "ticket", "pipeline/text/sql/ticket_todo.sql",
                             "pipeline/text/sql/ticket_merge.sql"};
constexpr SourceSql kEvents{TextSource::kEvent, "events", "event", "pipeline/text/sql/event_todo.sql", nullptr};

Status RunEmbedded(store::Connection& conn, const std::string& path) {
  auto sql = embedded::Find(path);
  if (!sql) return Status::Internal("SQL " + path + " is not embedded in this build");
  return conn.Execute(std::string(*sql)).WithContext(path);
}

// The tables come from store migration 0003_text; re-running its CREATE ... IF NOT EXISTS
// here keeps a database whose migration numbering was overtaken (0004 applied before 0003
// existed) working.
// The provenance columns come from 0008_ai_provenance (ADD COLUMN IF NOT EXISTS: idempotent).
Status EnsureTables(store::Connection& conn) {
  CI_RETURN_IF_ERROR(RunEmbedded(conn, "store/migrations/0003_text.sql"));
  return RunEmbedded(conn, "store/migrations/0008_ai_provenance.sql");
}

// Who writes: the builtin engine (its "model" is the analyzer assets' fingerprint) or the writer.
WriterIdentity Writer(const ModelTextWriter* writer) {
  if (writer) {
    WriterIdentity id = writer->identity();
    id.fingerprint = AnalyzerFingerprint() + ":" + id.fingerprint;
    return id;
  }
  return {std::string(text::kInsightBackend), std::string(text::kInsightModel), AnalyzerFingerprint(),
          std::string(text::kInsightEngineVersion), AnalyzerFingerprint()};
}

Status SetVariables(store::Connection& conn, const InsightsOptions& options, const ModelTextWriter* writer) {
  const WriterIdentity id = Writer(writer);
  return conn.Execute(fmt::format(
      "SET VARIABLE text_fingerprint = {}; SET VARIABLE text_backend = {}; SET VARIABLE text_model = {}; "
      "SET VARIABLE text_model_sha256 = {}; SET VARIABLE text_engine_version = {}; SET VARIABLE text_batch_id = {}; "
      "SET VARIABLE text_since = {}; SET VARIABLE text_since_open = {}::BIGINT[]; "
      "SET VARIABLE text_as_of = {}::TIMESTAMPTZ;",
      QuoteLiteral(id.fingerprint), QuoteLiteral(id.backend), QuoteLiteral(id.model), QuoteLiteral(id.model_sha256),
      QuoteLiteral(id.engine_version),
      options.batch_id ? std::to_string(*options.batch_id) + "::BIGINT" : std::string("NULL::BIGINT"),
      // With a writer, rows analysed on arrival by the engine (or before a spent budget) are old
      // rows whose hash must still change: every row stays a candidate.
      options.since_watermark && !writer ? std::to_string(*options.since_watermark) + "::BIGINT"
                                                 : std::string("NULL::BIGINT"),
      [&] {
        std::string ids;
        for (int64_t b : options.since_open_batches) ids += (ids.empty() ? "" : ", ") + std::to_string(b);
        return "[" + ids + "]";
      }(),
      options.as_of.empty() ? std::string("NULL") : QuoteLiteral(options.as_of)));
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

// Analyses the rows of kTextTodo chunk by chunk into kTextOut.
Status AnalyzeTodo(store::Connection& conn, const SourceSql& s, int64_t rows, const InsightsOptions& options,
                   const BatchOptions& batch, double* analysis_seconds) {
  CI_RETURN_IF_ERROR(CreateTextOut(conn));
  CI_ASSIGN_OR_RETURN(store::Appender app, store::Appender::Create(conn, "main", kTextOut));
  const int64_t chunk = std::max<int64_t>(options.chunk_rows, 1);
  for (int64_t begin = 0; begin < rows; begin += chunk) {
    CI_ASSIGN_OR_RETURN(std::vector<TextInput> in, ReadTodo(conn, begin, begin + chunk));
    auto start = std::chrono::steady_clock::now();
    std::vector<TextInsight> out = text::AnalyzeBatch(s.source, in, batch);
    *analysis_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (size_t i = 0; i < out.size(); ++i) CI_RETURN_IF_ERROR(AppendInsight(app, begin + static_cast<int64_t>(i), out[i]));
  }
  return app.Close();
}

// Selects the changed rows of one source, analyses them and merges the results; returns how
// many rows were analysed.
Result<int64_t> UpdateSource(store::Connection& conn, const SourceSql& s, const InsightsOptions& options,
                             ModelTextWriter* writer, const BatchOptions& batch, InsightsReport* report) {
  CI_RETURN_IF_ERROR(RunTextSql(conn, s.todo));
  CI_ASSIGN_OR_RETURN(store::QueryResult n, conn.Query(std::string("SELECT count(*) FROM ") + kTextTodo));
  int64_t rows = n.GetInt64(0, 0);
  if (rows > 0 && writer) {
    CI_ASSIGN_OR_RETURN(WriterPass pass, WriteTodoByWriter(conn, std::string("text_insights:") + s.name, s.source,
                                                           batch, *writer));
    if (!pass.stopped.empty()) {
      report->stopped += fmt::format("{}{} stopped after {} of {} rows ({}); the next run resumes",
                                     report->stopped.empty() ? "" : "; ", s.name, pass.rows, rows, pass.stopped);
    }
    report->analysis_seconds += pass.analysis_seconds;
    rows = pass.rows;
  } else if (rows > 0) {
    CI_RETURN_IF_ERROR(AnalyzeTodo(conn, s, rows, options, batch, &report->analysis_seconds).WithContext(s.name));
  }
  if (rows > 0) {
    if (s.merge) CI_RETURN_IF_ERROR(RunTextSql(conn, s.merge));
    CI_RETURN_IF_ERROR(conn.Execute(fmt::format("SET VARIABLE text_source = {}", QuoteLiteral(s.kind))));
    CI_RETURN_IF_ERROR(RunTextSql(conn, "pipeline/text/sql/interaction_merge.sql"));
  }
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format("DROP TABLE IF EXISTS {}; DROP TABLE {}", kTextOut, kTextTodo)));
  return rows;
}

// Reviews, blended with the tenant's domain model when a full pass measured that it helps; the
// model's fingerprint joins the input hash so a changed model re-analyses every review.
Result<int64_t> UpdateReviews(store::Connection& conn, const InsightsOptions& options, ModelTextWriter* writer,
                              InsightsReport* report) {
  DomainChoice domain;
  if (options.domain_adaptation && !options.batch_id && !writer) {
    DomainStepOptions domain_options = options.domain;
    domain_options.as_of = options.as_of;
    CI_ASSIGN_OR_RETURN(domain, ChooseDomainModel(conn, domain_options));
    report->domain_note = domain.note;
  }
  BatchOptions batch{options.threads, {}, domain.model ? &*domain.model : nullptr, domain.weight};
  if (domain.model) {
    CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
        "SET VARIABLE text_fingerprint = {}; SET VARIABLE text_model = {};",
        QuoteLiteral(AnalyzerFingerprint() + ":domain:" + domain.fingerprint),
        QuoteLiteral(std::string(text::kInsightModel) + "+domain"))));
  }
  auto rows = UpdateSource(conn, kReviews, options, writer, batch, report);
  if (domain.model) CI_RETURN_IF_ERROR(SetVariables(conn, options, writer));
  return rows;
}

// How many rows each table holds now: most may have been analysed on arrival, at ingest.
Status CountTotals(store::Connection& conn, InsightsReport* report) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT (SELECT count(*) FROM gold.review_insights), (SELECT count(*) FROM gold.ticket_insights), "
      "(SELECT count(*) FROM gold.interaction_sentiment WHERE source = 'event')"));
  report->total_reviews = r.GetInt64(0, 0);
  report->total_tickets = r.GetInt64(1, 0);
  report->total_events = r.GetInt64(2, 0);
  return Status::Ok();
}

}  // namespace

std::string InsightsReport::Note() const {
  std::string text =
      reviews == 0 && tickets == 0 && events == 0
          ? fmt::format("no text changed ({} reviews, {} tickets, {} events analysed)", total_reviews,
                        total_tickets, total_events)
          : fmt::format("analysed {} of {} reviews, {} of {} tickets, {} of {} events ({:.1f} s analysing; "
                        "the rest were analysed earlier, e.g. on arrival at ingest, and are unchanged)",
                        reviews, total_reviews, tickets, total_tickets, events, total_events, analysis_seconds);
  for (const std::string* extra : {&stopped, &writer_note, &domain_note}) {
    if (!extra->empty()) text += "; " + *extra;
  }
  return text;
}

Result<InsightsReport> UpdateTextInsights(store::Connection& conn, const InsightsOptions& options) {
  CI_RETURN_IF_ERROR(EnsureTables(conn));
  std::optional<ModelTextWriter> writer;
  if (options.ai && !options.ai->native_text_tasks()) writer.emplace(options.ai);
  ModelTextWriter* w = writer ? &*writer : nullptr;
  CI_RETURN_IF_ERROR(SetVariables(conn, options, w));
  if (options.prune) CI_RETURN_IF_ERROR(RunEmbedded(conn, "pipeline/text/sql/prune.sql"));
  if (!options.as_of.empty()) CI_RETURN_IF_ERROR(RunEmbedded(conn, "pipeline/text/sql/prune_after_as_of.sql"));
  InsightsReport report;
  if (options.reviews) {
    CI_ASSIGN_OR_RETURN(report.reviews, UpdateReviews(conn, options, w, &report));
  }
  if (options.tickets) {
    CI_ASSIGN_OR_RETURN(std::vector<PlaybookNote> playbooks, LoadPlaybooks(conn));
    CI_ASSIGN_OR_RETURN(report.tickets, UpdateSource(conn, kTickets, options, w, {options.threads, playbooks}, &report));
  }
  if (options.events) {
    CI_ASSIGN_OR_RETURN(report.events, UpdateSource(conn, kEvents, options, w, {options.threads, {}}, &report));
  }
  if (w) report.writer_note = w->Note();
  CI_RETURN_IF_ERROR(CountTotals(conn, &report));
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
  return RunEmbedded(conn, "pipeline/text/sql/segment_themes.sql");
}

}  // namespace custintel::pipeline
