// AiInsightWriter: the pipeline's text step written by the AI layer (issue 6 item 8). It
// implements text::InsightWriter over an AiService, so `custintel run` with a model configured
// has the model write review/ticket/event sentiment, themes and summaries, through the cache
// and within the budget, while the step itself (todo rows, merge, input hashes) is unchanged.
//
//   auto writer = std::make_shared<AiInsightWriter>(service);
//   text::InsightsOptions o;
//   o.writer = writer;                                   // UpdateTextInsights(conn, o)
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

#include "ai/service.h"
#include "text/insight_writer.h"
#include "text/pii.h"

namespace custintel::ai {

class AiInsightWriter : public text::InsightWriter {
 public:
  // REQUIRES: service != null. `batch_rows`: rows per pass batch (and per checkpoint).
  explicit AiInsightWriter(std::shared_ptr<AiService> service, size_t batch_rows = 64);

  const text::WriterIdentity& identity() const override { return identity_; }
  size_t batch_rows() const override { return batch_rows_; }
  size_t Write(text::TextSource source, std::span<const text::TextInput> in, std::span<text::TextInsight> out,
               std::string* why) override;
  Result<text::PassResult> RunPass(store::Connection& conn, const std::string& step,
                                   std::span<const std::string> keys, const text::KeyBatchFn& process) override;
  // The service's counters since this writer was made: "ai: 0 backend calls in 0 batches, ...".
  std::string Note() const override;

 private:
  // All tasks for the rows of `masked`; returns the prefix completed.
  size_t WriteSome(text::TextSource source, std::span<const text::PiiMasked> masked,
                   std::span<text::TextInsight> out, std::string* why);

  std::shared_ptr<AiService> service_;
  const size_t batch_rows_;
  text::WriterIdentity identity_;
  const AiStats start_;
};

}  // namespace custintel::ai
