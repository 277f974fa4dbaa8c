#include "store/ai/ai_cache.h"

#include <fmt/format.h>

#include "core/hash.h"
#include "core/log.h"

namespace custintel::store {
namespace {

// Keys are sha256 hex, so inlining them in SQL is safe; checked anyway.
bool IsHexKey(const std::string& k) {
  if (k.size() != 64) return false;
  for (char c : k) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string InList(const std::vector<std::string>& keys, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    if (!IsHexKey(keys[i])) continue;
    if (!out.empty()) out += ',';
    out += '\'' + keys[i] + '\'';
  }
  return out;
}

constexpr size_t kKeysPerQuery = 1024;

}  // namespace

AiCache::AiCache(std::weak_ptr<Database> db, ai::ModelIdentity identity)
    : db_(std::move(db)), identity_(std::move(identity)) {}

Result<Connection> AiCache::Connect() {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (disabled_) return Status::Unavailable("AI cache disabled");
  }
  auto db = db_.lock();
  if (!db) return Status::Unavailable("AI cache: the database is closed");
  return db->Connect();
}

void AiCache::Disable(const Status& why) {
  std::lock_guard<std::mutex> lock(state_mu_);
  if (disabled_) return;
  disabled_ = true;
  LogWarn("AI cache off for this database (answers are computed but not kept): " + why.message());
}

std::unordered_map<std::string, ai::CacheEntry> AiCache::Lookup(const std::vector<std::string>& keys) {
  std::unordered_map<std::string, ai::CacheEntry> out;
  if (keys.empty()) return out;
  auto conn = Connect();
  if (!conn.ok()) return out;
  for (size_t begin = 0; begin < keys.size(); begin += kKeysPerQuery) {
    std::string in = InList(keys, begin, std::min(keys.size(), begin + kKeysPerQuery));
    if (in.empty()) continue;
    auto r = conn->Query("SELECT key, output, prompt_tokens, completion_tokens FROM meta.ai_cache WHERE key IN (" +
                         in + ")");
    if (!r.ok()) {
      Disable(r.status());
      return out;
    }
    for (size_t i = 0; i < r->row_count(); ++i) {
      out[r->GetString(0, i)] = ai::CacheEntry{r->GetString(1, i), static_cast<int>(r->GetInt64(2, i)),
                                           static_cast<int>(r->GetInt64(3, i))};
    }
  }
  return out;
}

Status AiCache::Store(const std::vector<ai::CacheRecord>& records) {
  if (records.empty()) return Status::Ok();
  std::lock_guard<std::mutex> lock(write_mu_);
  auto conn = Connect();
  if (!conn.ok()) return Status::Ok();
  auto tx = Transaction::Begin(*conn);
  if (!tx.ok()) return tx.status();
  auto stmt = conn->Prepare(
      "INSERT INTO meta.ai_cache(key, op, backend, model, model_sha256, engine_version, template_id, output, "
      "prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING");
  if (!stmt.ok()) {
    Disable(stmt.status());
    return Status::Ok();
  }
  for (const auto& r : records) {
    auto done = stmt->Execute({r.key, r.op, identity_.backend, identity_.model, identity_.model_sha256,
                               identity_.engine_version, r.template_key, r.entry.output,
                               int64_t{r.entry.prompt_tokens}, int64_t{r.entry.completion_tokens}});
    if (!done.ok()) {
      Disable(done.status());
      return Status::Ok();
    }
  }
  Status committed = tx->Commit();
  // A concurrent writer may have committed the same keys first; the answer is the same.
  if (!committed.ok()) LogDebug("AI cache store skipped: " + committed.message());
  return Status::Ok();
}

void AiCache::MarkHits(const std::vector<std::string>& keys) {
  if (keys.empty()) return;
  std::lock_guard<std::mutex> lock(write_mu_);
  auto conn = Connect();
  if (!conn.ok()) return;
  for (size_t begin = 0; begin < keys.size(); begin += kKeysPerQuery) {
    std::string in = InList(keys, begin, std::min(keys.size(), begin + kKeysPerQuery));
    if (in.empty()) continue;
    Status s = conn->Execute("UPDATE meta.ai_cache SET hits = hits + 1 WHERE key IN (" + in + ")");
    if (!s.ok()) LogDebug("AI cache hit count not updated: " + s.message());
  }
}

}  // namespace custintel::store
