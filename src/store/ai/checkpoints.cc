#include "store/ai/checkpoints.h"

#include <algorithm>

namespace custintel::store {

Result<std::optional<Checkpoint>> LoadCheckpoint(Connection& conn, const std::string& step) {
  CI_ASSIGN_OR_RETURN(auto r, conn.Query("SELECT last_key, rows_done, stopped_reason FROM meta.ai_checkpoints "
                                         "WHERE step = ?",
                                         {step}));
  if (r.row_count() == 0) return std::optional<Checkpoint>();
  return std::optional<Checkpoint>(Checkpoint{r.GetString(0, 0), r.GetInt64(1, 0), r.GetString(2, 0)});
}

Status SaveCheckpoint(Connection& conn, const std::string& step, const Checkpoint& c) {
  return conn
      .Query("INSERT OR REPLACE INTO meta.ai_checkpoints(step, last_key, rows_done, stopped_reason, updated_at) "
             "VALUES (?, ?, ?, ?, current_timestamp)",
             {step, c.last_key, c.rows_done, c.stopped_reason})
      .status();
}

Status ClearCheckpoint(Connection& conn, const std::string& step) {
  return conn.Query("DELETE FROM meta.ai_checkpoints WHERE step = ?", {step}).status();
}

Result<StepProgress> RunBudgetedStep(Connection& conn, const std::string& step,
                                     std::span<const std::string> keys, size_t batch_size, const BatchFn& process) {
  CI_ASSIGN_OR_RETURN(std::optional<Checkpoint> checkpoint, LoadCheckpoint(conn, step));
  size_t start = 0;
  int64_t done_before = 0;
  if (checkpoint) {
    start = static_cast<size_t>(std::upper_bound(keys.begin(), keys.end(), checkpoint->last_key) - keys.begin());
    done_before = checkpoint->rows_done;
  }
  StepProgress p;
  p.rows_skipped = static_cast<int64_t>(start);
  batch_size = std::max<size_t>(batch_size, 1);
  for (size_t i = start; i < keys.size(); i += batch_size) {
    std::span<const std::string> batch = keys.subspan(i, std::min(batch_size, keys.size() - i));
    std::string why;
    CI_ASSIGN_OR_RETURN(size_t completed, process(batch, &why));
    p.rows_done += static_cast<int64_t>(completed);
    if (completed < batch.size()) {
      p.stopped_reason = why.empty() ? "stopped" : why;
      std::string last = i + completed > 0 ? std::string(keys[i + completed - 1]) : std::string();
      CI_RETURN_IF_ERROR(SaveCheckpoint(conn, step, {last, done_before + p.rows_done, p.stopped_reason}));
      return p;
    }
  }
  p.complete = true;
  CI_RETURN_IF_ERROR(ClearCheckpoint(conn, step));
  return p;
}

}  // namespace custintel::store
