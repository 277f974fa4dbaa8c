#include "models/churn/churn_model_store.h"

#include <fmt/format.h>

#include "core/hash.h"

namespace custintel::models {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr char kCreateTable[] = R"sql(
CREATE TABLE IF NOT EXISTS meta.churn_models (
  model_id BIGINT, created_at TIMESTAMPTZ, data_hash VARCHAR, mode VARCHAR, label VARCHAR,
  as_of TIMESTAMPTZ, train_cutoff TIMESTAMPTZ, valid_cutoff TIMESTAMPTZ, horizon_days INTEGER,
  features JSON, calibration JSON, metrics JSON, model_format VARCHAR, model VARCHAR, in_use BOOLEAN);
ALTER TABLE meta.churn_models ADD COLUMN IF NOT EXISTS in_use BOOLEAN)sql";

constexpr char kModelColumns[] =
    "model_id, data_hash, mode, coalesce(label, ''), as_of::VARCHAR, coalesce(train_cutoff::VARCHAR, ''), "
    "coalesce(valid_cutoff::VARCHAR, ''), horizon_days, features::VARCHAR, calibration::VARCHAR, "
    "metrics::VARCHAR, model";

// One silver table's fingerprint: rows, xor of row hashes, latest timestamp.
std::string TableFingerprint(const char* table, const char* time_column) {
  return fmt::format(
      "(SELECT count(*)::VARCHAR || ':' || coalesce(bit_xor(hash(_row_hash)), 0)::VARCHAR || ':' || "
      "coalesce(max({1})::VARCHAR, '') FROM silver.{0})",
      table, time_column);
}

store::Param NullIfEmpty(const std::string& s) {
  if (s.empty()) return std::monostate{};
  return s;
}

}  // namespace

Result<std::string> ChurnDataHash(store::Connection& conn, const std::string& key_extra) {
  std::string sql = fmt::format(
      "SELECT concat_ws('|', {}, {}, {}, {}, {}, (SELECT string_agg(column_name || ' ' || data_type, ',' "
      "ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = 'gold' "
      "AND table_name = 'customer_features'))",
      TableFingerprint("customers", "acquisition_date"), TableFingerprint("orders", "ordered_at"),
      TableFingerprint("events", "occurred_at"), TableFingerprint("reviews", "created_at"),
      TableFingerprint("tickets", "created_at"));
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(sql));
  return Sha256Builder().Add(r.GetString(0, 0)).Add(key_extra).FinishHex();
}

namespace {

// The first row of `r` (selected as kModelColumns), if any.
Result<std::optional<StoredChurnModel>> FirstModel(const store::QueryResult& r) {
  if (r.row_count() == 0) return std::optional<StoredChurnModel>();
  StoredChurnModel m;
  m.model_id = r.GetInt64(0, 0);
  m.data_hash = r.GetString(1, 0);
  m.mode = r.GetString(2, 0);
  m.label = r.GetString(3, 0);
  m.as_of = r.GetString(4, 0);
  m.train_cutoff = r.GetString(5, 0);
  m.valid_cutoff = r.GetString(6, 0);
  m.horizon_days = static_cast<int>(r.GetInt64(7, 0));
  m.features_json = r.GetString(8, 0);
  m.calibration_json = r.GetString(9, 0);
  m.metrics_json = r.GetString(10, 0);
  auto bytes = Base64Decode(r.GetString(11, 0));
  if (!bytes) return Status::Corruption(fmt::format("meta.churn_models model {} is not base64", m.model_id));
  m.model = std::move(*bytes);
  return std::optional<StoredChurnModel>(std::move(m));
}

}  // namespace

Result<std::optional<StoredChurnModel>> FindChurnModel(store::Connection& conn, const std::string& data_hash) {
  CI_RETURN_IF_ERROR(conn.Execute(kCreateTable));
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      fmt::format("SELECT {} FROM meta.churn_models WHERE data_hash = ? ORDER BY model_id DESC LIMIT 1", kModelColumns),
      {data_hash}));
  return FirstModel(r);
}

Result<std::optional<StoredChurnModel>> FindChurnModelInUse(store::Connection& conn, const std::string& label,
                                                            int horizon_days) {
  CI_RETURN_IF_ERROR(conn.Execute(kCreateTable));
  // in_use FALSE everywhere means the last full run scored with none.
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      fmt::format("SELECT {} FROM meta.churn_models WHERE coalesce(label, '') = ? AND horizon_days = ? "
                  "AND in_use IS DISTINCT FROM FALSE ORDER BY in_use NULLS LAST, model_id DESC LIMIT 1",
                  kModelColumns),
      {label, static_cast<int64_t>(horizon_days)}));
  return FirstModel(r);
}

Status MarkChurnModelInUse(store::Connection& conn, int64_t model_id, const std::string& label, int horizon_days) {
  CI_RETURN_IF_ERROR(conn.Execute(kCreateTable));
  return conn.Query("UPDATE meta.churn_models SET in_use = (model_id = ?) WHERE coalesce(label, '') = ? "
                    "AND horizon_days = ?",
                    {model_id, label, static_cast<int64_t>(horizon_days)}).status();
}

Result<int64_t> SaveChurnModel(store::Connection& conn, const StoredChurnModel& m) {
  CI_RETURN_IF_ERROR(conn.Execute(kCreateTable));
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "INSERT INTO meta.churn_models SELECT coalesce(max(model_id), 0) + 1, current_timestamp, ?, ?, ?, "
      "?::TIMESTAMPTZ, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ, ?, ?::JSON, ?::JSON, ?::JSON, 'xgboost-ubj-base64', ?, NULL "
      "FROM meta.churn_models RETURNING model_id",
      {m.data_hash, m.mode, NullIfEmpty(m.label), m.as_of, NullIfEmpty(m.train_cutoff),
       NullIfEmpty(m.valid_cutoff), static_cast<int64_t>(m.horizon_days), m.features_json, m.calibration_json,
       m.metrics_json, Base64Encode(m.model)}));
  int64_t id = r.GetInt64(0, 0);
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format("DELETE FROM meta.churn_models WHERE model_id <= {}",
                                              id - kKeptChurnModels)));
  return id;
}

std::string Base64Encode(const std::string& bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (rest == 2) v |= uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(const std::string& text) {
  if (text.size() % 4 != 0) return std::nullopt;
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      bool tail = i + 4 == text.size() && k >= 2 && c == '=';
      if (tail || pad) {
        if (c != '=') return std::nullopt;
        ++pad;
        v <<= 6;
        continue;
      }
      int d = value(c);
      if (d < 0) return std::nullopt;
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out += static_cast<char>((v >> 16) & 255);
    if (pad < 2) out += static_cast<char>((v >> 8) & 255);
    if (pad < 1) out += static_cast<char>(v & 255);
  }
  return out;
}

}  // namespace custintel::models
