#include "ingest/conform_sql.h"

#include <fmt/format.h>

#include "core/strings.h"

namespace custintel::ingest {
namespace {

using store::Connection;

// Timestamps: ISO 8601 (with or without zone; no zone = UTC), then common US and EU forms.
constexpr char kTimestampMacro[] =
    "CREATE OR REPLACE TEMP MACRO ci_ts(x) AS coalesce("
    "try_cast(x AS TIMESTAMPTZ), "
    "try_strptime(x, ['%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y', '%d.%m.%Y %H:%M:%S', "
    "'%d.%m.%Y %H:%M', '%d.%m.%Y', '%Y/%m/%d %H:%M:%S', '%Y/%m/%d'])::TIMESTAMPTZ)";

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

const char* TypeWords(ColumnKind k) {
  switch (k) {
    case ColumnKind::kTimestamp: return "a timestamp (ISO 8601, MM/DD/YYYY or DD.MM.YYYY)";
    case ColumnKind::kDouble: return "a number";
    case ColumnKind::kInteger: return "an integer";
    case ColumnKind::kBoolean: return "a boolean";
    case ColumnKind::kJson: return "valid JSON";
    default: return "text";
  }
}

std::string RawExpr(const std::string& src) { return fmt::format("nullif(trim({}), '')", QuoteIdent(src)); }

// The typed value of one contract column from its raw staged text.
std::string ValueExpr(const ContractColumn& col, const std::string& src) {
  if (src.empty()) return fmt::format("NULL::{}", SqlType(col.kind));
  std::string raw = RawExpr(src);
  switch (col.kind) {
    case ColumnKind::kText: return raw;
    case ColumnKind::kTimestamp: return fmt::format("ci_ts({})", raw);
    case ColumnKind::kJson: return fmt::format("CASE WHEN json_valid({0}) THEN {0}::JSON END", raw);
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
    if (c.required) checks.push_back({V(c.name) + " IS NULL", c.name, QuoteLiteral(c.name + " is missing")});
    if (src.empty() || c.kind == ColumnKind::kText) continue;
    checks.push_back({fmt::format("{} IS NOT NULL AND {} IS NULL", Raw(c.name), V(c.name)), c.name,
                      fmt::format("{} || ' ''' || {} || ''' is not {}'", QuoteLiteral(c.name), Raw(c.name),
                                  TypeWords(c.kind))});
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

std::string JsonObjectOf(const std::vector<std::string>& cols, const std::string& empty) {
  if (cols.empty()) return empty;
  std::string out = "json_object(";
  for (size_t i = 0; i < cols.size(); ++i) {
    out += fmt::format("{}{}, {}", i ? ", " : "", QuoteLiteral(cols[i]), QuoteIdent(cols[i]));
  }
  return out + ")";
}

std::string ConformSql(const KindContract& contract, const ConformPlan& plan) {
  std::string typed, outer, hash_parts;
  for (size_t i = 0; i < contract.columns.size(); ++i) {
    const ContractColumn& c = contract.columns[i];
    typed += fmt::format(", {} AS {}", ValueExpr(c, plan.source_of[i]), V(c.name));
    if (!plan.source_of[i].empty()) typed += fmt::format(", {} AS {}", RawExpr(plan.source_of[i]), Raw(c.name));
    outer += fmt::format("{} AS {}, ", V(c.name), QuoteIdent(c.name));
    hash_parts += fmt::format("{}::VARCHAR, ", V(c.name));
  }
  std::vector<Check> checks = ChecksFor(contract, plan);
  std::string attributes = JsonObjectOf(plan.extra, "NULL::JSON");
  return fmt::format(
      "CREATE OR REPLACE TEMP TABLE ci_conformed AS "
      "SELECT _line, {outer}attributes, hash({hash}attributes::VARCHAR) AS _row_hash, "
      "{column} AS _reject_column, {reason} AS _reject_reason "
      "FROM (SELECT _line{typed}, {attributes} AS attributes FROM ci_stage)",
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

// bronze.<kind>: the source columns verbatim (VARCHAR) + lineage. New source columns are added
// to the table as they appear; rows of older files read NULL there.
Status AppendBronze(Connection& conn, const std::string& kind, const ConformPlan& plan,
                    const std::string& path, int64_t batch_id) {
  const std::string table = "bronze." + QuoteIdent(kind);
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE TABLE IF NOT EXISTS {} (_source VARCHAR, _line BIGINT, _loaded_at TIMESTAMPTZ, "
      "_batch_id BIGINT, _row_hash UBIGINT)", table)));
  std::string cols;
  for (const auto& c : plan.staged) {
    CI_RETURN_IF_ERROR(conn.Execute(fmt::format("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} VARCHAR", table,
                                                QuoteIdent(c))));
    cols += ", " + QuoteIdent(c);
  }
  return conn.Execute(fmt::format(
      "INSERT INTO {0} BY NAME SELECT {1} AS _source, _line, current_timestamp AS _loaded_at, "
      "{2} AS _batch_id, hash({3}) AS _row_hash{4} FROM ci_stage",
      table, QuoteLiteral(path), batch_id, cols.empty() ? "NULL" : cols.substr(2), cols));
}

}  // namespace

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
    if (idx < 0 && c.required) {
      return Status::InvalidArgument(fmt::format(
          "{}: required column '{}' is missing (found: {}); nothing of this file was loaded",
          path, c.name, Join(staged, ", ")));
    }
    plan.source_of.push_back(idx < 0 ? "" : staged[idx]);
    if (idx >= 0) used[idx] = true;
  }
  for (size_t i = 0; i < staged.size(); ++i) {
    if (!used[i]) plan.extra.push_back(staged[i]);
  }
  return plan;
}

Result<MergeCounts> RunConform(Connection& conn, const KindContract& contract, const ConformPlan& plan,
                               const std::string& path, int64_t batch_id) {
  const std::string kind = QuoteLiteral(contract.kind), src = QuoteLiteral(path);
  const std::string silver = "silver." + QuoteIdent(contract.kind);
  CI_RETURN_IF_ERROR(conn.Execute(kTimestampMacro));
  CI_RETURN_IF_ERROR(AppendBronze(conn, contract.kind, plan, path, batch_id));
  CI_RETURN_IF_ERROR(conn.Execute(ConformSql(contract, plan)).WithContext(path));
  // The raw row as JSON is built only for the (few) rejected rows.
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "INSERT INTO bronze.rejects(kind, _source, _line, _batch_id, column_name, reason, raw) "
      "SELECT {}, {}, c._line, {}, c._reject_column, c._reject_reason, s.raw FROM ci_conformed c "
      "JOIN (SELECT _line, {} AS raw FROM ci_stage WHERE _line IN "
      "(SELECT _line FROM ci_conformed WHERE _reject_reason IS NOT NULL)) s USING (_line)",
      kind, src, batch_id, JsonObjectOf(plan.staged, "'{}'::JSON"))));
  std::string partition = ColumnList(contract, "");
  partition.clear();
  for (const auto& k : contract.key) partition += (partition.empty() ? "" : ", ") + QuoteIdent(k);
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE ci_good AS SELECT * FROM ci_conformed WHERE _reject_reason IS NULL "
      "QUALIFY row_number() OVER (PARTITION BY {} ORDER BY _line DESC) = 1", partition)));
  CI_ASSIGN_OR_RETURN(store::QueryResult existing, conn.Query("SELECT count(*) > 0 FROM " + silver));
  const bool first_load = !existing.GetBool(0, 0);
  // First load of a kind: nothing to compare against, so skip the anti-join and the delete.
  const std::string known = first_load ? "(SELECT NULL::UBIGINT AS _row_hash WHERE false)" : silver;
  const std::string match = first_load ? "false" : KeyMatch(contract, "s", "g");
  CI_ASSIGN_OR_RETURN(store::QueryResult c, conn.Query(fmt::format(
      "SELECT (SELECT count(*) FROM ci_stage), (SELECT count(*) FROM ci_conformed WHERE _reject_reason IS NOT NULL), "
      "count(*) FILTER (WHERE s._row_hash IS NULL), count(*) FILTER (WHERE s._row_hash <> g._row_hash), "
      "count(*) FILTER (WHERE s._row_hash = g._row_hash) FROM ci_good g LEFT JOIN {} s ON {}",
      known, match)));
  MergeCounts m{c.GetInt64(0, 0), c.GetInt64(2, 0), c.GetInt64(3, 0), c.GetInt64(4, 0), c.GetInt64(1, 0)};
  if (!first_load) {
    CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
        "DELETE FROM {0} s USING ci_good g WHERE {1} AND s._row_hash <> g._row_hash", silver, match)));
  }
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "INSERT INTO {0} ({1}attributes, _batch_id, _row_hash) SELECT {2}g.attributes, {3}, g._row_hash "
      "FROM ci_good g {4}",
      silver, ColumnList(contract, ""), ColumnList(contract, "g."), batch_id,
      first_load ? "" : fmt::format("WHERE NOT EXISTS (SELECT 1 FROM {} s WHERE {})", silver, match))));
  return m;
}

}  // namespace custintel::ingest
