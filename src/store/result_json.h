// Query results as JSON, with one policy for every door that returns rows (CLI --json, REST,
// ask): numbers as numbers, NaN and ±Inf as null (JSON has neither), JSON columns nested,
// NULL as null, everything else as its text.
//
//   nlohmann::json rows = ResultToJson(result);   // [{"customer_id": "C1", "ltv": 12.5}, ...]
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

#include "store/database.h"

namespace custintel::store {

// One cell (column `col`, row `row`).
nlohmann::json CellToJson(const QueryResult& result, size_t col, size_t row);
// Every row as an object keyed by column name, in column order.
nlohmann::json ResultToJson(const QueryResult& result);

}  // namespace custintel::store
