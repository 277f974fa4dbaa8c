// A minimal RFC 4180 reader for the gen tests (quoted fields, doubled quotes, embedded newlines),
// so the tests check the files the way a loader would read them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace custintel::gen::testing {

using Row = std::vector<std::string>;

inline std::vector<Row> ParseCsv(std::string_view s) {
  std::vector<Row> rows;
  Row row;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field.push_back(c);
    }
  }
  if (!field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

// Rows as maps from header name to value (header row dropped).
struct Table {
  Row header;
  std::vector<Row> rows;
  size_t Col(const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    return static_cast<size_t>(-1);
  }
};

inline Table ParseTable(std::string_view s) {
  std::vector<Row> all = ParseCsv(s);
  Table t;
  if (all.empty()) return t;
  t.header = std::move(all[0]);
  t.rows.assign(std::make_move_iterator(all.begin() + 1), std::make_move_iterator(all.end()));
  return t;
}

}  // namespace custintel::gen::testing
