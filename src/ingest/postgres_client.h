// The one door to libpq: a PostgreSQL connection that runs statements and streams COPY in
// both directions. Nothing else in the tree includes libpq-fe.h.
//
//   CI_ASSIGN_OR_RETURN(auto pg, PgConnection::Connect("postgresql://app@127.0.0.1:5432/shop"));
//   CI_RETURN_IF_ERROR(pg.Execute("BEGIN"));
//   CI_RETURN_IF_ERROR(pg.CopyOut("COPY customers TO STDOUT (FORMAT csv, HEADER)", write_chunk));
//
// Thread safety: a PgConnection belongs to one thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace custintel::ingest {

class PgConnection {
 public:
  // url: a libpq connection URI (postgresql://user:password@host:port/db?...).
  static Result<PgConnection> Connect(const std::string& url);
  PgConnection(PgConnection&&) noexcept;
  PgConnection& operator=(PgConnection&&) noexcept;
  ~PgConnection();

  // Runs one or more statements without results.
  Status Execute(const std::string& sql);
  // Runs a query; rows of text values ("" for NULL, see null flags).
  Result<std::vector<std::vector<std::string>>> Query(const std::string& sql);
  // Runs `COPY ... TO STDOUT ...`, handing each chunk of output to `sink` as it arrives.
  Status CopyOut(const std::string& copy_sql, const std::function<Status(std::string_view)>& sink);
  // Runs `COPY ... FROM STDIN ...`, pulling chunks from `source` until it returns an empty one.
  Status CopyIn(const std::string& copy_sql, const std::function<Result<std::string>()>& source);

  // Identifier quoting the server's way ("my table" → "\"my table\"").
  std::string QuoteIdentifier(std::string_view name) const;

 private:
  PgConnection() = default;
  void* conn_ = nullptr;  // PGconn*
};

// The URL without its password (for _source, messages and logs).
std::string RedactPostgresUrl(const std::string& url);
bool IsPostgresUrl(std::string_view s);

}  // namespace custintel::ingest
