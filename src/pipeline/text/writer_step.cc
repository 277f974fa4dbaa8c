#include "pipeline/text/writer_step.h"

#include <fmt/format.h>

#include <chrono>
#include <vector>

#include "pipeline/text/text_out.h"

namespace custintel::pipeline {
namespace {

using text::TextInput;
using text::TextInsight;
using text::TextSource;
using text::BatchOptions;

// Renumbers the todo table by id, so that rn = the row's index in the sorted keys; returns them.
Result<std::vector<std::string>> SortedKeys(store::Connection& conn) {
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {0}_sorted AS "
      "SELECT (row_number() OVER (ORDER BY id)) - 1 AS rn, * EXCLUDE (rn) FROM {0}; "
      "CREATE OR REPLACE TEMP TABLE {0} AS SELECT * FROM {0}_sorted; "
      "DROP TABLE {0}_sorted", kTextTodo)));
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(fmt::format("SELECT id FROM {} ORDER BY rn", kTextTodo)));
  std::vector<std::string> keys(r.row_count());
  for (size_t i = 0; i < keys.size(); ++i) keys[i] = r.GetString(0, i);
  return keys;
}

class Pass {
 public:
  Pass(store::Connection& conn, TextSource source, const BatchOptions& batch, ModelTextWriter& writer,
       store::Appender& app, const std::vector<std::string>& keys)
      : conn_(conn), source_(source), batch_(batch), writer_(writer), app_(app), keys_(keys) {}

  // One batch of keys (a span into keys_): the builtin analysis, then the writer's prefix.
  Result<size_t> operator()(std::span<const std::string> batch, std::string* why) {
    const auto begin = static_cast<int64_t>(batch.data() - keys_.data());
    CI_ASSIGN_OR_RETURN(std::vector<TextInput> in,
                        ReadTodo(conn_, begin, begin + static_cast<int64_t>(batch.size())));
    auto start = std::chrono::steady_clock::now();
    std::vector<TextInsight> out = text::AnalyzeBatch(source_, in, batch_);
    size_t done = writer_.Write(source_, in, out, why);
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (size_t i = 0; i < done; ++i) CI_RETURN_IF_ERROR(AppendInsight(app_, begin + static_cast<int64_t>(i), out[i]));
    return done;
  }
  double seconds() const { return seconds_; }

 private:
  store::Connection& conn_;
  const TextSource source_;
  const BatchOptions& batch_;
  ModelTextWriter& writer_;
  store::Appender& app_;
  const std::vector<std::string>& keys_;
  double seconds_ = 0;
};

}  // namespace

Result<WriterPass> WriteTodoByWriter(store::Connection& conn, const std::string& step, TextSource source,
                                     const BatchOptions& batch, ModelTextWriter& writer) {
  CI_ASSIGN_OR_RETURN(std::vector<std::string> keys, SortedKeys(conn));
  CI_RETURN_IF_ERROR(CreateTextOut(conn));
  CI_ASSIGN_OR_RETURN(store::Appender app, store::Appender::Create(conn, "main", kTextOut));
  Pass pass(conn, source, batch, writer, app, keys);
  KeyBatchFn fn = [&pass](std::span<const std::string> b, std::string* why) { return pass(b, why); };
  CI_ASSIGN_OR_RETURN(PassResult r, writer.RunPass(conn, step, keys, fn));
  WriterPass out{r.rows_done, r.stopped_reason, 0};
  // A resumed pass skipped the keys up to its checkpoint; those still to do (changed since, or
  // done by another model) get a second pass now that the checkpoint is cleared.
  if (r.complete && r.rows_skipped > 0) {
    CI_ASSIGN_OR_RETURN(PassResult again, writer.RunPass(conn, step, std::span(keys).first(r.rows_skipped), fn));
    out.rows += again.rows_done;
    out.stopped = again.stopped_reason;
  }
  CI_RETURN_IF_ERROR(app.Close());
  out.analysis_seconds = pass.seconds();
  CI_RETURN_IF_ERROR(
      conn.Execute(fmt::format("DELETE FROM {} WHERE rn NOT IN (SELECT rn FROM {})", kTextTodo, kTextOut)));
  return out;
}

}  // namespace custintel::pipeline
