#include "models/churn/churn_model_data.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <nlohmann/json.hpp>

namespace custintel::models {
namespace {

constexpr size_t kMaxLevels = 20;

bool IsNumeric(store::ColumnType t) {
  return t == store::ColumnType::kBoolean || t == store::ColumnType::kInteger ||
         t == store::ColumnType::kDouble || t == store::ColumnType::kDecimal;
}

bool IsIdColumn(const std::string& name) {
  return name == "customer_id" || name == "account_id" || name.rfind("ci_", 0) == 0;
}

// The frequent levels of a text column, most frequent first (ties by text), or none when the
// column looks like an identifier.
std::vector<std::string> FrequentLevels(const store::QueryResult& rows, size_t col) {
  std::map<std::string, int64_t> counts;
  for (size_t r = 0; r < rows.row_count(); ++r) {
    if (!rows.IsNull(col, r)) counts[rows.GetString(col, r)]++;
  }
  int64_t n = static_cast<int64_t>(rows.row_count());
  if (counts.size() > static_cast<size_t>(n) / 2 && counts.size() > kMaxLevels) return {};
  int64_t min_count = std::max<int64_t>(5, n / 500);
  std::vector<std::pair<std::string, int64_t>> kept;
  for (const auto& [level, count] : counts) {
    if (count >= min_count) kept.emplace_back(level, count);
  }
  std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> levels;
  for (size_t i = 0; i < kept.size() && i < kMaxLevels; ++i) levels.push_back(kept[i].first);
  return levels;
}

Result<size_t> RequireColumn(const store::QueryResult& rows, const std::string& name) {
  int c = rows.ColumnIndex(name);
  if (c < 0) return Status::InvalidArgument("churn model: feature column '" + name + "' is missing");
  return static_cast<size_t>(c);
}

}  // namespace

size_t FeatureSpec::width() const {
  size_t w = numeric.size();
  for (const auto& c : categorical) w += c.levels.size();
  return w;
}

std::vector<std::string> FeatureSpec::Names() const {
  std::vector<std::string> names = numeric;
  for (const auto& c : categorical) {
    for (const auto& level : c.levels) names.push_back(c.column + "=" + level);
  }
  return names;
}

std::string FeatureSpec::ToJson() const {
  nlohmann::json cats = nlohmann::json::array();
  for (const auto& c : categorical) cats.push_back({{"column", c.column}, {"levels", c.levels}});
  return nlohmann::json{{"numeric", numeric}, {"categorical", cats}}.dump();
}

Result<FeatureSpec> FeatureSpec::FromJson(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::Corruption("stored churn model features are not JSON");
  FeatureSpec spec;
  try {
    spec.numeric = j.at("numeric").get<std::vector<std::string>>();
    for (const auto& c : j.at("categorical")) {
      spec.categorical.push_back({c.at("column").get<std::string>(), c.at("levels").get<std::vector<std::string>>()});
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("stored churn model features are malformed: ") + e.what());
  }
  return spec;
}

FeatureSpec InferFeatureSpec(const store::QueryResult& rows, const std::set<std::string>& exclude) {
  FeatureSpec spec;
  for (size_t c = 0; c < rows.column_count(); ++c) {
    const std::string& name = rows.column_name(c);
    if (exclude.count(name) || IsIdColumn(name)) continue;
    if (IsNumeric(rows.column_type(c))) {
      spec.numeric.push_back(name);
    } else if (rows.column_type(c) == store::ColumnType::kVarchar) {
      std::vector<std::string> levels = FrequentLevels(rows, c);
      if (!levels.empty()) spec.categorical.push_back({name, std::move(levels)});
    }
  }
  return spec;
}

Result<FeatureMatrix> BuildFeatureMatrix(const store::QueryResult& rows, const FeatureSpec& spec) {
  FeatureMatrix m;
  size_t n = rows.row_count();
  m.x = DenseMatrix(n, spec.width());
  CI_ASSIGN_OR_RETURN(size_t id_col, RequireColumn(rows, "customer_id"));
  m.ids.reserve(n);
  for (size_t r = 0; r < n; ++r) m.ids.push_back(rows.GetString(id_col, r));
  size_t out = 0;
  for (const auto& name : spec.numeric) {
    CI_ASSIGN_OR_RETURN(size_t c, RequireColumn(rows, name));
    for (size_t r = 0; r < n; ++r) {
      if (!rows.IsNull(c, r)) m.x.at(r, out) = static_cast<float>(rows.GetDouble(c, r));
    }
    ++out;
  }
  for (const auto& cat : spec.categorical) {
    CI_ASSIGN_OR_RETURN(size_t c, RequireColumn(rows, cat.column));
    std::vector<std::string>& values = m.category_values.emplace_back(n);
    for (size_t r = 0; r < n; ++r) {
      if (!rows.IsNull(c, r)) values[r] = rows.GetString(c, r);
      for (size_t l = 0; l < cat.levels.size(); ++l) m.x.at(r, out + l) = values[r] == cat.levels[l] ? 1.f : 0.f;
    }
    out += cat.levels.size();
  }
  return m;
}

Result<std::vector<int>> ReadLabels(const store::QueryResult& rows, const std::string& column) {
  CI_ASSIGN_OR_RETURN(size_t c, RequireColumn(rows, column));
  std::vector<int> labels(rows.row_count());
  for (size_t r = 0; r < rows.row_count(); ++r) {
    labels[r] = rows.IsNull(c, r) ? -1 : (rows.GetInt64(c, r) != 0 ? 1 : 0);
  }
  return labels;
}

std::string TopDriversJson(const FeatureSpec& spec, const FeatureMatrix& m, size_t row, const float* contributions,
                           int k) {
  // Features in spec order (numeric, then categorical: a one-hot column group summed); only
  // the k strongest are turned into JSON (this runs once per customer).
  struct Driver {
    size_t feature;  // < numeric.size(): numeric column; else categorical feature - numeric.size()
    double shap;
  };
  std::vector<Driver> drivers;
  drivers.reserve(spec.numeric.size() + spec.categorical.size());
  size_t col = 0;
  for (size_t i = 0; i < spec.numeric.size(); ++i, ++col) drivers.push_back({i, contributions[col]});
  for (size_t i = 0; i < spec.categorical.size(); ++i) {
    double sum = 0;
    for (size_t l = 0; l < spec.categorical[i].levels.size(); ++l) sum += contributions[col++];
    drivers.push_back({spec.numeric.size() + i, sum});
  }
  size_t keep = std::min<size_t>(k, drivers.size());
  std::partial_sort(drivers.begin(), drivers.begin() + keep, drivers.end(),
                    [](const Driver& a, const Driver& b) { return std::fabs(a.shap) > std::fabs(b.shap); });
  // Values to 4 significant digits: a driver is read by people, not recomputed.
  auto readable = [](float v) -> nlohmann::json {
    if (std::isnan(v)) return nullptr;
    double x = v;
    if (x == 0 || !std::isfinite(x)) return x;
    double scale = std::pow(10.0, 3 - static_cast<int>(std::floor(std::log10(std::fabs(x)))));
    return std::round(x * scale) / scale;
  };
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < keep; ++i) {
    const size_t f = drivers[i].feature;
    const bool numeric = f < spec.numeric.size();
    nlohmann::json value;
    if (numeric) {
      value = readable(m.x.at(row, f));
    } else {
      const std::string& level = m.category_values[f - spec.numeric.size()][row];
      value = level.empty() ? nlohmann::json(nullptr) : nlohmann::json(level);
    }
    out.push_back({{"feature", numeric ? spec.numeric[f] : spec.categorical[f - spec.numeric.size()].column},
                   {"value", std::move(value)},
                   {"shap", std::round(drivers[i].shap * 1e4) / 1e4}});
  }
  return out.dump();
}

}  // namespace custintel::models
