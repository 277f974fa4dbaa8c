#include "models/clv/clv_summary_csv.h"

#include <array>
#include <charconv>
#include <optional>
#include <vector>

#include "core/strings.h"

namespace custintel::models {
namespace {

enum Column { kId, kFrequency, kRecency, kAge, kMonetary, kColumnCount };

// Accepted header names per column, lower case.
const std::array<std::vector<std::string_view>, kColumnCount> kAliases = {{
    {"id", "customer_id", "customer", "cust"},
    {"frequency", "x"},
    {"recency", "t_x"},
    {"t"},
    {"monetary_value", "zbar", "m"},
}};

// Splits one CSV line, honouring double quotes ("" inside quotes is a quote).
std::vector<std::string> SplitCsvLine(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::optional<Column> ColumnOf(std::string_view header) {
  const std::string name = ToLower(Trim(header));
  for (int c = 0; c < kColumnCount; ++c) {
    for (std::string_view alias : kAliases[c]) {
      if (name == alias) return static_cast<Column>(c);
    }
  }
  return std::nullopt;
}

struct Layout {
  std::array<int, kColumnCount> position;  // field index per column, −1 when absent
  std::vector<std::string> headers;
};

Result<Layout> ParseHeader(std::string_view line, const std::string& source) {
  Layout layout;
  layout.position.fill(-1);
  layout.headers = SplitCsvLine(line);
  for (size_t i = 0; i < layout.headers.size(); ++i) {
    const std::optional<Column> column = ColumnOf(layout.headers[i]);
    if (column && layout.position[*column] < 0) layout.position[*column] = static_cast<int>(i);
  }
  const char* required[] = {"", "frequency (or x)", "recency (or t_x)", "T", ""};
  for (int c = kFrequency; c <= kAge; ++c) {
    if (layout.position[c] < 0) {
      return Status::InvalidArgument(source + " line 1: no " + required[c] +
                                     " column; the header has: " + Join(layout.headers, ", "));
    }
  }
  return layout;
}

Result<double> ParseNumber(std::string_view field, const std::string& where) {
  const std::string_view text = Trim(field);
  double value = 0.0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Status::InvalidArgument(where + ": '" + std::string(text) + "' is not a number");
  }
  return value;
}

Status AppendRow(std::string_view line, size_t line_number, const Layout& layout,
                 const std::string& source, ClvSummary* summary) {
  const std::vector<std::string> fields = SplitCsvLine(line);
  const std::string at = source + " line " + std::to_string(line_number);
  if (fields.size() != layout.headers.size()) {
    return Status::InvalidArgument(at + ": " + std::to_string(fields.size()) + " fields, the header has " +
                                   std::to_string(layout.headers.size()));
  }
  std::vector<double>* targets[] = {nullptr, &summary->frequency, &summary->recency, &summary->T,
                                    &summary->monetary_value};
  for (int c = kFrequency; c < kColumnCount; ++c) {
    const int pos = layout.position[c];
    if (pos < 0) continue;
    CI_ASSIGN_OR_RETURN(double value,
                        ParseNumber(fields[pos], at + " column '" + layout.headers[pos] + "'"));
    targets[c]->push_back(value);
  }
  if (layout.position[kId] >= 0) summary->customer_id.emplace_back(Trim(fields[layout.position[kId]]));
  const std::string problem = ClvSummaryRowProblem(*summary, summary->size() - 1);
  if (!problem.empty()) return Status::InvalidArgument(at + ": " + problem);
  return Status::Ok();
}

}  // namespace

Result<ClvSummary> ParseClvSummaryCsv(std::string_view text, const std::string& source) {
  std::vector<std::string> lines = Split(text, '\n');
  size_t first = 0;
  while (first < lines.size() && Trim(lines[first]).empty()) ++first;
  if (first == lines.size()) return Status::InvalidArgument(source + ": the file is empty");
  CI_ASSIGN_OR_RETURN(Layout layout, ParseHeader(Trim(lines[first]), source));
  ClvSummary summary;
  for (size_t i = first + 1; i < lines.size(); ++i) {
    const std::string_view line = Trim(lines[i]);
    if (line.empty()) continue;
    CI_RETURN_IF_ERROR(AppendRow(line, i + 1, layout, source, &summary));
  }
  if (summary.size() == 0) return Status::InvalidArgument(source + ": no customer rows after the header");
  return summary;
}

Result<ClvSummary> ReadClvSummaryCsv(const std::string& path) {
  std::string text;
  if (!ReadFileToString(path, &text)) return Status::NotFound("cannot read CLV summary file " + path);
  return ParseClvSummaryCsv(text, path);
}

}  // namespace custintel::models
