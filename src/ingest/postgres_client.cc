#include "ingest/postgres_client.h"

#include <libpq-fe.h>

#include <regex>

namespace custintel::ingest {
namespace {

PGconn* Pg(void* p) { return static_cast<PGconn*>(p); }

std::string LastError(void* conn) {
  std::string msg = PQerrorMessage(Pg(conn));
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return "PostgreSQL: " + msg;
}

// Owns a PGresult.
struct ResultGuard {
  PGresult* r;
  ~ResultGuard() { PQclear(r); }
};

}  // namespace

bool IsPostgresUrl(std::string_view s) { return s.starts_with("postgresql://") || s.starts_with("postgres://"); }

std::string RedactPostgresUrl(const std::string& url) {
  static const std::regex kPassword(R"(^(postgres(?:ql)?://[^:/@]*):[^@]*@)");
  static const std::regex kParam(R"(([?&]password=)[^&]*)");
  return std::regex_replace(std::regex_replace(url, kPassword, "$1:***@"), kParam, "$1***");
}

Result<PgConnection> PgConnection::Connect(const std::string& url) {
  PgConnection c;
  c.conn_ = PQconnectdb(url.c_str());
  if (!c.conn_) return Status::IoError("PostgreSQL: out of memory connecting to " + RedactPostgresUrl(url));
  if (PQstatus(Pg(c.conn_)) != CONNECTION_OK) {
    return Status::IoError(LastError(c.conn_) + " (" + RedactPostgresUrl(url) + ")");
  }
  // Notices ("relation already exists, skipping") are not the user's business.
  PQsetNoticeProcessor(Pg(c.conn_), [](void*, const char*) {}, nullptr);
  return c;
}

PgConnection::PgConnection(PgConnection&& o) noexcept : conn_(o.conn_) { o.conn_ = nullptr; }
PgConnection& PgConnection::operator=(PgConnection&& o) noexcept {
  std::swap(conn_, o.conn_);
  return *this;
}
PgConnection::~PgConnection() {
  if (conn_) PQfinish(Pg(conn_));
}

Status PgConnection::Execute(const std::string& sql) {
  ResultGuard r{PQexec(Pg(conn_), sql.c_str())};
  auto st = PQresultStatus(r.r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Status::IoError(LastError(conn_));
  return Status::Ok();
}

Result<std::vector<std::vector<std::string>>> PgConnection::Query(const std::string& sql) {
  ResultGuard r{PQexec(Pg(conn_), sql.c_str())};
  if (PQresultStatus(r.r) != PGRES_TUPLES_OK) return Status::IoError(LastError(conn_));
  std::vector<std::vector<std::string>> rows(PQntuples(r.r));
  for (int i = 0; i < PQntuples(r.r); ++i) {
    for (int j = 0; j < PQnfields(r.r); ++j) rows[i].emplace_back(PQgetvalue(r.r, i, j));
  }
  return rows;
}

Status PgConnection::CopyOut(const std::string& copy_sql, const std::function<Status(std::string_view)>& sink) {
  {
    ResultGuard r{PQexec(Pg(conn_), copy_sql.c_str())};
    if (PQresultStatus(r.r) != PGRES_COPY_OUT) return Status::IoError(LastError(conn_));
  }
  Status failed;
  for (;;) {
    char* buf = nullptr;
    int n = PQgetCopyData(Pg(conn_), &buf, 0);
    if (n == -1) break;  // done
    if (n == -2) return Status::IoError(LastError(conn_));
    if (failed.ok()) failed = sink(std::string_view(buf, static_cast<size_t>(n)));
    PQfreemem(buf);
  }
  ResultGuard end{PQgetResult(Pg(conn_))};
  if (PQresultStatus(end.r) != PGRES_COMMAND_OK) return Status::IoError(LastError(conn_));
  while (PGresult* extra = PQgetResult(Pg(conn_))) PQclear(extra);
  return failed;
}

Status PgConnection::CopyIn(const std::string& copy_sql, const std::function<Result<std::string>()>& source) {
  {
    ResultGuard r{PQexec(Pg(conn_), copy_sql.c_str())};
    if (PQresultStatus(r.r) != PGRES_COPY_IN) return Status::IoError(LastError(conn_));
  }
  Status failed;
  for (;;) {
    Result<std::string> chunk = source();
    if (!chunk.ok()) {
      failed = chunk.status();
      PQputCopyEnd(Pg(conn_), "aborted by custintel");
      break;
    }
    if (chunk->empty()) {
      if (PQputCopyEnd(Pg(conn_), nullptr) != 1) return Status::IoError(LastError(conn_));
      break;
    }
    if (PQputCopyData(Pg(conn_), chunk->data(), static_cast<int>(chunk->size())) != 1) {
      return Status::IoError(LastError(conn_));
    }
  }
  ResultGuard end{PQgetResult(Pg(conn_))};
  Status result = PQresultStatus(end.r) == PGRES_COMMAND_OK ? Status::Ok() : Status::IoError(LastError(conn_));
  while (PGresult* extra = PQgetResult(Pg(conn_))) PQclear(extra);
  return failed.ok() ? result : failed;
}

std::string PgConnection::QuoteIdentifier(std::string_view name) const {
  char* q = PQescapeIdentifier(Pg(conn_), name.data(), name.size());
  std::string out = q ? q : "";
  PQfreemem(q);
  return out;
}

}  // namespace custintel::ingest
