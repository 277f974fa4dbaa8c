// SQL functions written in C++: scalar and aggregate functions registered through DuckDB's C
// API behind a small typed interface (store/ stays the one door to duckdb.h).
//
// A scalar function is vectorised: its callback receives a whole DuckDB chunk (up to 2048 rows)
// as decoded columns and returns one value per row, so a chunk can become one backend batch.
//
//   SqlFunction f;
//   f.name = "shout";
//   f.args = {SqlType::Varchar()};
//   f.returns = SqlType::Varchar();
//   f.scalar = [](const SqlChunk& in) -> Result<std::vector<SqlValue>> {
//     std::vector<SqlValue> out(in.rows);
//     for (size_t r = 0; r < in.rows; ++r)
//       if (!in.IsNull(0, r)) out[r] = SqlValue::Text(ToUpper(in.Text(0, r)));
//     return out;
//   };
//   CI_RETURN_IF_ERROR(RegisterFunction(conn, f));
//
// Registration is database-wide in DuckDB (the system catalog): registering a name that is
// already there with the same arguments is reported as AlreadyExists, which callers that
// register on every connection may ignore. An error Status from a callback becomes a SQL error
// whose message is the status message.
//
// Thread safety: DuckDB calls callbacks from its worker threads, possibly concurrently; the
// callbacks must be thread-safe. Registration itself belongs to the connection's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace custintel::store {

// A SQL type for function signatures: scalars, lists and structs (recursive).
struct SqlType {
  enum class Kind { kVarchar, kJson, kBigint, kInteger, kDouble, kFloat, kBoolean, kList, kStruct };
  Kind kind = Kind::kVarchar;
  std::vector<SqlType> element;                         // kList: one element type
  std::vector<std::pair<std::string, SqlType>> fields;  // kStruct: named fields, in order

  static SqlType Varchar() { return {Kind::kVarchar, {}, {}}; }
  static SqlType Json() { return {Kind::kJson, {}, {}}; }
  static SqlType Bigint() { return {Kind::kBigint, {}, {}}; }
  static SqlType Integer() { return {Kind::kInteger, {}, {}}; }
  static SqlType Double() { return {Kind::kDouble, {}, {}}; }
  static SqlType Float() { return {Kind::kFloat, {}, {}}; }
  static SqlType Boolean() { return {Kind::kBoolean, {}, {}}; }
  static SqlType List(SqlType element) { return {Kind::kList, {std::move(element)}, {}}; }
  static SqlType Struct(std::vector<std::pair<std::string, SqlType>> fields) {
    return {Kind::kStruct, {}, std::move(fields)};
  }
};

// A value going in or out of a function. Lists and structs both hold `items` (a struct's in
// field order); a FLOAT[] may use `floats` instead (no per-element boxing for embeddings).
struct SqlValue {
  enum class Kind { kNull, kBool, kInt, kDouble, kText, kFloats, kItems };
  Kind kind = Kind::kNull;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string text;
  std::vector<float> floats;
  std::vector<SqlValue> items;

  bool is_null() const { return kind == Kind::kNull; }
  static SqlValue Null() { return {}; }
  static SqlValue Bool(bool v) { SqlValue x; x.kind = Kind::kBool; x.b = v; return x; }
  static SqlValue Int(int64_t v) { SqlValue x; x.kind = Kind::kInt; x.i = v; return x; }
  static SqlValue Double(double v) { SqlValue x; x.kind = Kind::kDouble; x.d = v; return x; }
  static SqlValue Text(std::string v) { SqlValue x; x.kind = Kind::kText; x.text = std::move(v); return x; }
  static SqlValue Floats(std::vector<float> v) { SqlValue x; x.kind = Kind::kFloats; x.floats = std::move(v); return x; }
  static SqlValue Items(std::vector<SqlValue> v) { SqlValue x; x.kind = Kind::kItems; x.items = std::move(v); return x; }
};

// One chunk of input rows, decoded: columns[arg][row].
struct SqlChunk {
  size_t rows = 0;
  std::vector<std::vector<SqlValue>> columns;

  bool IsNull(size_t arg, size_t row) const { return columns[arg][row].is_null(); }
  bool AnyNull(size_t row) const;
  const std::string& Text(size_t arg, size_t row) const { return columns[arg][row].text; }
};

// Returns one value per input row (SqlValue::Null() for NULL), or an error for the whole chunk.
using ScalarCallback = std::function<Result<std::vector<SqlValue>>(const SqlChunk&)>;
// Receives every non-NULL input row of one group (rows[i][arg]) and returns the group's value.
using AggregateCallback = std::function<Result<SqlValue>(const std::vector<std::vector<SqlValue>>&)>;

struct SqlFunction {
  std::string name;
  std::vector<SqlType> args;
  SqlType returns;
  // Exactly one of the two is set.
  ScalarCallback scalar;
  AggregateCallback aggregate;
  // Volatile functions are never constant-folded or deduplicated by DuckDB.
  bool is_volatile = false;
  // Call the callback for rows with NULL arguments too (default: those rows are NULL out and
  // the callback sees them as NULL values it may ignore).
  bool handles_nulls = false;
};

// A VARCHAR -> VARCHAR function for hot paths (every cell of an ingested file): the callback
// sees each non-NULL value in place, without the chunk being decoded, and answers kKeep (the
// value as it is), kNull, or kReplace (with *replacement). A chunk whose values are all kept is
// passed through without a copy. NULL in, NULL out. The callback must be thread-safe.
enum class TextMapOutcome { kKeep, kNull, kReplace };
struct TextMapFunction {
  std::string name;
  std::function<TextMapOutcome(std::string_view value, std::string* replacement)> map;
};

// A table function, `SELECT * FROM name(arg, ...)` with constant arguments: its rows are computed
// once per query by `rows`, when the query starts executing (planning it — DESCRIBE, EXPLAIN —
// calls nothing). The callback may run queries of its own on other connections of the database
// (they commit before the calling query reads anything of theirs: it returns the rows it
// computed); it may run on one of DuckDB's worker threads, so it must be thread-safe. NULL
// arguments reach it as NULL values. An error Status fails the query with its message.
using TableRowsCallback = std::function<Result<std::vector<std::vector<SqlValue>>>(const std::vector<SqlValue>& args)>;
struct SqlTableFunction {
  std::string name;
  std::vector<SqlType> args;                              // VARCHAR, BIGINT, DOUBLE or BOOLEAN
  std::vector<std::pair<std::string, SqlType>> columns;   // the result's, in order
  TableRowsCallback rows;                                 // one value per column per row
};

// Registers `fn` on the connection's database. AlreadyExists when that name exists.
Status RegisterFunction(Connection& conn, const SqlFunction& fn);
// Registers overloads of one name together (all scalar or all aggregate, same name).
Status RegisterOverloads(Connection& conn, const std::vector<SqlFunction>& overloads);
Status RegisterTextMap(Connection& conn, const TextMapFunction& fn);
// Registers a table function on the connection's database. AlreadyExists when that name exists.
Status RegisterTableFunction(Connection& conn, const SqlTableFunction& fn);

}  // namespace custintel::store
