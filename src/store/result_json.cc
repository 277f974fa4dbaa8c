#include "store/result_json.h"

#include <cmath>

namespace custintel::store {

nlohmann::json CellToJson(const QueryResult& r, size_t c, size_t i) {
  if (r.IsNull(c, i)) return nullptr;
  switch (r.column_type(c)) {
    case ColumnType::kBoolean: return r.GetBool(c, i);
    case ColumnType::kInteger: return r.GetInt64(c, i);
    case ColumnType::kDouble:
    case ColumnType::kDecimal: {
      const double v = r.GetDouble(c, i);
      return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
    }
    case ColumnType::kJson: {
      auto parsed = nlohmann::json::parse(r.GetString(c, i), nullptr, false);
      return parsed.is_discarded() ? nlohmann::json(r.GetString(c, i)) : parsed;
    }
    default: return r.GetString(c, i);
  }
}

nlohmann::json ResultToJson(const QueryResult& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < r.row_count(); ++i) {
    nlohmann::json row = nlohmann::json::object();
    for (size_t c = 0; c < r.column_count(); ++c) row[r.column_name(c)] = CellToJson(r, c, i);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace custintel::store
