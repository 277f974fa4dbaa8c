#include "ask/answer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "ask/tokens.h"
#include "core/strings.h"

namespace custintel::ask {
namespace {

constexpr size_t kRowsInText = 8;

std::string Capitalize(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string MeasureLabel(const SemanticModel& model, const std::string& name) {
  const Measure* m = model.FindMeasure(name);
  return m ? m->label : name;
}

std::string DimensionLabel(const SemanticModel& model, const std::string& name) {
  const Dimension* d = model.FindDimension(name);
  return d ? d->label : name;
}

// "for plan premium or basic, with lifetime value above the threshold asked, at high churn
// risk, last quarter" — words only.
std::string Qualifiers(const QuerySpec& spec, const SemanticModel& model) {
  std::vector<std::string> parts;
  for (const Filter& f : spec.filters) {
    if (model.FindDimension(f.field)) {
      std::vector<std::string> vals;
      for (const auto& v : f.values) vals.push_back(FormatCell(v));
      parts.push_back(fmt::format("{} {}{}", DimensionLabel(model, f.field), f.op == "!=" ? "not " : "",
                                  Join(vals, " or ")));
    } else {
      const bool above = f.op[0] == '>';
      parts.push_back(fmt::format("{} {} the threshold asked", model.FindMeasure(f.field)->label,
                                  f.op == "=" ? "equal to" : above ? "above" : "below"));
    }
  }
  for (const auto& c : spec.conditions) parts.push_back(model.FindCondition(c)->label);
  std::string time = DescribeTimeRange(spec.time_range);
  if (!time.empty()) parts.push_back(time);
  return parts.empty() ? "" : " (" + Join(parts, "; ") + ")";
}

// "eu, premium" for the key columns of a row.
std::string RowKey(const nlohmann::json& row, size_t key_columns) {
  std::vector<std::string> keys;
  for (size_t c = 0; c < key_columns; ++c) keys.push_back(FormatCell(row[c]));
  return Join(keys, ", ");
}

std::string RowValues(const nlohmann::json& row, size_t from, const std::vector<std::string>& columns,
                      const SemanticModel& model, bool with_labels) {
  std::vector<std::string> vals;
  for (size_t c = from; c < columns.size(); ++c) {
    vals.push_back(with_labels ? MeasureLabel(model, columns[c]) + " " + FormatCell(row[c]) : FormatCell(row[c]));
  }
  return Join(vals, ", ");
}

std::string SingleValue(const QuerySpec& spec, const SemanticModel& model, const std::vector<std::string>& columns,
                        const nlohmann::json& row) {
  std::vector<std::string> parts;
  for (size_t c = 0; c < columns.size(); ++c) {
    parts.push_back(fmt::format("{}: {}", MeasureLabel(model, columns[c]), FormatCell(row[c])));
  }
  return Capitalize(Join(parts, "; ")) + Qualifiers(spec, model) + ".";
}

std::string Listing(const QuerySpec& spec, const SemanticModel& model, const nlohmann::json& rows, bool more) {
  std::vector<std::string> keys;
  for (size_t r = 0; r < rows.size() && r < kRowsInText; ++r) keys.push_back(RowKey(rows[r], rows[r].size()));
  std::vector<std::string> dims;
  for (const auto& d : spec.dimensions) dims.push_back(DimensionLabel(model, d));
  return fmt::format("{}{}: {}{}.", Capitalize(Join(dims, ", ")), Qualifiers(spec, model), Join(keys, "; "),
                     more ? "; and more" : "");
}

}  // namespace

std::string FormatCell(const nlohmann::json& cell) {
  if (cell.is_null()) return "no value";
  if (cell.is_string()) return cell.get<std::string>();
  if (cell.is_boolean()) return cell.get<bool>() ? "yes" : "no";
  if (cell.is_number_integer()) return std::to_string(cell.get<int64_t>());
  if (cell.is_number_unsigned()) return std::to_string(cell.get<uint64_t>());
  if (cell.is_number_float()) {
    double v = cell.get<double>();
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
    return fmt::format("{}", v);
  }
  return cell.dump();
}

std::vector<double> NumbersIn(std::string_view text) {
  std::vector<double> out;
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i])) || (i > 0 && (IsAlnum(text[i - 1]) || text[i - 1] == '.'))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    if (j + 1 < text.size() && text[j] == '.' && std::isdigit(static_cast<unsigned char>(text[j + 1]))) {
      ++j;
      while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    }
    if (j < text.size() && (std::isalpha(static_cast<unsigned char>(text[j])) || text[j] == '_')) {
      while (j < text.size() && IsAlnum(text[j])) ++j;  // glued to letters: an id, not a number
    } else {
      bool negative = i > 0 && text[i - 1] == '-' && (i == 1 || !IsAlnum(text[i - 2]));
      double v = std::stod(std::string(text.substr(i, j - i)));
      out.push_back(negative ? -v : v);
    }
    i = j;
  }
  return out;
}

std::string AnswerText(const QuerySpec& spec, const SemanticModel& model, const std::vector<std::string>& columns,
                       const nlohmann::json& rows, bool truncated) {
  if (rows.empty()) return "No data matched the question" + Qualifiers(spec, model) + ".";
  if (spec.measures.empty()) return Listing(spec, model, rows, truncated || rows.size() > kRowsInText);
  const size_t keys = columns.size() - spec.measures.size();
  bool any_value = false;
  for (const auto& row : rows) {
    for (size_t c = keys; c < columns.size(); ++c) any_value = any_value || !row[c].is_null();
  }
  if (!any_value) {  // e.g. sentiment before text analysis has run
    std::vector<std::string> labels;
    for (const auto& m : spec.measures) labels.push_back(MeasureLabel(model, m));
    return "There is no data for " + Join(labels, " and ") + Qualifiers(spec, model) + " yet.";
  }
  if (keys == 0) return SingleValue(spec, model, columns, rows[0]);
  const bool labels = spec.measures.size() > 1;
  if (!spec.order_by.empty() && spec.limit == 1) {
    return fmt::format("{} has the {} {}{}: {}.", RowKey(rows[0], keys), spec.order_dir == "desc" ? "highest" : "lowest",
                       MeasureLabel(model, spec.order_by), Qualifiers(spec, model),
                       RowValues(rows[0], keys, columns, model, labels));
  }
  std::vector<std::string> key_labels;
  for (size_t c = 0; c < keys; ++c) {
    key_labels.push_back(model.FindDimension(columns[c]) ? DimensionLabel(model, columns[c]) : columns[c]);
  }
  std::vector<std::string> measure_labels;
  for (const auto& m : spec.measures) measure_labels.push_back(MeasureLabel(model, m));
  std::vector<std::string> items;
  for (size_t r = 0; r < rows.size() && r < kRowsInText; ++r) {
    items.push_back(RowKey(rows[r], keys) + ": " + RowValues(rows[r], keys, columns, model, labels));
  }
  std::string order = spec.order_by.empty() ? "" : spec.order_dir == "desc" ? ", highest first" : ", lowest first";
  return fmt::format("{} by {}{}{}: {}{}.", Capitalize(Join(measure_labels, " and ")), Join(key_labels, " and "),
                     Qualifiers(spec, model), order, Join(items, "; "),
                     truncated || rows.size() > kRowsInText ? "; and more" : "");
}

std::string ChartFor(const QuerySpec& spec, size_t row_count) {
  if (row_count == 0) return "none";
  if (spec.measures.empty()) return "table";
  if (!spec.time_grain.empty()) return spec.dimensions.empty() ? "line" : "table";
  if (spec.dimensions.empty()) return "number";
  if (spec.dimensions.size() == 1 && row_count <= 50) return "bar";
  return "table";
}

std::vector<std::string> ClosestQuestions(const std::vector<std::string>& tokens, const SemanticModel& model,
                                          size_t n) {
  std::set<std::string> asked;
  for (const auto& t : tokens) {
    if (!IsFiller(t)) asked.insert(t);
  }
  std::vector<std::pair<int, size_t>> scored;
  for (size_t i = 0; i < model.verified.size(); ++i) {
    std::set<std::string> words;
    for (const auto& w : PhraseTokens(model.verified[i].question)) words.insert(w);
    auto spec = SpecFromJson(nlohmann::json::parse(model.verified[i].spec_json, nullptr, false));
    if (spec.ok()) {
      for (const auto& m : spec->measures) {
        for (const auto& syn : model.FindMeasure(m)->synonyms) {
          for (const auto& w : PhraseTokens(syn)) words.insert(w);
        }
      }
      for (const auto& d : spec->dimensions) {
        if (const Dimension* dim = model.FindDimension(d)) {
          for (const auto& syn : dim->synonyms) {
            for (const auto& w : PhraseTokens(syn)) words.insert(w);
          }
        }
      }
    }
    int overlap = 0;
    for (const auto& w : asked) overlap += words.count(w) ? 1 : 0;
    scored.push_back({-overlap, i});
  }
  std::stable_sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (size_t k = 0; k < scored.size() && k < n; ++k) out.push_back(model.verified[scored[k].second].question);
  return out;
}

}  // namespace custintel::ask
