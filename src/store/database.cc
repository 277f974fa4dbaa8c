#include "store/database.h"

#include <duckdb.h>

#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "core/log.h"
#include <filesystem>
#include <fstream>

namespace custintel::store {
namespace {

duckdb_connection Conn(void* p) { return static_cast<duckdb_connection>(p); }

ColumnType MapType(duckdb_type t) {
  switch (t) {
    case DUCKDB_TYPE_BOOLEAN: return ColumnType::kBoolean;
    case DUCKDB_TYPE_TINYINT: case DUCKDB_TYPE_SMALLINT: case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT: case DUCKDB_TYPE_UTINYINT: case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER: case DUCKDB_TYPE_UBIGINT: case DUCKDB_TYPE_HUGEINT:
      return ColumnType::kInteger;
    case DUCKDB_TYPE_FLOAT: case DUCKDB_TYPE_DOUBLE: return ColumnType::kDouble;
    case DUCKDB_TYPE_DECIMAL: return ColumnType::kDecimal;
    case DUCKDB_TYPE_VARCHAR: return ColumnType::kVarchar;
    case DUCKDB_TYPE_TIMESTAMP: case DUCKDB_TYPE_TIMESTAMP_TZ: case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS: case DUCKDB_TYPE_TIMESTAMP_NS:
      return ColumnType::kTimestamp;
    case DUCKDB_TYPE_DATE: return ColumnType::kDate;
    default: return ColumnType::kOther;
  }
}

// DuckDB files carry the magic "DUCK" at byte offset 8.
Status CheckIsDuckDbFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::Ok();
  if (std::filesystem::is_directory(path, ec)) {
    return Status::InvalidArgument(path + " is a directory, not a DuckDB database file");
  }
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return Status::IoError("cannot read " + path + ": " + ec.message());
  if (size == 0) return Status::Ok();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot open " + path + " for reading");
  char header[12] = {};
  in.read(header, sizeof header);
  if (in.gcount() < 12 || std::memcmp(header + 8, "DUCK", 4) != 0) {
    return Status::InvalidArgument(path + " is not a DuckDB database file (left untouched)");
  }
  return Status::Ok();
}

}  // namespace

// --- QueryResult ------------------------------------------------------------------------------

struct QueryResult::Impl {
  duckdb_result res{};
  ~Impl() { duckdb_destroy_result(&res); }
};

QueryResult::QueryResult() = default;
QueryResult::~QueryResult() = default;
QueryResult::QueryResult(QueryResult&&) noexcept = default;
QueryResult& QueryResult::operator=(QueryResult&&) noexcept = default;

size_t QueryResult::column_count() const { return names_.size(); }
size_t QueryResult::row_count() const { return impl_ ? duckdb_row_count(&impl_->res) : 0; }
int64_t QueryResult::rows_changed() const {
  return impl_ ? static_cast<int64_t>(duckdb_rows_changed(&impl_->res)) : 0;
}

int QueryResult::ColumnIndex(const std::string& name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

bool QueryResult::IsNull(size_t col, size_t row) const {
  return duckdb_value_is_null(&impl_->res, col, row);
}

std::string QueryResult::GetString(size_t col, size_t row) const {
  if (IsNull(col, row)) return {};
  if (types_[col] == ColumnType::kTimestamp) {
    // duckdb_value_varchar cannot render TIMESTAMPTZ; every connection works in UTC.
    // Every timestamp type but _S/_MS/_NS is microseconds since the epoch in the column data.
    int64_t micros = static_cast<const int64_t*>(duckdb_column_data(&impl_->res, col))[row];
    duckdb_type raw = duckdb_column_type(&impl_->res, col);
    if (raw == DUCKDB_TYPE_TIMESTAMP_S) micros *= 1000000;
    if (raw == DUCKDB_TYPE_TIMESTAMP_MS) micros *= 1000;
    if (raw == DUCKDB_TYPE_TIMESTAMP_NS) micros /= 1000;
    duckdb_timestamp_struct t = duckdb_from_timestamp(duckdb_timestamp{micros});
    bool tz = duckdb_column_type(&impl_->res, col) == DUCKDB_TYPE_TIMESTAMP_TZ;
    return fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}{}", t.date.year, t.date.month, t.date.day,
                       t.time.hour, t.time.min, t.time.sec, tz ? "+00" : "");
  }
  char* v = duckdb_value_varchar(&impl_->res, col, row);
  std::string out = v ? v : "";
  duckdb_free(v);
  return out;
}

int64_t QueryResult::GetInt64(size_t col, size_t row) const {
  return duckdb_value_int64(&impl_->res, col, row);
}
double QueryResult::GetDouble(size_t col, size_t row) const {
  return duckdb_value_double(&impl_->res, col, row);
}
bool QueryResult::GetBool(size_t col, size_t row) const {
  return duckdb_value_boolean(&impl_->res, col, row);
}

// --- PreparedStatement -------------------------------------------------------------------------

PreparedStatement::PreparedStatement(PreparedStatement&& o) noexcept : stmt_(o.stmt_) { o.stmt_ = nullptr; }
PreparedStatement::~PreparedStatement() {
  if (stmt_) {
    auto s = static_cast<duckdb_prepared_statement>(stmt_);
    duckdb_destroy_prepare(&s);
  }
}

static Status BindParam(duckdb_prepared_statement s, idx_t i, const Param& p) {
  duckdb_state st = DuckDBSuccess;
  if (std::holds_alternative<std::monostate>(p)) st = duckdb_bind_null(s, i);
  else if (auto* b = std::get_if<bool>(&p)) st = duckdb_bind_boolean(s, i, *b);
  else if (auto* n = std::get_if<int64_t>(&p)) st = duckdb_bind_int64(s, i, *n);
  else if (auto* d = std::get_if<double>(&p)) st = duckdb_bind_double(s, i, *d);
  else if (auto* t = std::get_if<std::string>(&p)) st = duckdb_bind_varchar_length(s, i, t->data(), t->size());
  if (st != DuckDBSuccess) return Status::InvalidArgument("cannot bind parameter " + std::to_string(i));
  return Status::Ok();
}

Result<QueryResult> PreparedStatement::Execute(const std::vector<Param>& params) {
  auto s = static_cast<duckdb_prepared_statement>(stmt_);
  if (duckdb_nparams(s) != params.size()) {
    return Status::InvalidArgument("statement expects " + std::to_string(duckdb_nparams(s)) +
                                   " parameters, got " + std::to_string(params.size()));
  }
  for (size_t i = 0; i < params.size(); ++i) CI_RETURN_IF_ERROR(BindParam(s, i + 1, params[i]));
  auto impl = std::make_unique<QueryResult::Impl>();
  duckdb_state st = duckdb_execute_prepared(s, &impl->res);
  return QueryResult::Wrap(std::move(impl), st == DuckDBSuccess);
}

Result<QueryResult> QueryResult::Wrap(std::unique_ptr<Impl> impl, bool success) {
  QueryResult out;
  if (!success) {
    const char* err = duckdb_result_error(&impl->res);
    return Status::InvalidArgument(err ? err : "query failed");
  }
  idx_t n = duckdb_column_count(&impl->res);
  for (idx_t c = 0; c < n; ++c) {
    out.names_.emplace_back(duckdb_column_name(&impl->res, c));
    ColumnType type = MapType(duckdb_column_type(&impl->res, c));
    if (type == ColumnType::kVarchar) {
      duckdb_logical_type lt = duckdb_column_logical_type(&impl->res, c);
      char* alias = duckdb_logical_type_get_alias(lt);
      if (alias && std::strcmp(alias, "JSON") == 0) type = ColumnType::kJson;
      duckdb_free(alias);
      duckdb_destroy_logical_type(&lt);
    }
    out.types_.push_back(type);
  }
  out.impl_ = std::move(impl);
  return out;
}

// --- Connection --------------------------------------------------------------------------------

Connection::Connection(Connection&& o) noexcept : conn_(o.conn_) { o.conn_ = nullptr; }
Connection& Connection::operator=(Connection&& o) noexcept {
  std::swap(conn_, o.conn_);
  return *this;
}
Connection::~Connection() {
  if (conn_) {
    auto c = Conn(conn_);
    duckdb_disconnect(&c);
  }
}

Result<QueryResult> Connection::Query(const std::string& sql) {
  auto impl = std::make_unique<QueryResult::Impl>();
  auto start = std::chrono::steady_clock::now();
  duckdb_state st = duckdb_query(Conn(conn_), sql.c_str(), &impl->res);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (secs > 0.5) LogInfo(fmt::format("{:.2f} s: {:.160}", secs, sql));
  return QueryResult::Wrap(std::move(impl), st == DuckDBSuccess);
}

Result<QueryResult> Connection::Query(const std::string& sql, const std::vector<Param>& params) {
  if (params.empty()) return Query(sql);
  CI_ASSIGN_OR_RETURN(PreparedStatement stmt, Prepare(sql));
  return stmt.Execute(params);
}

Status Connection::Execute(const std::string& sql) {
  auto r = Query(sql);
  return r.status();
}

Result<PreparedStatement> Connection::Prepare(const std::string& sql) {
  duckdb_prepared_statement s = nullptr;
  PreparedStatement stmt;
  if (duckdb_prepare(Conn(conn_), sql.c_str(), &s) != DuckDBSuccess) {
    std::string err = s ? duckdb_prepare_error(s) : "prepare failed";
    duckdb_destroy_prepare(&s);
    return Status::InvalidArgument(err);
  }
  stmt.stmt_ = s;
  return stmt;
}

void Connection::Interrupt() { duckdb_interrupt(Conn(conn_)); }

// --- Database ----------------------------------------------------------------------------------

static Status SetConfig(duckdb_config config, const char* name, const std::string& value) {
  if (duckdb_set_config(config, name, value.c_str()) != DuckDBSuccess) {
    return Status::InvalidArgument(std::string("bad DuckDB setting ") + name + "=" + value);
  }
  return Status::Ok();
}

Result<std::shared_ptr<Database>> Database::Open(const std::string& path, const DatabaseOptions& options) {
  if (path != ":memory:") CI_RETURN_IF_ERROR(CheckIsDuckDbFile(path));
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess) return Status::Internal("duckdb_create_config failed");
  Status s = SetConfig(config, "access_mode", options.read_only ? "READ_ONLY" : "READ_WRITE");
  if (s.ok() && options.threads > 0) s = SetConfig(config, "threads", std::to_string(options.threads));
  if (s.ok() && !options.memory_limit.empty()) s = SetConfig(config, "memory_limit", options.memory_limit);
  if (!s.ok()) {
    duckdb_destroy_config(&config);
    return s;
  }
  std::shared_ptr<Database> db(new Database());
  db->path_ = path;
  duckdb_database raw = nullptr;
  char* err = nullptr;
  duckdb_state st = duckdb_open_ext(path == ":memory:" ? nullptr : path.c_str(), &raw, config, &err);
  duckdb_destroy_config(&config);
  if (st != DuckDBSuccess) {
    std::string msg = err ? err : "unknown error";
    duckdb_free(err);
    return Status::IoError("cannot open database " + path + ": " + msg);
  }
  db->db_ = raw;
  return db;
}

Database::~Database() {
  if (db_) {
    auto d = static_cast<duckdb_database>(db_);
    duckdb_close(&d);
  }
}

Result<Connection> Database::Connect() {
  duckdb_connection c = nullptr;
  if (duckdb_connect(static_cast<duckdb_database>(db_), &c) != DuckDBSuccess) {
    return Status::IoError("cannot connect to " + path_);
  }
  Connection conn;
  conn.conn_ = c;
  for (const auto& init : inits_) CI_RETURN_IF_ERROR(init(conn));
  return conn;
}

// --- Transaction -------------------------------------------------------------------------------

Result<Transaction> Transaction::Begin(Connection& conn) {
  CI_RETURN_IF_ERROR(conn.Execute("BEGIN TRANSACTION"));
  return Transaction(conn);
}

Transaction::~Transaction() {
  if (open_) (void)Rollback();
}

Status Transaction::Commit() {
  if (!open_) return Status::Internal("transaction already finished");
  open_ = false;
  Status s = conn_->Execute("COMMIT");
  if (!s.ok()) (void)conn_->Execute("ROLLBACK");
  return s;
}

Status Transaction::Rollback() {
  if (!open_) return Status::Ok();
  open_ = false;
  return conn_->Execute("ROLLBACK");
}

// --- Appender ----------------------------------------------------------------------------------

Result<Appender> Appender::Create(Connection& conn, const std::string& schema, const std::string& table) {
  duckdb_appender a = nullptr;
  if (duckdb_appender_create(Conn(conn.raw()), schema.c_str(), table.c_str(), &a) != DuckDBSuccess) {
    std::string err = a ? duckdb_appender_error(a) : "unknown table";
    duckdb_appender_destroy(&a);
    return Status::InvalidArgument("cannot append to " + schema + "." + table + ": " + err);
  }
  Appender app;
  app.app_ = a;
  return app;
}

Appender::Appender(Appender&& o) noexcept : app_(o.app_) { o.app_ = nullptr; }
Appender::~Appender() {
  if (app_) {
    auto a = static_cast<duckdb_appender>(app_);
    duckdb_appender_destroy(&a);
  }
}

Status Appender::Check(int state, const char* what) {
  if (state == DuckDBSuccess) return Status::Ok();
  const char* err = duckdb_appender_error(static_cast<duckdb_appender>(app_));
  return Status::InvalidArgument(std::string(what) + ": " + (err ? err : "appender error"));
}

Status Appender::Append(const Param& p) {
  auto a = static_cast<duckdb_appender>(app_);
  if (std::holds_alternative<std::monostate>(p)) return Check(duckdb_append_null(a), "append");
  if (auto* b = std::get_if<bool>(&p)) return Check(duckdb_append_bool(a, *b), "append");
  if (auto* n = std::get_if<int64_t>(&p)) return Check(duckdb_append_int64(a, *n), "append");
  if (auto* d = std::get_if<double>(&p)) return Check(duckdb_append_double(a, *d), "append");
  const auto& s = std::get<std::string>(p);
  return Check(duckdb_append_varchar_length(a, s.data(), s.size()), "append");
}

Status Appender::EndRow() { return Check(duckdb_appender_end_row(static_cast<duckdb_appender>(app_)), "end row"); }

Status Appender::Close() { return Check(duckdb_appender_close(static_cast<duckdb_appender>(app_)), "close"); }

std::string DuckDbVersion() { return duckdb_library_version(); }

Result<bool> TablesExist(Connection& conn, const std::string& schema, const std::vector<std::string>& tables) {
  for (const std::string& table : tables) {
    CI_ASSIGN_OR_RETURN(QueryResult r, conn.Query("SELECT count(*) FROM information_schema.tables "
                                                  "WHERE table_schema = ? AND table_name = ?",
                                                  {schema, table}));
    if (r.GetInt64(0, 0) == 0) return false;
  }
  return true;
}

Result<bool> TableExists(Connection& conn, const std::string& schema, const std::string& table) {
  return TablesExist(conn, schema, {table});
}

}  // namespace custintel::store
