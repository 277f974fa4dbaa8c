#include "store/ai/ai_usage.h"

#include "core/log.h"

namespace custintel::store {

ai::UsageStore::Usage AiUsage::Load(const std::string& scope) {
  Usage out;
  auto db = db_.lock();
  if (!db) return out;
  auto conn = db->Connect();
  if (!conn.ok()) return out;
  auto r = conn->Query("SELECT calls, tokens FROM meta.ai_usage WHERE scope = ?", {scope});
  if (r.ok() && r->row_count() == 1) out = {r->GetInt64(0, 0), r->GetInt64(1, 0)};
  return out;
}

void AiUsage::Add(const std::string& scope, int64_t calls, int64_t tokens) {
  auto db = db_.lock();
  if (!db) return;
  auto conn = db->Connect();
  if (!conn.ok()) return;
  Status s = conn->Query(
                     "INSERT INTO meta.ai_usage(scope, calls, tokens) VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE "
                     "SET calls = ai_usage.calls + excluded.calls, tokens = ai_usage.tokens + excluded.tokens, "
                     "updated_at = now()",
                     {scope, calls, tokens})
                 .status();
  if (!s.ok()) LogDebug("AI usage not recorded: " + s.message());
}

}  // namespace custintel::store
