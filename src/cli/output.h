// Printing query results: an aligned table (default), CSV with a header row, or a JSON array
// of row objects (numbers as numbers, JSON columns nested, NULL as null).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/database.h"

namespace custintel::cli {

enum class OutputFormat { kTable, kCsv, kJson };

void PrintResult(const store::QueryResult& result, OutputFormat format, std::ostream& out);
// The aligned table of PrintResult with cells the caller formats: one row of `cells` per row,
// one cell per name; `right[c]` right-aligns column c (numbers).
void PrintTable(const std::vector<std::string>& names, const std::vector<std::vector<std::string>>& cells,
                const std::vector<bool>& right, std::ostream& out);
// Runs a user's query for printing. Nested values (LIST, STRUCT, MAP) cannot be read back through
// the C API's value getters, so a query whose result has them runs wrapped, those columns as JSON.
Result<store::QueryResult> QueryForPrinting(store::Connection& conn, const std::string& sql);
nlohmann::json ResultToJson(const store::QueryResult& result);
nlohmann::json CellToJson(const store::QueryResult& result, size_t col, size_t row);

}  // namespace custintel::cli
