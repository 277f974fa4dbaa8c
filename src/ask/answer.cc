#include "ask/answer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "ask/compiler.h"
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
    } else if (f.field == "rating") {  // "one star", "4 stars or more": words, not the number asked
      const std::string how = f.op == ">=" ? "at or above" : f.op == "<=" ? "at or below" : f.op == ">" ? "above" : "below";
      parts.push_back(f.op == "=" ? "with the star rating asked" : "rated " + how + " the stars asked");
    } else {
      const bool above = f.op[0] == '>';
      parts.push_back(fmt::format("{} {} the threshold asked", model.FindMeasure(f.field)->label,
                                  f.op == "=" ? "equal to" : above ? "above" : "below"));
    }
  }
  for (const auto& c : spec.conditions) parts.push_back(model.FindCondition(c)->label);
  std::string time = spec.compare_time_range.empty() ? DescribeTimeRange(spec.time_range) : "";
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

// 2011 → "2,011"; 1234.5 → "1,234.5".
std::string Thousands(const nlohmann::json& cell) {
  std::string s = FormatCell(cell);
  if (!cell.is_number()) return s;
  size_t start = s[0] == '-' ? 1 : 0;
  size_t end = s.find('.');
  if (end == std::string::npos) end = s.size();
  for (size_t k = end; k > start + 3; k -= 3) s.insert(k - 3, ",");
  return s;
}

std::string ShareWords(const Share& share, const SemanticModel& model) {
  std::vector<std::string> parts;
  for (const Filter& f : share.filters) {
    if (model.FindDimension(f.field)) {
      std::vector<std::string> vals;
      for (const auto& v : f.values) vals.push_back(FormatCell(v));
      parts.push_back(fmt::format("with {} {}{}", DimensionLabel(model, f.field), f.op == "!=" ? "not " : "",
                                  Join(vals, " or ")));
    } else {
      parts.push_back(fmt::format("with {} {} the value asked", model.FindMeasure(f.field)->label,
                                  f.op == "=" ? "equal to" : f.op[0] == '>' ? "above" : "below"));
    }
  }
  for (const auto& c : share.conditions) parts.push_back(model.FindCondition(c)->label);
  return Join(parts, " and ");
}

struct RatioWords {
  std::string label, part, whole;
  bool percent = true;
};

RatioWords WordsOfRatio(const QuerySpec& spec, const SemanticModel& model) {
  const Measure& m = *model.FindMeasure(spec.measures[0]);
  if (m.is_ratio()) {
    return {m.label, model.FindMeasure(m.numerator)->label, model.FindMeasure(m.denominator)->label, m.percent};
  }
  return {"share of " + m.label + " " + ShareWords(spec.share, model), m.label, m.label, true};
}

// "67.0% — 2,011 of 3,000 customers"; "2.9 — 8,800 orders over 3,000 customers".
std::string RatioValue(const RatioWords& w, const nlohmann::json& row, size_t keys) {
  const nlohmann::json& v = row[keys];
  const nlohmann::json& part = row[keys + 1];
  const nlohmann::json& whole = row[keys + 2];
  if (v.is_null() && (whole.is_null() || whole == 0)) return "no value (no " + w.whole + ")";
  std::string value = FormatCell(v) + (w.percent ? "%" : "");
  if (part.is_null() && whole.is_null()) return value + (w.percent ? " points" : "");  // the difference row
  if (w.percent) return fmt::format("{} — {} of {} {}", value, Thousands(part), Thousands(whole), w.whole);
  return fmt::format("{} — {} {} over {} {}", value, Thousands(part), w.part, Thousands(whole), w.whole);
}

std::string RatioText(const QuerySpec& spec, const SemanticModel& model, const std::vector<std::string>& columns,
                      const nlohmann::json& rows, size_t keys, bool more) {
  RatioWords w = WordsOfRatio(spec, model);
  if (keys == 0) return Capitalize(w.label) + Qualifiers(spec, model) + ": " + RatioValue(w, rows[0], 0) + ".";
  std::vector<std::string> key_labels;
  for (size_t c = 0; c < keys; ++c) {
    key_labels.push_back(model.FindDimension(columns[c]) ? DimensionLabel(model, columns[c]) : columns[c]);
  }
  std::vector<std::string> items;
  for (size_t r = 0; r < rows.size() && r < kRowsInText; ++r) {
    items.push_back(RowKey(rows[r], keys) + ": " + RatioValue(w, rows[r], keys));
  }
  return fmt::format("{} by {}{}: {}{}.", Capitalize(w.label), Join(key_labels, " and "), Qualifiers(spec, model),
                     Join(items, "; "), more || rows.size() > kRowsInText ? "; and more" : "");
}

}  // namespace

size_t KeyColumns(const QuerySpec& spec, const std::vector<std::string>& columns) {
  size_t keys = 0;
  while (keys < columns.size() &&
         (columns[keys] == "period" || columns[keys] == spec.time_grain ||
          std::find(spec.dimensions.begin(), spec.dimensions.end(), columns[keys]) != spec.dimensions.end())) {
    ++keys;
  }
  return keys;
}

bool IsComparison(const QuerySpec& spec) {
  if (!spec.compare_time_range.empty()) return spec.dimensions.empty();
  if (spec.dimensions.size() != 1 || !spec.time_grain.empty()) return false;
  return std::any_of(spec.filters.begin(), spec.filters.end(), [&](const Filter& f) {
    return f.field == spec.dimensions[0] && f.op == "=" && f.values.size() == 2;
  });
}

nlohmann::json DifferenceRow(const QuerySpec& spec, const SemanticModel& model, const std::vector<std::string>& columns,
                             const nlohmann::json& rows) {
  if (!IsComparison(spec) || rows.size() != 2 || KeyColumns(spec, columns) != 1) return nullptr;
  const bool ratio = IsRatioSpec(spec, model);
  nlohmann::json row = nlohmann::json::array(
      {fmt::format("difference ({} minus {})", FormatCell(rows[0][0]), FormatCell(rows[1][0]))});
  for (size_t c = 1; c < columns.size(); ++c) {
    const nlohmann::json &a = rows[0][c], &b = rows[1][c];
    if ((ratio && c > 1) || !a.is_number() || !b.is_number()) {
      row.push_back(nullptr);
      continue;
    }
    const Measure* m = model.FindMeasure(columns[c]);
    const int round = m ? m->round : 1;
    const double scale = std::pow(10.0, round);
    const double diff = std::round((a.get<double>() - b.get<double>()) * scale) / scale;
    if (round == 0 && a.is_number_integer() && b.is_number_integer()) {
      row.push_back(a.get<int64_t>() - b.get<int64_t>());
    } else {
      row.push_back(diff);
    }
  }
  return row;
}

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
    // Thousands separators ("2,011"): after at most three digits, a comma and exactly three
    // digits, repeatedly. (Lists are written with ", ", so they never look like this.)
    auto digit_at = [&](size_t at) { return at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])); };
    if (j - i <= 3) {
      while (j < text.size() && text[j] == ',' && digit_at(j + 1) && digit_at(j + 2) && digit_at(j + 3) &&
             !digit_at(j + 4)) {
        j += 4;
      }
    }
    if (j + 1 < text.size() && text[j] == '.' && std::isdigit(static_cast<unsigned char>(text[j + 1]))) {
      ++j;
      while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    }
    if (j < text.size() && (std::isalpha(static_cast<unsigned char>(text[j])) || text[j] == '_')) {
      while (j < text.size() && IsAlnum(text[j])) ++j;  // glued to letters: an id, not a number
    } else {
      bool negative = i > 0 && text[i - 1] == '-' && (i == 1 || !IsAlnum(text[i - 2]));
      std::string number(text.substr(i, j - i));
      number.erase(std::remove(number.begin(), number.end(), ','), number.end());
      double v = std::stod(number);
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
  const size_t keys = KeyColumns(spec, columns);
  bool any_value = false;
  for (const auto& row : rows) {
    for (size_t c = keys; c < columns.size(); ++c) any_value = any_value || !row[c].is_null();
  }
  if (!any_value) {  // e.g. sentiment before text analysis has run
    std::vector<std::string> labels;
    for (const auto& m : spec.measures) labels.push_back(MeasureLabel(model, m));
    return "There is no data for " + Join(labels, " and ") + Qualifiers(spec, model) + " yet.";
  }
  if (IsRatioSpec(spec, model)) return RatioText(spec, model, columns, rows, keys, truncated);
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
