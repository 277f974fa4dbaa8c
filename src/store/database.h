// The one door to DuckDB: RAII over the C API (database, connection, prepared statement,
// result, appender, transaction). Nothing outside store/ includes duckdb.h.
//
//   CI_ASSIGN_OR_RETURN(auto db, Database::Open("shop.duckdb"));
//   CI_ASSIGN_OR_RETURN(auto conn, db->Connect());
//   CI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT count(*) FROM silver.orders WHERE amount > ?", {10.0}));
//   int64_t n = rows.GetInt64(0, 0);
//
// Thread safety: a Database may be shared by threads; a Connection, PreparedStatement or
// Appender belongs to one thread at a time. Errors from DuckDB come back as Status values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/status.h"

namespace custintel::store {

// A value bound to a `?` placeholder or appended to a table. std::monostate is NULL.
using Param = std::variant<std::monostate, bool, int64_t, double, std::string>;

enum class ColumnType { kBoolean, kInteger, kDouble, kDecimal, kVarchar, kJson, kTimestamp, kDate, kOther };

// A fully materialised query result.
class QueryResult {
 public:
  QueryResult();
  ~QueryResult();
  QueryResult(QueryResult&&) noexcept;
  QueryResult& operator=(QueryResult&&) noexcept;

  size_t column_count() const;
  size_t row_count() const;
  int64_t rows_changed() const;
  const std::string& column_name(size_t col) const { return names_[col]; }
  ColumnType column_type(size_t col) const { return types_[col]; }
  // Index of the named column, or -1.
  int ColumnIndex(const std::string& name) const;

  bool IsNull(size_t col, size_t row) const;
  std::string GetString(size_t col, size_t row) const;  // any type, as DuckDB casts it; "" for NULL
  int64_t GetInt64(size_t col, size_t row) const;
  double GetDouble(size_t col, size_t row) const;
  bool GetBool(size_t col, size_t row) const;

 private:
  friend class Connection;
  friend class PreparedStatement;
  struct Impl;
  // Takes ownership of a DuckDB result; a failed one becomes its error Status.
  static Result<QueryResult> Wrap(std::unique_ptr<Impl> impl, bool success);
  std::unique_ptr<Impl> impl_;
  std::vector<std::string> names_;
  std::vector<ColumnType> types_;
};

class PreparedStatement {
 public:
  PreparedStatement(PreparedStatement&&) noexcept;
  ~PreparedStatement();
  // Binds params to ?1..?n and runs. REQUIRES: params.size() == number of placeholders.
  Result<QueryResult> Execute(const std::vector<Param>& params = {});

 private:
  friend class Connection;
  PreparedStatement() = default;
  void* stmt_ = nullptr;  // duckdb_prepared_statement
};

class Connection {
 public:
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  // Runs one or more statements; returns the result of the last.
  Result<QueryResult> Query(const std::string& sql);
  // Runs one statement with `?` placeholders bound to params.
  Result<QueryResult> Query(const std::string& sql, const std::vector<Param>& params);
  // Like Query but discards the result.
  Status Execute(const std::string& sql);
  Result<PreparedStatement> Prepare(const std::string& sql);
  // Cancels the running query from another thread.
  void Interrupt();

  // The raw duckdb_connection, for store/ internals (appender, function registration).
  void* raw() const { return conn_; }

 private:
  friend class Database;
  Connection() = default;
  void* conn_ = nullptr;  // duckdb_connection
};

struct DatabaseOptions {
  // Open without write access (serving readers). Fails if the file does not exist.
  bool read_only = false;
  // DuckDB worker threads; 0 = DuckDB's default (all cores).
  int threads = 0;
  // e.g. "4GB"; empty = DuckDB's default (80% of RAM).
  std::string memory_limit;
};

class Database {
 public:
  // Opens or creates the database file at `path` (":memory:" for a transient one). A file that
  // exists but is not a DuckDB database is refused and left untouched.
  static Result<std::shared_ptr<Database>> Open(const std::string& path,
                                                const DatabaseOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // A new connection; every connection initializer runs on it first, in the order added.
  Result<Connection> Connect();
  // Runs on every connection this database hands out (session settings, AI SQL functions).
  // REQUIRES: called before connections are handed to other threads.
  void AddConnectionInitializer(std::function<Status(Connection&)> init) {
    inits_.push_back(std::move(init));
  }
  const std::string& path() const { return path_; }

 private:
  Database() = default;
  void* db_ = nullptr;  // duckdb_database
  std::string path_;
  std::vector<std::function<Status(Connection&)>> inits_;
};

// BEGIN on construction; ROLLBACK on destruction unless Commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Connection& conn);
  Transaction(Transaction&& other) noexcept : conn_(other.conn_), open_(other.open_) { other.open_ = false; }
  ~Transaction();
  Status Commit();
  Status Rollback();

 private:
  explicit Transaction(Connection& conn) : conn_(&conn), open_(true) {}
  Connection* conn_;
  bool open_;
};

// Row-wise bulk insert into an existing table; far faster than INSERTs.
class Appender {
 public:
  static Result<Appender> Create(Connection& conn, const std::string& schema, const std::string& table);
  Appender(Appender&&) noexcept;
  ~Appender();
  Status Append(const Param& value);
  Status EndRow();
  // Flushes and closes; further appends fail.
  Status Close();

 private:
  Appender() = default;
  Status Check(int state, const char* what);
  void* app_ = nullptr;  // duckdb_appender
};

// DuckDB's library version, e.g. "v1.4.4".
std::string DuckDbVersion();

// Whether `schema`.`table` exists (a table or a view) in the connection's database, as the
// connection sees it (its own TEMP tables and uncommitted DDL included).
Result<bool> TableExists(Connection& conn, const std::string& schema, const std::string& table);
// Whether every one of `tables` exists in `schema`.
Result<bool> TablesExist(Connection& conn, const std::string& schema, const std::vector<std::string>& tables);

}  // namespace custintel::store
