// Text intelligence in the pipeline: analyses silver reviews, tickets and interaction events
// (events.content) and writes gold.review_insights, gold.ticket_insights and
// gold.interaction_sentiment (one row per analysed interaction, read by customer features'
// avg_sentiment); gold.segment_themes counts theme mentions per segment.
//
//   CI_ASSIGN_OR_RETURN(InsightsReport r, UpdateTextInsights(conn));   // pipeline step
//   CI_RETURN_IF_ERROR(BuildSegmentThemes(conn, as_of));               // after segments
//   ingest_options.on_batch = AnalyzeOnArrival;                        // ingest hook
//
// Incremental: every row carries input_hash = sha256(its inputs, the analyzer fingerprint); a
// row is analysed only when that hash changed, so a re-run over unchanged text analyses
// nothing. The analysis itself is AnalyzeBatch (insight_batch.h), run across threads.
//
// Thread safety: uses the caller's connection (in the caller's transaction); one call per
// connection at a time. Tables are created by store migration 0003_text.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ai/service.h"
#include "core/status.h"
#include "ingest/ingest.h"
#include "pipeline/text/domain_step.h"
#include "store/database.h"

namespace custintel::pipeline {

struct InsightsOptions {
  // Only rows of this ingest batch (analysis on arrival); nullopt = every row of silver.
  std::optional<int64_t> batch_id;
  // The run's as-of time (canonical timestamp): only silver as of it is analysed (the
  // silver.*_as_of macros, store migration 0028), the domain model learns from the reviews
  // written by then, and analyses of rows dated after it are dropped from gold — also those
  // made on arrival at ingest, in every run, incremental or full. Empty (analysis on arrival,
  // outside a run) = every row.
  std::string as_of;
  // Drop insights whose source row is gone from silver (full passes; not on arrival).
  bool prune = true;
  // Incremental runs: tickets and events are candidates only when their ingest batch is after
  // this watermark (or in since_open_batches) or they were never analysed — a ticket's hash
  // also moves with the notes, so a changed note makes every ticket a candidate again. Reviews
  // are always all candidates (the domain model's version is in their hash), and so is every
  // row when a writer is set (rows the engine analysed on arrival await it). nullopt = every row.
  std::optional<int64_t> since_watermark;
  std::vector<int64_t> since_open_batches;
  // Analyse reviews / tickets / events; on arrival only the arriving kind is analysed.
  bool reviews = true;
  bool tickets = true;
  bool events = true;
  // Worker threads for the analysis; 0 = hardware concurrency.
  int threads = 0;
  // Texts read, analysed and appended per round: bounds memory on millions of events.
  int64_t chunk_rows = 100'000;
  // Learn the tenant's own word weights from its rated reviews and blend them in when that
  // measurably helps (full passes only; on arrival reviews get the lexicon until the next run).
  bool domain_adaptation = true;
  DomainStepOptions domain;
  // Who writes the analyses: null, or a service whose backend does the text tasks natively
  // (builtin) = the builtin text engine, directly; else the model through the AI layer
  // (sentiment, themes and summaries by the model, ticket triage by the engine; no domain
  // blend), in resumable batches that stop cleanly when the AI budget is spent.
  std::shared_ptr<ai::AiService> ai;
};

struct InsightsReport {
  int64_t reviews = 0;  // analysed by this call (0 when nothing changed)
  int64_t tickets = 0;
  int64_t events = 0;
  // Rows in gold after this call (review_insights, ticket_insights, event interaction_sentiment):
  // those not analysed now were unchanged, most often analysed on arrival at ingest.
  int64_t total_reviews = 0;
  int64_t total_tickets = 0;
  int64_t total_events = 0;
  double analysis_seconds = 0;  // wall time analysing
  std::string domain_note;      // the domain-sentiment measurement, when one was made
  std::string stopped;          // sources a writer stopped early (budget), and why
  std::string writer_note;      // the writer's own note (AI counters), when a writer wrote

  // "analysed 12 of 830 reviews, 3 of 1166 tickets, 40 of 1950 events (...)" or
  // "no text changed (830 reviews, ...)", then the stop, writer and domain notes.
  std::string Note() const;
};

Result<InsightsReport> UpdateTextInsights(store::Connection& conn, const InsightsOptions& options = {});

// The ingest hook (IngestOptions::on_batch): analyses the new or changed rows of a reviews,
// tickets or events batch in the batch's transaction. A notes batch re-triages tickets (their
// suggested resolutions come from the notes). Other kinds: nothing to do.
Status AnalyzeOnArrival(store::Connection& conn, const ingest::IngestCounts& batch);

// (Re)builds gold.segment_themes as of `as_of` (canonical timestamp). REQUIRES: the segments
// step has filled gold.customer_scores.segment.
Status BuildSegmentThemes(store::Connection& conn, const std::string& as_of);

}  // namespace custintel::pipeline
