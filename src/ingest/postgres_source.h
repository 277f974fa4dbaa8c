// PostgreSQL as an ingest source: a table (or view) is streamed out with COPY ... TO STDOUT
// into a temporary CSV file — chunk by chunk, never whole in memory — and loaded through the
// same bronze → silver path as any file, as one batch and one transaction.
//
// Thread safety: uses the caller's DuckDB connection; one ingest per connection at a time.
#pragma once

#include <string>

#include "core/status.h"
#include "ingest/ingest.h"
#include "store/database.h"

namespace custintel::ingest {

// Ingests `table` ("name" or "schema.name") of the database at `url` as options.kind.
// _source is the URL without its password, followed by "#<table>".
// REQUIRES: options.kind is set (a table name says nothing about the kind).
Result<IngestCounts> IngestPostgresTable(store::Connection& conn, const std::string& url,
                                         const std::string& table, IngestOptions options);

}  // namespace custintel::ingest
