#include "store/functions.h"

#include <duckdb.h>

#include <algorithm>
#include <cstring>
#include <exception>

namespace custintel::store {
namespace {

using Kind = SqlType::Kind;

// Owns a duckdb_logical_type.
struct LogicalType {
  duckdb_logical_type t = nullptr;
  explicit LogicalType(duckdb_logical_type x) : t(x) {}
  ~LogicalType() { if (t) duckdb_destroy_logical_type(&t); }
  LogicalType(const LogicalType&) = delete;
  LogicalType& operator=(const LogicalType&) = delete;
};

duckdb_logical_type MakeType(const SqlType& type) {
  switch (type.kind) {
    case Kind::kVarchar: return duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
    case Kind::kJson: {
      duckdb_logical_type t = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
      duckdb_logical_type_set_alias(t, "JSON");
      return t;
    }
    case Kind::kBigint: return duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
    case Kind::kInteger: return duckdb_create_logical_type(DUCKDB_TYPE_INTEGER);
    case Kind::kDouble: return duckdb_create_logical_type(DUCKDB_TYPE_DOUBLE);
    case Kind::kFloat: return duckdb_create_logical_type(DUCKDB_TYPE_FLOAT);
    case Kind::kBoolean: return duckdb_create_logical_type(DUCKDB_TYPE_BOOLEAN);
    case Kind::kList: {
      LogicalType child(MakeType(type.element.at(0)));
      return duckdb_create_list_type(child.t);
    }
    case Kind::kStruct: {
      std::vector<duckdb_logical_type> types;
      std::vector<const char*> names;
      for (const auto& [name, t] : type.fields) {
        types.push_back(MakeType(t));
        names.push_back(name.c_str());
      }
      duckdb_logical_type out = duckdb_create_struct_type(types.data(), names.data(), types.size());
      for (auto& t : types) duckdb_destroy_logical_type(&t);
      return out;
    }
  }
  return duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
}

bool RowValid(duckdb_vector v, idx_t row) {
  uint64_t* validity = duckdb_vector_get_validity(v);
  return validity == nullptr || duckdb_validity_row_is_valid(validity, row);
}

SqlValue ReadValue(duckdb_vector v, const SqlType& type, idx_t row) {
  if (!RowValid(v, row)) return SqlValue::Null();
  void* data = duckdb_vector_get_data(v);
  switch (type.kind) {
    case Kind::kVarchar:
    case Kind::kJson: {
      auto* s = static_cast<duckdb_string_t*>(data) + row;
      return SqlValue::Text(std::string(duckdb_string_t_data(s), duckdb_string_t_length(*s)));
    }
    case Kind::kBigint: return SqlValue::Int(static_cast<int64_t*>(data)[row]);
    case Kind::kInteger: return SqlValue::Int(static_cast<int32_t*>(data)[row]);
    case Kind::kDouble: return SqlValue::Double(static_cast<double*>(data)[row]);
    case Kind::kFloat: return SqlValue::Double(static_cast<float*>(data)[row]);
    case Kind::kBoolean: return SqlValue::Bool(static_cast<bool*>(data)[row]);
    case Kind::kList: {
      const duckdb_list_entry& e = static_cast<duckdb_list_entry*>(data)[row];
      duckdb_vector child = duckdb_list_vector_get_child(v);
      std::vector<SqlValue> items;
      items.reserve(e.length);
      for (uint64_t k = 0; k < e.length; ++k) items.push_back(ReadValue(child, type.element[0], e.offset + k));
      return SqlValue::Items(std::move(items));
    }
    case Kind::kStruct: {
      std::vector<SqlValue> items;
      for (size_t f = 0; f < type.fields.size(); ++f) {
        items.push_back(ReadValue(duckdb_struct_vector_get_child(v, f), type.fields[f].second, row));
      }
      return SqlValue::Items(std::move(items));
    }
  }
  return SqlValue::Null();
}

void SetNull(duckdb_vector v, idx_t row) {
  duckdb_vector_ensure_validity_writable(v);
  duckdb_validity_set_row_invalid(duckdb_vector_get_validity(v), row);
}

double AsDouble(const SqlValue& x) {
  if (x.kind == SqlValue::Kind::kInt) return static_cast<double>(x.i);
  if (x.kind == SqlValue::Kind::kBool) return x.b ? 1 : 0;
  return x.d;
}

int64_t AsInt(const SqlValue& x) {
  if (x.kind == SqlValue::Kind::kDouble) return static_cast<int64_t>(x.d);
  if (x.kind == SqlValue::Kind::kBool) return x.b ? 1 : 0;
  return x.i;
}

void WriteValue(duckdb_vector v, const SqlType& type, idx_t row, const SqlValue& x);

void WriteList(duckdb_vector v, const SqlType& type, idx_t row, const SqlValue& x) {
  const bool floats = x.kind == SqlValue::Kind::kFloats;
  const idx_t n = floats ? x.floats.size() : x.items.size();
  const idx_t base = duckdb_list_vector_get_size(v);
  duckdb_list_vector_reserve(v, base + n);
  duckdb_vector child = duckdb_list_vector_get_child(v);
  for (idx_t k = 0; k < n; ++k) {
    WriteValue(child, type.element[0], base + k, floats ? SqlValue::Double(x.floats[k]) : x.items[k]);
  }
  duckdb_list_vector_set_size(v, base + n);
  auto* entries = static_cast<duckdb_list_entry*>(duckdb_vector_get_data(v));
  entries[row] = {base, n};
}

void WriteValue(duckdb_vector v, const SqlType& type, idx_t row, const SqlValue& x) {
  if (x.is_null()) {
    SetNull(v, row);
    if (type.kind == Kind::kList) static_cast<duckdb_list_entry*>(duckdb_vector_get_data(v))[row] = {0, 0};
    return;
  }
  void* data = duckdb_vector_get_data(v);
  switch (type.kind) {
    case Kind::kVarchar:
    case Kind::kJson: duckdb_vector_assign_string_element_len(v, row, x.text.data(), x.text.size()); return;
    case Kind::kBigint: static_cast<int64_t*>(data)[row] = AsInt(x); return;
    case Kind::kInteger: static_cast<int32_t*>(data)[row] = static_cast<int32_t>(AsInt(x)); return;
    case Kind::kDouble: static_cast<double*>(data)[row] = AsDouble(x); return;
    case Kind::kFloat: static_cast<float*>(data)[row] = static_cast<float>(AsDouble(x)); return;
    case Kind::kBoolean: static_cast<bool*>(data)[row] = x.kind == SqlValue::Kind::kBool ? x.b : AsInt(x) != 0; return;
    case Kind::kList: WriteList(v, type, row, x); return;
    case Kind::kStruct:
      for (size_t f = 0; f < type.fields.size(); ++f) {
        duckdb_vector child = duckdb_struct_vector_get_child(v, f);
        WriteValue(child, type.fields[f].second, row, f < x.items.size() ? x.items[f] : SqlValue::Null());
      }
      return;
  }
}

SqlChunk Decode(duckdb_data_chunk input, const std::vector<SqlType>& args) {
  SqlChunk chunk;
  chunk.rows = duckdb_data_chunk_get_size(input);
  chunk.columns.resize(args.size());
  for (size_t a = 0; a < args.size(); ++a) {
    duckdb_vector v = duckdb_data_chunk_get_vector(input, a);
    chunk.columns[a].reserve(chunk.rows);
    for (idx_t r = 0; r < chunk.rows; ++r) chunk.columns[a].push_back(ReadValue(v, args[a], r));
  }
  return chunk;
}

// --- scalar -----------------------------------------------------------------------------------

void ScalarTrampoline(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const auto* fn = static_cast<const SqlFunction*>(duckdb_scalar_function_get_extra_info(info));
  try {
    SqlChunk chunk = Decode(input, fn->args);
    Result<std::vector<SqlValue>> out = fn->scalar(chunk);
    if (!out.ok()) return duckdb_scalar_function_set_error(info, out.status().message().c_str());
    if (out->size() != chunk.rows) {
      return duckdb_scalar_function_set_error(info, (fn->name + ": returned the wrong number of rows").c_str());
    }
    for (idx_t r = 0; r < chunk.rows; ++r) {
      const bool null_in = !fn->handles_nulls && chunk.AnyNull(r);
      WriteValue(output, fn->returns, r, null_in ? SqlValue::Null() : (*out)[r]);
    }
  } catch (const std::exception& e) {
    duckdb_scalar_function_set_error(info, (fn->name + ": internal error: " + e.what()).c_str());
  }
}

void DeleteFunction(void* p) { delete static_cast<SqlFunction*>(p); }

duckdb_scalar_function MakeScalar(const SqlFunction& fn) {
  duckdb_scalar_function f = duckdb_create_scalar_function();
  duckdb_scalar_function_set_name(f, fn.name.c_str());
  for (const auto& a : fn.args) {
    LogicalType t(MakeType(a));
    duckdb_scalar_function_add_parameter(f, t.t);
  }
  LogicalType ret(MakeType(fn.returns));
  duckdb_scalar_function_set_return_type(f, ret.t);
  if (fn.is_volatile) duckdb_scalar_function_set_volatile(f);
  if (fn.handles_nulls) duckdb_scalar_function_set_special_handling(f);
  duckdb_scalar_function_set_extra_info(f, new SqlFunction(fn), DeleteFunction);
  duckdb_scalar_function_set_function(f, ScalarTrampoline);
  return f;
}

// --- text map -------------------------------------------------------------------------------

struct TextMapOutcomeRow {
  TextMapOutcome outcome;
  std::string replacement;
};

void TextMapTrampoline(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const auto* fn = static_cast<const TextMapFunction*>(duckdb_scalar_function_get_extra_info(info));
  try {
    const idx_t rows = duckdb_data_chunk_get_size(input);
    duckdb_vector in = duckdb_data_chunk_get_vector(input, 0);
    auto* data = static_cast<duckdb_string_t*>(duckdb_vector_get_data(in));
    // Rows the callback does not keep, in row order; most chunks have none.
    std::vector<std::pair<idx_t, TextMapOutcomeRow>> changed;
    std::string replacement;
    for (idx_t r = 0; r < rows; ++r) {
      if (!RowValid(in, r)) continue;
      std::string_view value(duckdb_string_t_data(data + r), duckdb_string_t_length(data[r]));
      TextMapOutcome o = fn->map(value, &replacement);
      if (o != TextMapOutcome::kKeep) changed.push_back({r, {o, o == TextMapOutcome::kReplace ? replacement : ""}});
    }
    if (changed.empty()) return duckdb_vector_reference_vector(output, in);
    size_t next = 0;
    for (idx_t r = 0; r < rows; ++r) {
      if (!RowValid(in, r)) {
        SetNull(output, r);
        continue;
      }
      if (next < changed.size() && changed[next].first == r) {
        const TextMapOutcomeRow& c = changed[next++].second;
        if (c.outcome == TextMapOutcome::kNull) {
          SetNull(output, r);
        } else {
          duckdb_vector_assign_string_element_len(output, r, c.replacement.data(), c.replacement.size());
        }
        continue;
      }
      duckdb_vector_assign_string_element_len(output, r, duckdb_string_t_data(data + r), duckdb_string_t_length(data[r]));
    }
  } catch (const std::exception& e) {
    duckdb_scalar_function_set_error(info, (fn->name + ": internal error: " + e.what()).c_str());
  }
}

void DeleteTextMap(void* p) { delete static_cast<TextMapFunction*>(p); }

// --- aggregate --------------------------------------------------------------------------------

// The state DuckDB allocates holds one pointer to the rows collected so far.
using Rows = std::vector<std::vector<SqlValue>>;
Rows*& StateRows(duckdb_aggregate_state s) { return *reinterpret_cast<Rows**>(s); }

idx_t AggStateSize(duckdb_function_info) { return sizeof(Rows*); }
void AggInit(duckdb_function_info, duckdb_aggregate_state s) { StateRows(s) = nullptr; }

void AggUpdate(duckdb_function_info info, duckdb_data_chunk input, duckdb_aggregate_state* states) {
  const auto* fn = static_cast<const SqlFunction*>(duckdb_aggregate_function_get_extra_info(info));
  try {
    SqlChunk chunk = Decode(input, fn->args);
    for (idx_t r = 0; r < chunk.rows; ++r) {
      if (chunk.AnyNull(r)) continue;
      Rows*& rows = StateRows(states[r]);
      if (!rows) rows = new Rows();
      std::vector<SqlValue> row;
      for (auto& col : chunk.columns) row.push_back(std::move(col[r]));
      rows->push_back(std::move(row));
    }
  } catch (const std::exception& e) {
    duckdb_aggregate_function_set_error(info, (fn->name + ": internal error: " + e.what()).c_str());
  }
}

void AggCombine(duckdb_function_info, duckdb_aggregate_state* source, duckdb_aggregate_state* target, idx_t count) {
  for (idx_t i = 0; i < count; ++i) {
    Rows*& src = StateRows(source[i]);
    if (!src) continue;
    Rows*& dst = StateRows(target[i]);
    if (!dst) dst = new Rows();
    for (auto& row : *src) dst->push_back(std::move(row));
    src->clear();
  }
}

void AggFinalize(duckdb_function_info info, duckdb_aggregate_state* source, duckdb_vector result, idx_t count,
                 idx_t offset) {
  const auto* fn = static_cast<const SqlFunction*>(duckdb_aggregate_function_get_extra_info(info));
  try {
    for (idx_t i = 0; i < count; ++i) {
      Rows* rows = StateRows(source[i]);
      if (!rows || rows->empty()) {
        WriteValue(result, fn->returns, offset + i, SqlValue::Null());
        continue;
      }
      Result<SqlValue> v = fn->aggregate(*rows);
      if (!v.ok()) return duckdb_aggregate_function_set_error(info, v.status().message().c_str());
      WriteValue(result, fn->returns, offset + i, *v);
    }
  } catch (const std::exception& e) {
    duckdb_aggregate_function_set_error(info, (fn->name + ": internal error: " + e.what()).c_str());
  }
}

void AggDestroy(duckdb_aggregate_state* states, idx_t count) {
  for (idx_t i = 0; i < count; ++i) {
    delete StateRows(states[i]);
    StateRows(states[i]) = nullptr;
  }
}

duckdb_aggregate_function MakeAggregate(const SqlFunction& fn) {
  duckdb_aggregate_function f = duckdb_create_aggregate_function();
  duckdb_aggregate_function_set_name(f, fn.name.c_str());
  for (const auto& a : fn.args) {
    LogicalType t(MakeType(a));
    duckdb_aggregate_function_add_parameter(f, t.t);
  }
  LogicalType ret(MakeType(fn.returns));
  duckdb_aggregate_function_set_return_type(f, ret.t);
  duckdb_aggregate_function_set_functions(f, AggStateSize, AggInit, AggUpdate, AggCombine, AggFinalize);
  duckdb_aggregate_function_set_destructor(f, AggDestroy);
  duckdb_aggregate_function_set_extra_info(f, new SqlFunction(fn), DeleteFunction);
  return f;
}

Status Registered(duckdb_state st, const std::string& name) {
  if (st == DuckDBSuccess) return Status::Ok();
  return Status::AlreadyExists("SQL function " + name + " could not be registered (it exists already?)");
}

// --- table -------------------------------------------------------------------------------------

// One call's arguments (bind data), and the rows it computed with how far the scan got (init data).
struct TableArgs {
  std::vector<SqlValue> args;
};
struct TableRows {
  std::vector<std::vector<SqlValue>> rows;
  size_t next = 0;
};

SqlValue ParameterValue(duckdb_value v, const SqlType& type) {
  if (v == nullptr || duckdb_is_null_value(v)) return SqlValue::Null();
  switch (type.kind) {
    case Kind::kBigint:
    case Kind::kInteger: return SqlValue::Int(duckdb_get_int64(v));
    case Kind::kDouble:
    case Kind::kFloat: return SqlValue::Double(duckdb_get_double(v));
    case Kind::kBoolean: return SqlValue::Bool(duckdb_get_bool(v));
    default: {
      char* text = duckdb_get_varchar(v);
      SqlValue out = SqlValue::Text(text ? text : "");
      duckdb_free(text);
      return out;
    }
  }
}

// Binding declares the columns and keeps the arguments: planning (DESCRIBE, EXPLAIN) does no work.
void TableBind(duckdb_bind_info info) {
  const auto* fn = static_cast<const SqlTableFunction*>(duckdb_bind_get_extra_info(info));
  try {
    for (const auto& [name, type] : fn->columns) {
      LogicalType t(MakeType(type));
      duckdb_bind_add_result_column(info, name.c_str(), t.t);
    }
    auto* data = new TableArgs();
    for (size_t i = 0; i < fn->args.size(); ++i) {
      duckdb_value v = duckdb_bind_get_parameter(info, i);
      data->args.push_back(ParameterValue(v, fn->args[i]));
      duckdb_destroy_value(&v);
    }
    duckdb_bind_set_bind_data(info, data, [](void* p) { delete static_cast<TableArgs*>(p); });
  } catch (const std::exception& e) {
    duckdb_bind_set_error(info, (fn->name + ": internal error: " + e.what()).c_str());
  }
}

// The rows are computed once, when the query starts executing.
void TableInit(duckdb_init_info info) {
  const auto* fn = static_cast<const SqlTableFunction*>(duckdb_init_get_extra_info(info));
  const auto* args = static_cast<const TableArgs*>(duckdb_init_get_bind_data(info));
  try {
    duckdb_init_set_max_threads(info, 1);
    Result<std::vector<std::vector<SqlValue>>> rows = fn->rows(args->args);
    if (!rows.ok()) return duckdb_init_set_error(info, rows.status().message().c_str());
    for (const auto& row : *rows) {
      if (row.size() != fn->columns.size()) {
        return duckdb_init_set_error(info, (fn->name + ": a row with the wrong number of columns").c_str());
      }
    }
    duckdb_init_set_init_data(info, new TableRows{std::move(*rows), 0},
                              [](void* p) { delete static_cast<TableRows*>(p); });
  } catch (const std::exception& e) {
    duckdb_init_set_error(info, (fn->name + ": internal error: " + e.what()).c_str());
  }
}

void TableScan(duckdb_function_info info, duckdb_data_chunk output) {
  const auto* fn = static_cast<const SqlTableFunction*>(duckdb_function_get_extra_info(info));
  auto* data = static_cast<TableRows*>(duckdb_function_get_init_data(info));
  try {
    const size_t n = std::min<size_t>(data->rows.size() - data->next, duckdb_vector_size());
    for (size_t c = 0; c < fn->columns.size(); ++c) {
      duckdb_vector v = duckdb_data_chunk_get_vector(output, c);
      for (size_t r = 0; r < n; ++r) WriteValue(v, fn->columns[c].second, r, data->rows[data->next + r][c]);
    }
    duckdb_data_chunk_set_size(output, n);
    data->next += n;
  } catch (const std::exception& e) {
    duckdb_function_set_error(info, (fn->name + ": internal error: " + e.what()).c_str());
  }
}

}  // namespace

bool SqlChunk::AnyNull(size_t row) const {
  for (const auto& col : columns) {
    if (col[row].is_null()) return true;
  }
  return false;
}

Status RegisterFunction(Connection& conn, const SqlFunction& fn) { return RegisterOverloads(conn, {fn}); }

Status RegisterOverloads(Connection& conn, const std::vector<SqlFunction>& overloads) {
  if (overloads.empty()) return Status::InvalidArgument("no function to register");
  auto con = static_cast<duckdb_connection>(conn.raw());
  const std::string& name = overloads[0].name;
  if (overloads[0].aggregate) {
    duckdb_aggregate_function_set set = duckdb_create_aggregate_function_set(name.c_str());
    for (const auto& fn : overloads) {
      duckdb_aggregate_function f = MakeAggregate(fn);
      duckdb_add_aggregate_function_to_set(set, f);
      duckdb_destroy_aggregate_function(&f);
    }
    duckdb_state st = duckdb_register_aggregate_function_set(con, set);
    duckdb_destroy_aggregate_function_set(&set);
    return Registered(st, name);
  }
  duckdb_scalar_function_set set = duckdb_create_scalar_function_set(name.c_str());
  for (const auto& fn : overloads) {
    duckdb_scalar_function f = MakeScalar(fn);
    duckdb_add_scalar_function_to_set(set, f);
    duckdb_destroy_scalar_function(&f);
  }
  duckdb_state st = duckdb_register_scalar_function_set(con, set);
  duckdb_destroy_scalar_function_set(&set);
  return Registered(st, name);
}

Status RegisterTextMap(Connection& conn, const TextMapFunction& fn) {
  duckdb_scalar_function f = duckdb_create_scalar_function();
  duckdb_scalar_function_set_name(f, fn.name.c_str());
  LogicalType varchar(duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR));
  duckdb_scalar_function_add_parameter(f, varchar.t);
  duckdb_scalar_function_set_return_type(f, varchar.t);
  duckdb_scalar_function_set_extra_info(f, new TextMapFunction(fn), DeleteTextMap);
  duckdb_scalar_function_set_function(f, TextMapTrampoline);
  duckdb_state st = duckdb_register_scalar_function(static_cast<duckdb_connection>(conn.raw()), f);
  duckdb_destroy_scalar_function(&f);
  return Registered(st, fn.name);
}

Status RegisterTableFunction(Connection& conn, const SqlTableFunction& fn) {
  duckdb_table_function f = duckdb_create_table_function();
  duckdb_table_function_set_name(f, fn.name.c_str());
  for (const auto& a : fn.args) {
    LogicalType t(MakeType(a));
    duckdb_table_function_add_parameter(f, t.t);
  }
  duckdb_table_function_set_extra_info(f, new SqlTableFunction(fn),
                                       [](void* p) { delete static_cast<SqlTableFunction*>(p); });
  duckdb_table_function_set_bind(f, TableBind);
  duckdb_table_function_set_init(f, TableInit);
  duckdb_table_function_set_function(f, TableScan);
  duckdb_state st = duckdb_register_table_function(static_cast<duckdb_connection>(conn.raw()), f);
  duckdb_destroy_table_function(&f);
  return Registered(st, fn.name);
}

}  // namespace custintel::store
