// Export: a table or view of the engine database written out for other systems — a Parquet or
// CSV file (written beside the target and renamed into place, so readers never see half a
// file), or a PostgreSQL table, upserted on its key (INSERT ... ON CONFLICT DO UPDATE) in one
// PostgreSQL transaction: e.g. churn scores written back into the application's
// customers.churn_risk_score.
//
//   ExportOptions o;
//   o.table = "gold.customer_scores";
//   o.to = "postgresql://app@127.0.0.1/shop";
//   o.target_table = "customers";
//   o.key = {"customer_id"};
//   o.column_map = {{"churn_risk_score", "churn_risk"}};   // target = source
//   o.columns = {"customer_id", "churn_risk"};
//
// Thread safety: uses the caller's DuckDB connection.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace custintel::ingest {

struct ExportOptions {
  // Source table or view in the engine database, e.g. "gold.customer_scores".
  std::string table;
  // FILE.parquet | FILE.csv | postgresql://...
  std::string to;
  // PostgreSQL only: the table to upsert into; empty = the source table's name without schema.
  // Created (with the key as primary key) when it does not exist.
  std::string target_table;
  // PostgreSQL only: the conflict key (target column names); empty = the first exported column.
  // The target needs a unique constraint or primary key on exactly these columns.
  std::vector<std::string> key;
  // Source columns to export; empty = all.
  std::vector<std::string> columns;
  // Renames: target column → source column (others keep their names).
  std::map<std::string, std::string> column_map;
};

struct ExportReport {
  int64_t rows = 0;
  std::string destination;  // the file, or the redacted URL + "#table"
};

Result<ExportReport> ExportTable(store::Connection& conn, const ExportOptions& options);

}  // namespace custintel::ingest
