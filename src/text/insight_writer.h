// InsightWriter: who writes the text step's analyses when a model is configured. The text part
// cannot depend on the AI layer (ai/ builds on text/), so the step asks this interface and
// ai::AiInsightWriter (ai/insight_writer.h) implements it over ai::AiService: the pipeline
// stays the same, only the writer changes.
//
//   text::InsightsOptions o;
//   o.writer = std::make_shared<ai::AiInsightWriter>(service);   // null: the builtin engine
//   CI_ASSIGN_OR_RETURN(InsightsReport r, UpdateTextInsights(conn, o));
//
// Contract: Write fills a prefix of the rows completely (score, label, summary, themes, the
// provenance fields) and never a row half; the rows after the prefix are left for a later run.
// RunPass drives the batches so that a stopped pass records where it stopped and the next run
// resumes after it (ai::RunBudgetedStep).
//
// Thread safety: one step uses a writer at a time.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>

#include "core/status.h"
#include "store/database.h"
#include "text/insight_batch.h"

namespace custintel::text {

// Who wrote a row: recorded in every gold row the writer fills (migration 0008).
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

class InsightWriter {
 public:
  virtual ~InsightWriter() = default;
  virtual const WriterIdentity& identity() const = 0;
  // Rows per batch of a pass.
  virtual size_t batch_rows() const = 0;
  // Rewrites out[i] (already holding the builtin analysis, whose triage is kept) for a prefix
  // of `in`; returns its length and, when short, why (*why).
  virtual size_t Write(TextSource source, std::span<const TextInput> in, std::span<TextInsight> out,
                       std::string* why) = 0;
  // Runs `process` over `keys` (sorted) batch by batch, resuming after the step's checkpoint.
  virtual Result<PassResult> RunPass(store::Connection& conn, const std::string& step,
                                     std::span<const std::string> keys, const KeyBatchFn& process) = 0;
  // What the writer did since the step began, for the step's note (e.g. the AI counters).
  virtual std::string Note() const = 0;
};

}  // namespace custintel::text
