// Printing query results: an aligned table (default), CSV with a header row, or a JSON array
// of row objects (numbers as numbers, JSON columns nested, NULL as null).
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "store/database.h"

namespace custintel::cli {

enum class OutputFormat { kTable, kCsv, kJson };

void PrintResult(const store::QueryResult& result, OutputFormat format, std::ostream& out);
// PrintResult's aligned table with some columns shown differently: the column named `column`
// gets the header `header` and each non-NULL cell is `text(stored text)` (NULL prints "").
struct ColumnText {
  std::string column, header;
  std::function<std::string(const std::string&)> text;
};
void PrintTable(const store::QueryResult& result, const std::vector<ColumnText>& shown, std::ostream& out);
// Runs a user's query for printing. Nested values (LIST, STRUCT, MAP) cannot be read back through
// the C API's value getters, so a query whose result has them runs wrapped, those columns as JSON.
Result<store::QueryResult> QueryForPrinting(store::Connection& conn, const std::string& sql);

}  // namespace custintel::cli
