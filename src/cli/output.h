// Printing query results: an aligned table (default), CSV with a header row, or a JSON array
// of row objects (numbers as numbers, JSON columns nested, NULL as null).
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "store/database.h"

namespace custintel::cli {

enum class OutputFormat { kTable, kCsv, kJson };

void PrintResult(const store::QueryResult& result, OutputFormat format, std::ostream& out);
nlohmann::json ResultToJson(const store::QueryResult& result);
nlohmann::json CellToJson(const store::QueryResult& result, size_t col, size_t row);

}  // namespace custintel::cli
