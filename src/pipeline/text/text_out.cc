#include "pipeline/text/text_out.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string_view>
#include <utility>

#include "core/embedded.h"

namespace custintel::pipeline {
namespace {

using text::TextInput;
using text::TextInsight;
using text::TicketTriage;
using text::ToString;

store::Param TextOrNull(std::string s) { return s.empty() ? store::Param() : store::Param(std::move(s)); }

}  // namespace

Status RunTextSql(store::Connection& conn, const std::string& path) {
  auto sql = embedded::Find(path);
  if (!sql) return Status::Internal("SQL " + path + " is not embedded in this build");
  std::string text(*sql);
  const std::pair<std::string_view, std::string_view> names[] = {{"{todo}", kTextTodo}, {"{out}", kTextOut}};
  for (const auto& [name, value] : names) {
    for (size_t p = text.find(name); p != std::string::npos; p = text.find(name, p + value.size())) {
      text.replace(p, name.size(), value);
    }
  }
  return conn.Execute(text).WithContext(path);
}

Status CreateTextOut(store::Connection& conn) {
  return conn.Execute(std::string("CREATE OR REPLACE TEMP TABLE ") + kTextOut + " (rn BIGINT, score DOUBLE, label VARCHAR, summary VARCHAR, "
      "themes VARCHAR, urgency VARCHAR, mood VARCHAR, root_cause VARCHAR, resolution VARCHAR, "
      "playbook_note_id VARCHAR, follow_up_needed BOOLEAN, tags VARCHAR, template VARCHAR, cache_key VARCHAR)");
}

Result<std::vector<TextInput>> ReadTodo(store::Connection& conn, int64_t begin, int64_t end) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      fmt::format("SELECT title, body, rating FROM {} WHERE rn >= ? AND rn < ? ORDER BY rn", kTextTodo), {begin, end}));
  std::vector<TextInput> in(r.row_count());
  for (size_t i = 0; i < in.size(); ++i) {
    in[i].title = r.GetString(0, i);
    in[i].body = r.GetString(1, i);
    if (!r.IsNull(2, i)) in[i].rating = static_cast<int>(r.GetInt64(2, i));
  }
  return in;
}

Status AppendInsight(store::Appender& app, int64_t rn, TextInsight& x) {
  constexpr size_t kTriageColumns = 7;
  std::vector<store::Param> row = {rn, x.score, std::move(x.label), std::move(x.summary), std::move(x.themes_json)};
  if (x.triage) {
    const TicketTriage& t = *x.triage;
    row.insert(row.end(), {std::string(ToString(t.urgency)), std::string(ToString(t.sentiment)), t.root_cause,
                           t.suggested_resolution, t.playbook_note_id, t.follow_up_needed,
                           nlohmann::json(t.tags).dump()});
  } else {
    row.resize(row.size() + kTriageColumns);  // std::monostate: NULL
  }
  row.push_back(TextOrNull(std::move(x.template_key)));
  row.push_back(TextOrNull(std::move(x.cache_key)));
  for (const store::Param& p : row) CI_RETURN_IF_ERROR(app.Append(p));
  return app.EndRow();
}

}  // namespace custintel::pipeline
