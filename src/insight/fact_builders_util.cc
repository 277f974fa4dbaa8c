// Shared helpers of the fact builders (fact_builders_internal.h).
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/strings.h"
#include "features/kpis.h"
#include "insight/fact_builders_internal.h"
#include "text/pii.h"

namespace custintel::insight::detail {

Result<std::vector<std::string>> RangeChunks(store::Connection& conn, const std::string& column,
                                             const std::string& from, int64_t chunk_size) {
  chunk_size = std::max<int64_t>(1, chunk_size);
  CI_ASSIGN_OR_RETURN(store::QueryResult bounds, conn.Query(fmt::format(
      "SELECT v FROM (SELECT v, row_number() OVER (ORDER BY v) - 1 AS n FROM "
      "(SELECT DISTINCT {0} AS v FROM {1} AND {0} IS NOT NULL)) WHERE n % {2} = 0 ORDER BY v",
      column, from, chunk_size)));
  if (bounds.row_count() <= 1) return std::vector<std::string>{column + " IS NOT NULL"};
  std::vector<std::string> out;
  for (size_t i = 0; i < bounds.row_count(); ++i) {
    std::string range = fmt::format("{} >= {}", column, QuoteLiteral(bounds.GetString(0, i)));
    if (i + 1 < bounds.row_count()) range += fmt::format(" AND {} < {}", column, QuoteLiteral(bounds.GetString(0, i + 1)));
    out.push_back(std::move(range));
  }
  return out;
}

void InCurrency(FactSheet& sheet, const std::string& currency) {
  for (Fact& f : sheet.facts) {
    if (f.unit == FactUnit::kMoney) f.currency = currency;
  }
}

void AddEntity(FactSheet& sheet, const std::string& name) {
  if (name.empty()) return;
  if (std::find(sheet.entities.begin(), sheet.entities.end(), name) == sheet.entities.end()) {
    sheet.entities.push_back(name);
  }
}

namespace {

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Letters, spaces, apostrophes, hyphens and dots only: such a name cannot match inside the
// placeholders ("[EMAIL_1]") the masker writes before its name pass.
bool IsPlainName(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == ' ' || c == '\'' || c == '-' || c == '.';
  });
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Whether the name pass of the masker could match `name` in `text`. Compiling that pass costs
// more than masking a review, and most texts never name their writer. Conservative: a name is
// dropped only when the text is ASCII, the name plain ASCII letters (no Unicode case folding
// can match), and neither the name nor any of its words occurs in the text, case folded.
bool MayName(std::string_view text, const std::string& lower_text, const std::string& name) {
  if (!IsAscii(text) || !IsAscii(name) || !IsPlainName(name)) return true;
  std::string lower = AsciiLower(name);
  for (size_t i = 0; i <= lower.size();) {
    size_t j = std::min(lower.find(' ', i), lower.size());
    if (j > i && lower_text.find(std::string_view(lower).substr(i, j - i)) != std::string::npos) return true;
    i = j + 1;
  }
  return false;
}

}  // namespace

std::string MaskedText(std::string_view text, const std::vector<std::string>& names, size_t max_chars) {
  text::PiiOptions opts;
  const std::string lower_text = AsciiLower(text);
  for (const std::string& n : names) {
    if (n.size() >= 2 && MayName(text, lower_text, n)) opts.names.push_back(n);
  }
  std::string masked = text::MaskPii(text, opts).text;
  std::string out;
  for (char c : masked) {
    bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  if (out.size() > max_chars) {
    size_t cut = out.rfind(' ', max_chars);
    out = out.substr(0, cut == std::string::npos ? max_chars : cut) + " ...";
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string AsOfRun(std::string sql) {
  const std::string as_of = features::RunAsOfSql("gold");
  for (size_t p = sql.find("{T}"); p != std::string::npos; p = sql.find("{T}", p + as_of.size())) {
    sql.replace(p, 3, as_of);
  }
  return sql;
}

Status RequireGold(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(bool built, store::TablesExist(conn, "gold", {"segments", "customer_scores", "customer_features",
                                                                      "segment_insights", "executive_metrics"}));
  if (!built) {
    return Status::NotFound("the gold tables are not built yet: run `custintel run` first");
  }
  return Status::Ok();
}

}  // namespace custintel::insight::detail
