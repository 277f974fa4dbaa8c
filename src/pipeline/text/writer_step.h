// The text step's pass for one source when a model writes (model_writer.h): the rows of
// the todo table (kTextTodo), renumbered in key order, go through InsightWriter::RunPass in batches; each
// batch is analysed by the builtin engine first (tickets keep its triage) and then rewritten
// by the writer, and only the rows it completed are appended to kTextOut. Rows it did not
// reach are removed from the todo table (kTextTodo), so the merge keeps their old gold rows and the next run
// finds them still to do.
//
// Thread safety: uses the caller's connection; one step at a time.
#pragma once

#include <string>

#include "core/status.h"
#include "pipeline/text/model_writer.h"
#include "store/database.h"
#include "text/insight_batch.h"

namespace custintel::pipeline {

struct WriterPass {
  int64_t rows = 0;           // written into kTextOut
  std::string stopped;        // why the pass stopped early ("" when every row was written)
  double analysis_seconds = 0;
};

// REQUIRES: the todo table (kTextTodo) holds `rows` (> 0) rows with a unique `id`. `step` names the checkpoint.
Result<WriterPass> WriteTodoByWriter(store::Connection& conn, const std::string& step, text::TextSource source,
                                     const text::BatchOptions& batch, ModelTextWriter& writer);

}  // namespace custintel::pipeline
