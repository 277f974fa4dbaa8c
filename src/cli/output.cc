#include "cli/output.h"

#include <ostream>
#include <vector>

#include "core/strings.h"
#include "store/result_json.h"

namespace custintel::cli {
namespace {

using store::ColumnType;

bool IsNumeric(ColumnType t) {
  return t == ColumnType::kInteger || t == ColumnType::kDouble || t == ColumnType::kDecimal;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

// Display width of UTF-8 text, counting code points (good enough for aligned tables).
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

void PrintTable(const store::QueryResult& r, const std::vector<ColumnText>& shown, std::ostream& out) {
  const size_t cols = r.column_count(), rows = r.row_count();
  std::vector<const ColumnText*> as(cols, nullptr);
  std::vector<std::string> names(cols);
  for (size_t c = 0; c < cols; ++c) {
    names[c] = r.column_name(c);
    for (const ColumnText& t : shown) {
      if (t.column == names[c]) as[c] = &t;
    }
    if (as[c]) names[c] = as[c]->header;
  }
  std::vector<std::vector<std::string>> cells(rows, std::vector<std::string>(cols));
  std::vector<size_t> width(cols);
  for (size_t c = 0; c < cols; ++c) width[c] = Width(names[c]);
  for (size_t i = 0; i < rows; ++i) {
    for (size_t c = 0; c < cols; ++c) {
      if (r.IsNull(c, i)) cells[i][c] = as[c] ? "" : "NULL";
      else cells[i][c] = as[c] ? as[c]->text(r.GetString(c, i)) : r.GetString(c, i);
      width[c] = std::max(width[c], Width(cells[i][c]));
    }
  }
  auto line = [&](const std::vector<std::string>& v, bool header) {
    for (size_t c = 0; c < cols; ++c) {
      std::string pad(width[c] - Width(v[c]), ' ');
      bool right = !header && !as[c] && IsNumeric(r.column_type(c));
      out << (c ? "  " : "") << (right ? pad + v[c] : v[c] + (c + 1 < cols ? pad : ""));
    }
    out << '\n';
  };
  line(names, true);
  std::vector<std::string> rule;
  for (size_t c = 0; c < cols; ++c) rule.push_back(std::string(width[c], '-'));
  line(rule, true);
  for (const auto& row : cells) line(row, false);
  out << "(" << rows << (rows == 1 ? " row" : " rows") << ")\n";
}

Result<store::QueryResult> QueryForPrinting(store::Connection& conn, const std::string& sql) {
  std::string body(Trim(sql));
  while (!body.empty() && body.back() == ';') body = std::string(Trim(body.substr(0, body.size() - 1)));
  auto described = conn.Query("DESCRIBE " + body);  // plans only; fails for non-queries
  if (!described.ok()) return conn.Query(sql);
  bool nested = false;
  std::string columns;
  for (size_t i = 0; i < described->row_count(); ++i) {
    std::string name = described->GetString(0, i), type = described->GetString(1, i);
    bool is_nested = type.find('[') != std::string::npos || type.starts_with("STRUCT") ||
                     type.starts_with("MAP") || type.starts_with("UNION");
    nested |= is_nested;
    columns += (i ? ", " : "") + (is_nested ? "to_json(" + QuoteIdent(name) + ") AS " + QuoteIdent(name)
                                            : QuoteIdent(name));
  }
  if (!nested) return conn.Query(sql);
  auto wrapped = conn.Query("SELECT " + columns + " FROM (" + body + ")");
  return wrapped.ok() ? std::move(wrapped) : conn.Query(sql);
}

void PrintResult(const store::QueryResult& r, OutputFormat format, std::ostream& out) {
  if (format == OutputFormat::kJson) {
    out << store::ResultToJson(r).dump(2) << '\n';
    return;
  }
  if (format == OutputFormat::kTable) {
    PrintTable(r, {}, out);
    return;
  }
  for (size_t c = 0; c < r.column_count(); ++c) out << (c ? "," : "") << CsvField(r.column_name(c));
  out << '\n';
  for (size_t i = 0; i < r.row_count(); ++i) {
    for (size_t c = 0; c < r.column_count(); ++c) {
      out << (c ? "," : "") << (r.IsNull(c, i) ? "" : CsvField(r.GetString(c, i)));
    }
    out << '\n';
  }
}

}  // namespace custintel::cli
