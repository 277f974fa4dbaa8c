// The text step's scratch tables: kTextTodo ("ci_text_todo") (the changed rows of one source, numbered
// rn = 0..n-1, made by text/sql/*_todo.sql) and kTextOut (their analyses, merged into gold
// by text/sql/*_merge.sql). Reading todo rows and appending analyses live here so the builtin
// pass (insights.cc) and the model writer's pass (writer_step.cc) write the same rows.
//
// Thread safety: uses the caller's connection; one step at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/database.h"
#include "text/insight_batch.h"

namespace custintel::pipeline {

// The scratch tables' names. The step's SQL files (text/sql/) write them as {todo} and {out};
// RunTextSql substitutes these.
inline constexpr char kTextTodo[] = "ci_text_todo";
inline constexpr char kTextOut[] = "ci_text_out";

// Runs the embedded SQL file `path` with {todo} and {out} replaced by the scratch tables' names.
Status RunTextSql(store::Connection& conn, const std::string& path);

// (Re)creates the empty temp table ci_text_out.
Status CreateTextOut(store::Connection& conn);

// The todo rows with begin <= rn < end, in rn order.
Result<std::vector<text::TextInput>> ReadTodo(store::Connection& conn, int64_t begin, int64_t end);

// One row of ci_text_out; the triage columns are NULL for reviews and events, the provenance
// columns NULL when empty.
Status AppendInsight(store::Appender& app, int64_t rn, text::TextInsight& x);

}  // namespace custintel::pipeline
