#include "ingest/conform_sql.h"

#include <fmt/format.h>

#include <filesystem>

#include "core/strings.h"
#include "store/functions.h"

namespace custintel::ingest {
namespace {

using store::Connection;

// Timestamp forms beyond what a TIMESTAMPTZ cast reads (ISO 8601 with any offset), the compact
// YYYYMMDD of purchase logs (CDNOW) included. Slashes
// are month-first (US), dots and dashes day-first (EU): one rule per separator, never a guess
// per row. Every form with a time also takes a zone: an offset (%z) or a name (%Z: UTC, CET,
// Europe/Berlin); a trailing Z/UTC/GMT is rewritten to +0000 first.
std::string TimestampMacroSql() {
  static const char* kDates[] = {"%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%Y-%m-%d", "%Y-%m-%dT",
                                 "%d %b %Y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y", "%a, %d %b %Y",
                                 "%Y%m%d"};
  static const char* kTimes[] = {"%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p", "%H:%M:%S.%f"};
  // Zoned and naive forms in separate lists: in one mixed list DuckDB read a naive value in
  // the zone of an earlier zoned row.
  std::string zoned, naive;
  auto add = [](std::string& list, const std::string& f) { list += (list.empty() ? "" : ", ") + QuoteLiteral(f); };
  for (const char* d : kDates) {
    std::string date = d;
    bool iso_t = date.ends_with("T");
    for (const char* t : kTimes) {
      std::string base = iso_t ? date + t : date + " " + t;
      add(zoned, base + " %z");
      add(zoned, base + " %Z");
      add(zoned, base + "%z");
      add(naive, base);
    }
    if (!iso_t) add(naive, date);
  }
  return fmt::format(
      "CREATE OR REPLACE TEMP MACRO ci_ts(x) AS coalesce(try_cast(x AS TIMESTAMPTZ), "
      "try_strptime(x, [{1}])::TIMESTAMPTZ, "
      "try_strptime(regexp_replace(x, '\\s*(Z|UTC|GMT)$', ' +0000'), [{0}]))", zoned, naive);
}

// The length of the Unicode space separator (category Zs, what DuckDB's trim() removes) that
// starts at s[i], or 0: U+0020, U+00A0, U+1680, U+2000..U+200A, U+202F, U+205F, U+3000.
size_t SpaceAt(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  const unsigned b0 = byte(i);
  if (b0 == 0x20) return 1;
  if (b0 == 0xC2 && byte(i + 1) == 0xA0) return 2;
  if (b0 == 0xE1 && byte(i + 1) == 0x9A && byte(i + 2) == 0x80) return 3;
  if (b0 == 0xE2 && byte(i + 1) == 0x80 && ((byte(i + 2) >= 0x80 && byte(i + 2) <= 0x8A) || byte(i + 2) == 0xAF)) return 3;
  if (b0 == 0xE2 && byte(i + 1) == 0x81 && byte(i + 2) == 0x9F) return 3;
  if (b0 == 0xE3 && byte(i + 1) == 0x80 && byte(i + 2) == 0x80) return 3;
  return 0;
}

// Where the space separator that ends s[0, end) begins, or `end` when it ends otherwise.
size_t SpaceBefore(std::string_view s, size_t end) {
  for (size_t len = 1; len <= 3 && len <= end; ++len) {
    if (SpaceAt(s, end - len) == len) return end - len;
  }
  return end;
}

// ci_clean(text) = nullif(trim(text), ''), without a copy for the usual value that starts and
// ends with a visible ASCII character (a trimmed copy of every cell cost 4 of the 34 seconds
// of events.csv at 1M customers).
store::TextMapOutcome Clean(std::string_view v, std::string* out) {
  auto visible = [](char c) { return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x80; };
  if (v.empty()) return store::TextMapOutcome::kNull;
  if (visible(v.front()) && visible(v.back())) return store::TextMapOutcome::kKeep;
  size_t begin = 0, end = v.size();
  for (size_t n; begin < end && (n = SpaceAt(v, begin)) > 0;) begin += n;
  for (size_t at; end > begin && (at = SpaceBefore(v, end)) < end;) end = at;
  if (begin == end) return store::TextMapOutcome::kNull;
  if (begin == 0 && end == v.size()) return store::TextMapOutcome::kKeep;
  out->assign(v.substr(begin, end - begin));
  return store::TextMapOutcome::kReplace;
}

// Whitespace of any kind: ASCII, the Unicode space separators, zero-width space and BOM.
size_t WhitespaceAt(std::string_view s, size_t i) {
  const unsigned char b = static_cast<unsigned char>(s[i]);
  if (b == ' ' || (b >= '\t' && b <= '\r')) return 1;
  if (size_t n = SpaceAt(s, i)) return n;
  if (s.substr(i, 3) == "\u200b" || s.substr(i, 3) == "\ufeff") return 3;
  return 0;
}

bool OnlyWhitespace(std::string_view s) {
  for (size_t i = 0, n; i < s.size(); i += n) {
    if ((n = WhitespaceAt(s, i)) == 0) return false;
  }
  return true;
}

store::TextMapOutcome CleanText(std::string_view v, std::string* out) {
  const store::TextMapOutcome o = Clean(v, out);
  if (o == store::TextMapOutcome::kNull) return o;
  const std::string_view kept = o == store::TextMapOutcome::kReplace ? std::string_view(*out) : v;
  const unsigned char first = static_cast<unsigned char>(kept.front());
  if (first > 0x20 && first < 0x80) return o;  // the usual value: nothing more to look at
  return OnlyWhitespace(kept) ? store::TextMapOutcome::kNull : o;
}

}  // namespace

const char* SqlType(ColumnKind k) {
  switch (k) {
    case ColumnKind::kText: return "VARCHAR";
    case ColumnKind::kTimestamp: return "TIMESTAMPTZ";
    case ColumnKind::kDouble: return "DOUBLE";
    case ColumnKind::kInteger: return "INTEGER";
    case ColumnKind::kBoolean: return "BOOLEAN";
    case ColumnKind::kJson: return "JSON";
  }
  return "VARCHAR";
}

namespace {

const char* TypeWords(ColumnKind k) {
  switch (k) {
    case ColumnKind::kTimestamp: return "a timestamp (ISO 8601, MM/DD/YYYY or DD.MM.YYYY, optional zone)";
    case ColumnKind::kDouble: return "a number";
    case ColumnKind::kInteger: return "an integer";
    case ColumnKind::kBoolean: return "a boolean";
    case ColumnKind::kJson: return "valid JSON";
    default: return "text";
  }
}

std::string RawExpr(const std::string& src) { return fmt::format("ci_clean({})", QuoteIdent(src)); }

// The typed value of one contract column from its raw staged text.
std::string ValueExpr(const ContractColumn& col, const std::string& src, const ConformPlan& plan) {
  if (src.empty() && col.name == plan.line_key) {
    return fmt::format("({} || _line::VARCHAR)", QuoteLiteral(plan.line_key_prefix));
  }
  if (src.empty()) return fmt::format("NULL::{}", SqlType(col.kind));
  std::string raw = RawExpr(src);
  switch (col.kind) {
    case ColumnKind::kText: return fmt::format("ci_text({})", QuoteIdent(src));
    case ColumnKind::kTimestamp: return fmt::format("ci_ts({})", raw);
    case ColumnKind::kJson: return fmt::format("try_cast({} AS JSON)", raw);
    case ColumnKind::kInteger:
      return fmt::format("coalesce(try_cast({0} AS INTEGER), CASE WHEN try_cast({0} AS DOUBLE) = "
                         "round(try_cast({0} AS DOUBLE)) THEN try_cast({0} AS DOUBLE)::INTEGER END)", raw);
    default: return fmt::format("try_cast({} AS {})", raw, SqlType(col.kind));
  }
}

struct Check {
  std::string condition;  // SQL over v_<col> (typed) and raw columns
  std::string column;
  std::string reason;     // SQL string expression
};

std::string V(const std::string& col) { return QuoteIdent("v_" + col); }
// The trimmed source text of a contract column, as the inner query exposes it.
std::string Raw(const std::string& col) { return QuoteIdent("raw_" + col); }

std::vector<Check> ChecksFor(const KindContract& contract, const ConformPlan& plan) {
  std::vector<Check> checks;
  for (size_t i = 0; i < contract.columns.size(); ++i) {
    const ContractColumn& c = contract.columns[i];
    const std::string& src = plan.source_of[i];
    // The type error first: "ordered_at 'bad' is not a timestamp" says more than "missing".
    if (!src.empty() && c.kind != ColumnKind::kText) {
      checks.push_back({fmt::format("{} IS NOT NULL AND {} IS NULL", Raw(c.name), V(c.name)), c.name,
                        fmt::format("{} || ' ''' || {} || ''' is not {}'", QuoteLiteral(c.name), Raw(c.name),
                                    TypeWords(c.kind))});
    }
    if (c.required) checks.push_back({V(c.name) + " IS NULL", c.name, QuoteLiteral(c.name + " is missing")});
  }
  auto has = [&](const std::string& name) {
    for (size_t i = 0; i < contract.columns.size(); ++i) {
      if (contract.columns[i].name == name) return !plan.source_of[i].empty();
    }
    return false;
  };
  for (const char* rated : {"rating", "satisfaction_score"}) {
    if (!has(rated)) continue;
    checks.push_back({fmt::format("{0} IS NOT NULL AND {0} NOT BETWEEN 1 AND 5", V(rated)), rated,
                      fmt::format("'{} ' || {} || ' is outside 1..5'", rated, V(rated))});
  }
  if (has("amount")) {
    std::string status = has("status") ? fmt::format("coalesce(lower({}), '')", V("status")) : "''";
    checks.push_back({fmt::format("{} < 0 AND {} NOT SIMILAR TO '.*(refund|return|cancel|credit).*'",
                                  V("amount"), status),
                      "amount", fmt::format("'amount ' || {} || ' is negative but the order is not a refund'",
                                            V("amount"))});
  }
  // Prices are never negative: a return is a negative quantity (order_lines: an "Adjust bad
  // debt" line with a negative price is not a sale and is quarantined).
  if (has("unit_price")) {
    checks.push_back({V("unit_price") + " < 0", "unit_price",
                      fmt::format("'unit_price ' || {} || ' is negative'", V("unit_price"))});
  }
  if (has("email")) {
    checks.push_back({fmt::format("{0} IS NOT NULL AND NOT regexp_full_match({0}, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+')",
                                  V("email")),
                      "email", fmt::format("'email ''' || {} || ''' is not an e-mail address'", V("email"))});
  }
  return checks;
}

std::string CaseOf(const std::vector<Check>& checks, bool reason) {
  if (checks.empty()) return "NULL::VARCHAR";
  std::string out = "CASE";
  for (const auto& c : checks) {
    out += fmt::format(" WHEN {} THEN {}", c.condition, reason ? c.reason : QuoteLiteral(c.column));
  }
  return out + " END";
}

std::string JsonObjectOf(const std::vector<std::string>& cols, const std::string& empty,
                         const std::string& prefix = "") {
  if (cols.empty()) return empty;
  std::string out = "json_object(";
  for (size_t i = 0; i < cols.size(); ++i) {
    out += fmt::format("{}{}, {}{}", i ? ", " : "", QuoteLiteral(cols[i]), prefix, QuoteIdent(cols[i]));
  }
  return out + ")";
}

std::string ConformSql(const KindContract& contract, const ConformPlan& plan, const StageTables& t) {
  std::string typed, outer, hash_parts;
  for (size_t i = 0; i < contract.columns.size(); ++i) {
    const ContractColumn& c = contract.columns[i];
    typed += fmt::format(", {} AS {}", ValueExpr(c, plan.source_of[i], plan), V(c.name));
    if (!plan.source_of[i].empty()) typed += fmt::format(", {} AS {}", RawExpr(plan.source_of[i]), Raw(c.name));
    outer += fmt::format("{} AS {}, ", V(c.name), QuoteIdent(c.name));
    hash_parts += V(c.name) + ", ";
  }
  std::vector<Check> checks = ChecksFor(contract, plan);
  std::string attributes = JsonObjectOf(plan.extra, "NULL::JSON");
  return fmt::format(
      "CREATE OR REPLACE TEMP TABLE {conformed} AS "
      "SELECT _line, {outer}attributes, hash({hash}attributes) AS _row_hash, "
      "{column} AS _reject_column, {reason} AS _reject_reason "
      "FROM (SELECT _line{typed}, {attributes} AS attributes FROM {rows})",
      fmt::arg("conformed", t.conformed()), fmt::arg("rows", t.rows()),
      fmt::arg("outer", outer), fmt::arg("hash", hash_parts), fmt::arg("column", CaseOf(checks, false)),
      fmt::arg("reason", CaseOf(checks, true)), fmt::arg("typed", typed), fmt::arg("attributes", attributes));
}

std::string KeyMatch(const KindContract& contract, const char* a, const char* b) {
  std::string out;
  for (const auto& k : contract.key) {
    out += fmt::format("{}{}.{} = {}.{}", out.empty() ? "" : " AND ", a, QuoteIdent(k), b, QuoteIdent(k));
  }
  return out;
}

std::string ColumnList(const KindContract& contract, const char* prefix) {
  std::string out;
  for (const auto& c : contract.columns) out += fmt::format("{}{}, ", prefix, QuoteIdent(c.name));
  return out;
}

// The rows of the batch's bronze file: lineage, then the source columns verbatim (VARCHAR), in
// file order. _row_hash is hash() of the source values.
std::string BronzeSelect(const ConformPlan& plan, const StageTables& t, const std::string& source, int64_t batch_id) {
  std::string cols;
  for (const auto& c : plan.staged) cols += ", " + QuoteIdent(c);
  return fmt::format(
      "SELECT {0}::VARCHAR AS _source, _line::BIGINT AS _line, current_timestamp AS _loaded_at, "
      "{1}::BIGINT AS _batch_id, hash({2}) AS _row_hash{3} FROM {4}",
      QuoteLiteral(source), batch_id, cols.empty() ? "NULL" : cols.substr(2), cols, t.rows());
}

// Bronze keeps one copy of a file's content, as silver keeps one row per content hash: a file
// whose parsed rows (columns, line numbers, values) and unparseable-line count match a file
// loaded before into the same kind is not kept again (nor are its rejects).
Status ComputeContentKey(Connection& conn, const ConformPlan& plan, ConformInput* in) {
  std::string cols;
  for (const auto& c : plan.staged) cols += ", " + QuoteIdent(c);
  CI_ASSIGN_OR_RETURN(store::QueryResult h, conn.Query(fmt::format(
      "SELECT count(*), coalesce(bit_xor(hash(_line{})), 0)::VARCHAR FROM {}", cols, in->tables.rows())));
  in->content_rows = h.GetInt64(0, 0);
  in->content_key = fmt::format("{}|{}|{}|{}", Join(plan.staged, ","), in->content_rows, h.GetString(1, 0),
                                in->parse_rejects);
  return Status::Ok();
}

Result<bool> ContentSeen(Connection& conn, const std::string& kind, const std::string& key) {
  CI_ASSIGN_OR_RETURN(store::QueryResult seen, conn.Query(
      "SELECT count(*) FROM meta.bronze_files WHERE kind = ? AND content_key = ?", {kind, key}));
  return seen.GetInt64(0, 0) > 0;
}

// Inside the batch's transaction: whether bronze holds the content already (then nothing of
// the file is kept again); otherwise its key is recorded.
Result<bool> BronzeHasContent(Connection& conn, const std::string& kind, const ConformInput& in,
                              const std::string& source, int64_t batch_id) {
  CI_ASSIGN_OR_RETURN(bool seen, ContentSeen(conn, kind, in.content_key));
  if (seen) return true;
  CI_RETURN_IF_ERROR(conn.Query("INSERT INTO meta.bronze_files VALUES (?, ?, ?, ?, ?, current_timestamp)",
                                {kind, in.content_key, in.content_rows, source, batch_id})
                         .status());
  return false;
}

// Rejected rows → bronze.rejects: conformance failures with the raw row as JSON (built only
// for them), and rows the reader could not parse with their raw line.
Status Quarantine(Connection& conn, const KindContract& contract, const ConformPlan& plan,
                  const ConformInput& in, const std::string& source, int64_t batch_id) {
  const std::string kind = QuoteLiteral(contract.kind), src = QuoteLiteral(source);
  if (in.conform_rejects > 0) {
    CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
        "INSERT INTO bronze.rejects(kind, _source, _line, _batch_id, column_name, reason, raw) "
        "SELECT {}, {}, c._line, {}, c._reject_column, c._reject_reason, {} FROM {} c "
        "JOIN {} s USING (_line) WHERE c._reject_reason IS NOT NULL ORDER BY c._line",
        kind, src, batch_id, JsonObjectOf(plan.staged, "'{}'::JSON", "s."), in.tables.conformed(),
        in.tables.rows())));
  }
  if (in.parse_rejects == 0) return Status::Ok();
  return conn.Execute(fmt::format(
      "INSERT INTO bronze.rejects(kind, _source, _line, _batch_id, column_name, reason, raw) "
      "SELECT {}, {}, _line, {}, column_name, reason, json_object('line', raw_line) FROM {} "
      "ORDER BY _line", kind, src, batch_id, in.tables.parse_rejects()));
}

std::string KeyList(const KindContract& contract) {
  std::string out;
  for (const auto& k : contract.key) out += (out.empty() ? "" : ", ") + QuoteIdent(k);
  return out;
}

// The good rows, one per natural key (the later line wins; order_items lines of one product
// in one order add up). The dedupe runs only when the file repeats a key: a grouped count is
// far cheaper than partitioning every row, and grouping by the key's 64-bit hash cheaper than
// by its strings. Equal keys hash alike, so a repeated key is never missed; a hash collision
// only runs the exact query for nothing. A derived kind (no key) keeps every good row:
// order_lines sums repeated lines itself.
Status GoodRows(Connection& conn, const KindContract& contract, const StageTables& t, ConformInput* in) {
  in->good = fmt::format("(SELECT * FROM {} WHERE _reject_reason IS NULL)", t.conformed());
  if (contract.key.empty()) return Status::Ok();
  CI_ASSIGN_OR_RETURN(store::QueryResult dups, conn.Query(fmt::format(
      "SELECT count(*) FROM (SELECT 1 FROM {} WHERE _reject_reason IS NULL GROUP BY hash({}) "
      "HAVING count(*) > 1)", t.conformed(), KeyList(contract))));
  if (dups.GetInt64(0, 0) == 0) return Status::Ok();
  if (contract.kind == "order_items") {
    // One row per (order, product): Σ quantity (a line without one is one unit, counted), the
    // unit price that keeps Σ quantity × unit_price, the latest line's other columns.
    in->merged_by_sum = true;
    CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
        "CREATE OR REPLACE TEMP TABLE {0} AS SELECT *, hash(order_id, product_id, quantity, unit_price, attributes) "
        "AS _row_hash FROM (SELECT max(_line) AS _line, order_id, product_id, "
        "CASE WHEN count(*) = 1 THEN any_value(quantity) ELSE sum(coalesce(quantity, 1)) END AS quantity, "
        "CASE WHEN count(*) = 1 THEN any_value(unit_price) WHEN count(unit_price) = count(*) AND "
        "sum(coalesce(quantity, 1)) <> 0 THEN sum(coalesce(quantity, 1) * unit_price) / sum(coalesce(quantity, 1)) "
        "END AS unit_price, arg_max(attributes, _line) AS attributes, NULL::VARCHAR AS _reject_column, "
        "NULL::VARCHAR AS _reject_reason, count(*) AS _lines, count(*) FILTER (WHERE quantity IS NULL) AS _no_qty "
        "FROM {1} WHERE _reject_reason IS NULL GROUP BY order_id, product_id)",
        t.good(), t.conformed())));
    CI_ASSIGN_OR_RETURN(store::QueryResult c, conn.Query(fmt::format(
        "SELECT coalesce(sum(_lines - 1), 0), coalesce(sum(_no_qty) FILTER (WHERE _lines > 1), 0) FROM {}", t.good())));
    in->merged_lines = c.GetInt64(0, 0);
    in->defaulted_quantity = c.GetInt64(1, 0);
    in->good = t.good();
    return Status::Ok();
  }
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS SELECT * FROM {} WHERE _reject_reason IS NULL "
      "QUALIFY row_number() OVER (PARTITION BY {} ORDER BY _line DESC) = 1", t.good(), t.conformed(),
      KeyList(contract))));
  CI_ASSIGN_OR_RETURN(store::QueryResult n, conn.Query(fmt::format(
      "SELECT (SELECT count(*) FROM {} WHERE _reject_reason IS NULL) - (SELECT count(*) FROM {})", t.conformed(),
      t.good())));
  in->merged_lines = n.GetInt64(0, 0);
  in->good = t.good();
  return Status::Ok();
}

// Before silver rows are replaced: whose they were (meta.replaced_rows, 0010_incremental.sql),
// so an incremental run also recomputes the customer a changed row moved away from.
Status RecordReplaced(Connection& conn, const KindContract& contract, const std::string& good,
                      const std::string& match, int64_t batch_id) {
  const std::string& kind = contract.kind;
  std::string owner = "s.customer_id", product = "NULL", join;
  if (kind == "order_items") {
    owner = "o.customer_id";
    join = "LEFT JOIN silver.orders o ON o.order_id = s.order_id";
  } else if (kind == "products") {
    owner = "NULL";
    product = "s.product_id";
  } else if (kind == "notes") {
    owner = "NULL";
  }
  return conn.Execute(fmt::format(
      "INSERT INTO meta.replaced_rows(batch_id, kind, replaced_batch_id, customer_id, product_id) "
      "SELECT {0}, {1}, s._batch_id, {2}, {3} FROM silver.{4} s JOIN {5} g ON {6} {7} "
      "WHERE s._row_hash <> g._row_hash",
      batch_id, QuoteLiteral(kind), owner, product, QuoteIdent(kind), good, match, join));
}

}  // namespace

Status MergeIntoSilver(Connection& conn, const KindContract& contract, const std::string& good, int64_t batch_id,
                       MergeCounts* m) {
  const std::string silver = "silver." + QuoteIdent(contract.kind);
  CI_ASSIGN_OR_RETURN(store::QueryResult existing, conn.Query("SELECT count(*) > 0 FROM " + silver));
  const std::string insert = fmt::format(
      "INSERT INTO {0} ({1}attributes, _batch_id, _row_hash) SELECT {2}g.attributes, {3}, g._row_hash FROM {4} g",
      silver, ColumnList(contract, ""), ColumnList(contract, "g."), batch_id, good);
  if (!existing.GetBool(0, 0)) {
    CI_ASSIGN_OR_RETURN(store::QueryResult n, conn.Query(insert));
    m->loaded = n.rows_changed();
    m->into_empty = true;
    return Status::Ok();
  }
  const std::string match = KeyMatch(contract, "s", "g");
  CI_ASSIGN_OR_RETURN(store::QueryResult c, conn.Query(fmt::format(
      "SELECT count(*) FILTER (WHERE s._row_hash IS NULL), count(*) FILTER (WHERE s._row_hash <> g._row_hash), "
      "count(*) FILTER (WHERE s._row_hash = g._row_hash) FROM {} g LEFT JOIN {} s ON {}", good, silver, match)));
  m->loaded = c.GetInt64(0, 0);
  m->updated = c.GetInt64(1, 0);
  m->unchanged = c.GetInt64(2, 0);
  if (m->loaded + m->updated == 0) return Status::Ok();
  if (m->updated > 0) {
    CI_RETURN_IF_ERROR(RecordReplaced(conn, contract, good, match, batch_id));
    CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
        "DELETE FROM {0} s USING {1} g WHERE {2} AND s._row_hash <> g._row_hash", silver, good, match)));
  }
  return conn.Execute(fmt::format("{} WHERE NOT EXISTS (SELECT 1 FROM {} s WHERE {})", insert, silver, match));
}

Result<ConformPlan> PlanConform(const KindContract& contract, const std::vector<std::string>& staged,
                                const std::map<std::string, std::string>& column_map,
                                const std::string& path) {
  ConformPlan plan;
  plan.staged = staged;
  std::vector<bool> used(staged.size(), false);
  auto find = [&](const std::string& want) -> int {
    for (size_t i = 0; i < staged.size(); ++i) {
      if (ToLower(Trim(staged[i])) == ToLower(want)) return static_cast<int>(i);
    }
    return -1;
  };
  for (const auto& [target, source] : column_map) {
    bool known = false;
    for (const auto& c : contract.columns) known |= c.name == target;
    if (!known) {
      return Status::InvalidArgument(fmt::format("--map {}={}: '{}' is not a column of {}", target, source,
                                                 target, contract.kind));
    }
    if (find(source) < 0) {
      return Status::InvalidArgument(fmt::format("{}: --map {}={}: the file has no column '{}'", path,
                                                 target, source, source));
    }
  }
  for (const auto& c : contract.columns) {
    auto mapped = column_map.find(c.name);
    int idx = find(mapped != column_map.end() ? mapped->second : c.name);
    if (idx < 0 && c.required && KeyFromLine(contract) && c.name == contract.key[0]) {
      plan.line_key = c.name;
      plan.line_key_prefix = std::filesystem::path(path).filename().string() + ":";
    } else if (idx < 0 && c.required) {
      return Status::InvalidArgument(fmt::format(
          "{}: required column '{}' is missing (found: {}); nothing of this file was loaded. Name the "
          "column that holds it with --map {}=<column>",
          path, c.name, Join(staged, ", "), c.name));
    }
    plan.source_of.push_back(idx < 0 ? "" : staged[idx]);
    if (idx >= 0) used[idx] = true;
  }
  for (size_t i = 0; i < staged.size(); ++i) {
    if (!used[i]) plan.extra.push_back(staged[i]);
  }
  return plan;
}

Status CreateTimestampMacro(Connection& conn) {
  return conn.Execute(TimestampMacroSql());
}

Status CreateTextFunction(Connection& conn) {
  Status st = store::RegisterTextMap(conn, {"ci_text", CleanText});
  return st.code() == StatusCode::kAlreadyExists ? Status::Ok() : st;
}

Status CreateCleanFunction(Connection& conn) {
  Status st = store::RegisterTextMap(conn, {"ci_clean", Clean});
  return st.code() == StatusCode::kAlreadyExists ? Status::Ok() : st;
}

Result<ConformInput> PrepareConform(Connection& conn, const KindContract& contract, const ConformPlan& plan,
                                    const StageTables& tables, int64_t parse_rejects, const std::string& source) {
  CI_RETURN_IF_ERROR(CreateTimestampMacro(conn));
  CI_RETURN_IF_ERROR(CreateCleanFunction(conn));
  CI_RETURN_IF_ERROR(CreateTextFunction(conn));
  ConformInput in{tables};
  in.parse_rejects = parse_rejects;
  CI_RETURN_IF_ERROR(conn.Execute(ConformSql(contract, plan, tables)).WithContext(source));
  CI_ASSIGN_OR_RETURN(store::QueryResult c, conn.Query(fmt::format(
      "SELECT count(*), count(*) FILTER (WHERE _reject_reason IS NOT NULL) FROM {}", tables.conformed())));
  in.rows = c.GetInt64(0, 0);
  in.conform_rejects = c.GetInt64(1, 0);
  CI_RETURN_IF_ERROR(GoodRows(conn, contract, tables, &in));
  return in;
}

Status PrepareBronze(Connection& conn, const KindContract& contract, const ConformPlan& plan,
                     const std::string& source, int64_t batch_id, ConformInput* in) {
  in->batch_id = batch_id;
  CI_RETURN_IF_ERROR(ComputeContentKey(conn, plan, in));
  CI_ASSIGN_OR_RETURN(bool seen, ContentSeen(conn, contract.kind, in->content_key));
  if (seen) return Status::Ok();
  CI_ASSIGN_OR_RETURN(in->bronze, store::WriteBronzeBatch(conn, contract.kind, batch_id,
                                                          BronzeSelect(plan, in->tables, source, batch_id)));
  return Status::Ok();
}

Result<MergeCounts> WriteConformed(Connection& conn, const KindContract& contract, const ConformPlan& plan,
                                   ConformInput& in, const std::string& source) {
  MergeCounts m;
  m.rows_read = in.rows + in.parse_rejects;
  m.rejected = in.conform_rejects + in.parse_rejects;
  CI_ASSIGN_OR_RETURN(bool seen, BronzeHasContent(conn, contract.kind, in, source, in.batch_id));
  if (seen) {
    in.bronze.Discard();  // an earlier file of this very batch had the same content
  } else {
    if (!in.bronze.empty()) CI_RETURN_IF_ERROR(store::PublishBronzeBatch(conn, &in.bronze));
    CI_RETURN_IF_ERROR(Quarantine(conn, contract, plan, in, source, in.batch_id));
  }
  if (contract.key.empty()) return m;  // derived kinds are merged by their own writer (order_lines.h)
  CI_RETURN_IF_ERROR(MergeIntoSilver(conn, contract, in.good, in.batch_id, &m));
  return m;
}

}  // namespace custintel::ingest
