#include "pg/spi_cache.h"

#include "pg/pg_door.h"
#include "pg/spi.h"

namespace custintel::pg {

std::unordered_map<std::string, ai::CacheEntry> SpiCache::Lookup(const std::vector<std::string>& keys) {
  std::unordered_map<std::string, ai::CacheEntry> out;
  if (keys.empty()) return out;
  SpiSession spi;
  ExecuteWithKeys("SELECT key, output, prompt_tokens, completion_tokens FROM " + table_ + " WHERE key = ANY($1)", keys,
                  SPI_OK_SELECT);
  const int n = static_cast<int>(SPI_processed);
  for (int row = 0; row < n; ++row) {
    ai::CacheEntry e;
    e.output = SpiValue(row, 2);
    e.prompt_tokens = std::atoi(SpiValue(row, 3).c_str());
    e.completion_tokens = std::atoi(SpiValue(row, 4).c_str());
    out.emplace(SpiValue(row, 1), std::move(e));
  }
  return out;
}

Status SpiCache::Store(const std::vector<ai::CacheRecord>& records) {
  if (records.empty() || XactReadOnly) return Status::Ok();
  SpiSession spi;
  const std::string sql = "INSERT INTO " + table_ +
                          " (key, op, template, output, prompt_tokens, completion_tokens) "
                          "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING";
  for (const auto& r : records) {
    PgGuard([&] {
      Oid types[6] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT4OID, INT4OID};
      Datum values[6] = {
          PointerGetDatum(cstring_to_text_with_len(r.key.data(), static_cast<int>(r.key.size()))),
          PointerGetDatum(cstring_to_text_with_len(r.op.data(), static_cast<int>(r.op.size()))),
          PointerGetDatum(cstring_to_text_with_len(r.template_key.data(), static_cast<int>(r.template_key.size()))),
          PointerGetDatum(cstring_to_text_with_len(r.entry.output.data(), static_cast<int>(r.entry.output.size()))),
          Int32GetDatum(r.entry.prompt_tokens), Int32GetDatum(r.entry.completion_tokens)};
      int rc = SPI_execute_with_args(sql.c_str(), 6, types, values, nullptr, false, 0);
      if (rc != SPI_OK_INSERT) elog(ERROR, "custintel cache: storing an answer failed: %s", SPI_result_code_string(rc));
    });
  }
  return Status::Ok();
}

void SpiCache::MarkHits(const std::vector<std::string>& keys) {
  if (keys.empty() || XactReadOnly) return;
  SpiSession spi;
  ExecuteWithKeys("UPDATE " + table_ + " SET hits = hits + 1, last_hit_at = pg_catalog.now() WHERE key IN (SELECT key FROM " +
                      table_ + " WHERE key = ANY($1) FOR UPDATE SKIP LOCKED)",
                  keys, SPI_OK_UPDATE);
}

ai::UsageStore::Usage SpiUsageStore::Load(const std::string& scope) {
  Usage u;
  SpiSession spi;
  ExecuteWithKeys("SELECT calls, tokens FROM " + table_ + " WHERE scope = ($1::text[])[1]", {scope}, SPI_OK_SELECT);
  if (SPI_processed == 1) {
    u.calls = std::stoll(SpiValue(0, 1));
    u.tokens = std::stoll(SpiValue(0, 2));
  }
  return u;
}

void SpiUsageStore::Add(const std::string& scope, int64_t calls, int64_t tokens) {
  if (XactReadOnly) return;
  SpiSession spi;
  ExecuteWithArrays("INSERT INTO " + table_ + " AS u (scope, calls, tokens) VALUES (($1::text[])[1], "
                    "($1::text[])[2]::bigint, ($1::text[])[3]::bigint) ON CONFLICT (scope) DO UPDATE SET "
                    "calls = u.calls + excluded.calls, tokens = u.tokens + excluded.tokens, updated_at = pg_catalog.now()",
                    {{scope, std::to_string(calls), std::to_string(tokens)}}, SPI_OK_INSERT);
}

}  // namespace custintel::pg
