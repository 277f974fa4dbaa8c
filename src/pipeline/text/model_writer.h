// ModelTextWriter: the text step's analyses written by a model through the AI layer. With a
// model configured, `custintel run` has the model write review/ticket/event sentiment, themes
// and summaries, through the cache and within the budget, while the step itself (todo rows,
// merge, input hashes) is unchanged. The step makes one when InsightsOptions::ai is a service
// whose backend has no native text tasks (insights.h); nobody else needs to.
//
//   ModelTextWriter writer(service);
//   size_t done = writer.Write(source, rows, analyses, &why);   // a prefix of the rows
//
// Per row: the text (title + body) is PII-masked; sentiment (choose over five labels,
// probability-weighted score), then themes (JSON) and a summary (generate) for reviews and
// tickets, sentiment only for events. The summary gets the masked values restored. Each row
// records the templates and cache keys of its answers (TextInsight::template_key/cache_key),
// so the cache reproduces it. Ticket triage stays the text engine's.
//
// Budget: rows are sent in sub-batches the remaining calls cover (Budget::CallsLeft), tasks in
// order over the rows that the previous task completed, so a spent budget stops between rows
// (answers of a row left unfinished are cached and cost nothing next time). A failed row also
// stops the pass there (failures are not cached; the next run retries it).
//
// Thread safety: one step at a time; the service itself is thread-safe.
#pragma once

#include <memory>

#include <cstddef>
#include <functional>
#include <span>
#include <string>

#include "ai/service.h"
#include "core/status.h"
#include "store/database.h"
#include "text/insight_batch.h"
#include "text/pii.h"

namespace custintel::pipeline {

// Who wrote a row: recorded in every gold row the step fills (migration 0008).
struct WriterIdentity {
  std::string backend, model, model_sha256, engine_version;
  std::string fingerprint;  // joins the input hash: a changed model or template re-analyses
};

struct PassResult {
  int64_t rows_done = 0;     // written by this pass
  int64_t rows_skipped = 0;  // before the resumed checkpoint
  bool complete = false;
  std::string stopped_reason;  // when !complete
};

// Processes a batch of keys; returns how many (a prefix) it completed and, when fewer, why.
using KeyBatchFn = std::function<Result<size_t>(std::span<const std::string> keys, std::string* why)>;

// Contract: Write fills a prefix of the rows completely (score, label, summary, themes, the
// provenance fields) and never a row half; the rows after the prefix are left for a later run.
// RunPass drives the batches so that a stopped pass records where it stopped and the next run
// resumes after it (ai::RunBudgetedStep).
class ModelTextWriter {
 public:
  // REQUIRES: service != null. `batch_rows`: rows per pass batch (and per checkpoint).
  explicit ModelTextWriter(std::shared_ptr<ai::AiService> service, size_t batch_rows = 64);

  const WriterIdentity& identity() const { return identity_; }
  size_t batch_rows() const { return batch_rows_; }
  // Rewrites out[i] (already holding the builtin analysis, whose triage is kept) for a prefix
  // of `in`; returns its length and, when short, why (*why).
  size_t Write(text::TextSource source, std::span<const text::TextInput> in, std::span<text::TextInsight> out,
               std::string* why);
  // Runs `process` over `keys` (sorted) batch by batch, resuming after the step's checkpoint.
  Result<PassResult> RunPass(store::Connection& conn, const std::string& step, std::span<const std::string> keys,
                             const KeyBatchFn& process);
  // The service's counters since this writer was made: "ai: 0 backend calls in 0 batches, ...".
  std::string Note() const;

 private:
  // All tasks for the rows of `masked`; returns the prefix completed.
  size_t WriteSome(text::TextSource source, std::span<const text::PiiMasked> masked,
                   std::span<text::TextInsight> out, std::string* why);

  std::shared_ptr<ai::AiService> service_;
  const size_t batch_rows_;
  WriterIdentity identity_;
  const ai::AiStats start_;
};

}  // namespace custintel::pipeline
