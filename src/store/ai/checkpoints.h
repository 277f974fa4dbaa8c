// Checkpoints of AI-written pipeline steps in meta.ai_checkpoints: a step stopped by a spent
// budget (ai/budget.h) records the last row it fully wrote, and the next run resumes after it.
//
//   auto p = RunBudgetedStep(conn, "review_insights", keys, 256, [&](std::span<const std::string> batch,
//                                                                    std::string* why) {
//     return WriteInsights(batch, why);   // rows fully written, a prefix of batch
//   });
//
// Thread safety: uses the caller's connection (in the caller's transaction).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "core/status.h"
#include "store/database.h"

namespace custintel::store {

struct Checkpoint {
  std::string last_key;  // the last row fully written
  int64_t rows_done = 0;
  std::string stopped_reason;
};

Result<std::optional<Checkpoint>> LoadCheckpoint(Connection& conn, const std::string& step);
Status SaveCheckpoint(Connection& conn, const std::string& step, const Checkpoint& checkpoint);
Status ClearCheckpoint(Connection& conn, const std::string& step);

struct StepProgress {
  int64_t rows_done = 0;       // this run
  int64_t rows_skipped = 0;    // done by an earlier run (before the checkpoint)
  bool complete = false;
  std::string stopped_reason;  // when !complete
};

// Processes `keys` (sorted ascending) in batches after the step's checkpoint. `process` writes
// a batch and returns how many of its rows (a prefix) it completed, plus why it stopped early
// (`*why`). A short batch stops the step between rows and saves the checkpoint; a complete
// pass clears it.
using BatchFn = std::function<Result<size_t>(std::span<const std::string> batch, std::string* why)>;
Result<StepProgress> RunBudgetedStep(Connection& conn, const std::string& step,
                                     std::span<const std::string> keys, size_t batch_size, const BatchFn& process);

}  // namespace custintel::store
