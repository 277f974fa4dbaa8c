#include "ask/evaluate.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>

#include "ask/answer.h"
#include "core/strings.h"
#include "store/result_json.h"

namespace custintel::ask {
namespace {

// Half a unit of the last decimal the answer shows in this column (a count: exact).
double Tolerance(const std::string& column, const SemanticModel& model) {
  std::string name = column;
  if (name.rfind("matching_", 0) == 0) name = name.substr(9);
  int round = 1;  // "share" and unnamed figures: a percentage with one decimal
  if (const Measure* m = model.FindMeasure(name)) round = m->round;
  return 0.5 * std::pow(10.0, -round);
}

bool Near(double want, double got, double tolerance) {
  return std::fabs(want - got) <= tolerance * 1.0001 + 1e-9 * std::fabs(want);
}

struct Figure {
  nlohmann::json value;
  double tolerance;
};

// A number (or null) of the expected row found among `figures`.
bool Found(const nlohmann::json& want, const std::vector<Figure>& figures) {
  for (const Figure& f : figures) {
    if (want.is_null() ? f.value.is_null() : f.value.is_number() && Near(want.get<double>(), f.value.get<double>(), f.tolerance)) {
      return true;
    }
  }
  return false;
}

std::string Text(const nlohmann::json& cell) { return ToLower(FormatCell(cell)); }

}  // namespace

Result<std::vector<AskEvalQuestion>> LoadAskEvalSet(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path + ": no such question set");
  std::vector<AskEvalQuestion> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (Trim(line).empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("q") || !j["q"].is_string()) {
      return Status::InvalidArgument(fmt::format("{} line {}: not a JSON object with \"q\"", path, n));
    }
    AskEvalQuestion q{j["q"], j.value("family", "other"), j.value("sql", ""), j.value("refuse", false)};
    if (!q.refuse && q.sql.empty()) {
      return Status::InvalidArgument(fmt::format("{} line {}: an answerable question needs \"sql\"", path, n));
    }
    out.push_back(std::move(q));
  }
  if (out.empty()) return Status::InvalidArgument(path + ": no questions");
  return out;
}

bool AnswerMatches(const nlohmann::json& expected, const AskAnswer& a, const SemanticModel& model, std::string* why) {
  const size_t keys = KeyColumns(a.spec, a.columns);
  std::vector<std::vector<Figure>> figures(a.rows.size());
  std::vector<std::vector<std::string>> labels(a.rows.size());
  std::vector<Figure> all;
  for (size_t r = 0; r < a.rows.size(); ++r) {
    for (size_t c = 0; c < a.columns.size() && c < a.rows[r].size(); ++c) {
      if (c < keys) {
        labels[r].push_back(Text(a.rows[r][c]));
      } else {
        figures[r].push_back({a.rows[r][c], Tolerance(a.columns[c], model)});
        all.push_back(figures[r].back());
      }
    }
  }
  bool any_text = false;
  for (const auto& row : expected) {
    for (const auto& cell : row) any_text = any_text || cell.is_string();
  }
  // Rows the SQL answer does not have: at most a comparison's difference (and, for numbers of
  // one SQL row, one answer row each).
  size_t numbers = 0;
  for (const auto& row : expected) numbers += row.size();
  const size_t most = (any_text ? expected.size() : std::max<size_t>(numbers, 1)) + 1;
  if (a.rows.size() > most) {
    *why = fmt::format("{} rows, the SQL answer has {}", a.rows.size(), expected.size());
    return false;
  }
  for (const auto& row : expected) {
    bool matched = false;
    for (size_t r = 0; r < a.rows.size() && !matched; ++r) {
      bool ok = true;
      for (const auto& cell : row) {
        if (!ok) break;
        if (cell.is_string()) {
          ok = std::find(labels[r].begin(), labels[r].end(), ToLower(cell.get<std::string>())) != labels[r].end();
        } else {
          ok = Found(cell, any_text ? figures[r] : all);
        }
      }
      matched = ok;
    }
    if (!matched) {
      *why = "no answer row has " + row.dump();
      return false;
    }
  }
  return true;
}

Result<AskEvalReport> EvaluateAsk(store::Connection& conn, const std::vector<AskEvalQuestion>& set, AskOptions options) {
  options.audit = false;
  if (!options.model) {
    CI_ASSIGN_OR_RETURN(options.model, LoadModelFor(conn));
  }
  AskEvalReport report;
  for (const AskEvalQuestion& q : set) {
    AskEvalOutcome o;
    o.q = q;
    Result<AskAnswer> a = Ask(conn, q.question, options);
    if (!a.ok()) {
      o.why = "error: " + a.status().message();
    } else {
      o.answer = a->ToJson();
      if (q.refuse) {
        o.passed = !a->answered;
        if (!o.passed) o.why = "answered a question it should refuse";
      } else if (!a->answered) {
        o.why = "not answered: " + a->reason;
      } else {
        Result<store::QueryResult> sql = conn.Query(q.sql);
        if (!sql.ok()) return sql.status().WithContext("the SQL answer of '" + q.question + "'");
        const store::QueryResult& r = *sql;
        o.expected = nlohmann::json::array();
        for (size_t row = 0; row < r.row_count(); ++row) {
          nlohmann::json cells = nlohmann::json::array();
          for (size_t c = 0; c < r.column_count(); ++c) cells.push_back(store::CellToJson(r, c, row));
          o.expected.push_back(std::move(cells));
        }
        o.passed = AnswerMatches(o.expected, *a, *options.model, &o.why);
      }
    }
    AskEvalReport::Tally& t = q.refuse ? report.refusals : report.families[q.family];
    ++t.total;
    t.passed += o.passed ? 1 : 0;
    if (!q.refuse) {
      ++report.overall.total;
      report.overall.passed += o.passed ? 1 : 0;
    }
    report.outcomes.push_back(std::move(o));
  }
  return report;
}

nlohmann::json AskEvalReport::ToJson() const {
  auto tally = [](const Tally& t) {
    return nlohmann::json{{"questions", t.total}, {"correct", t.passed}, {"accuracy", std::round(t.rate() * 10) / 10}};
  };
  nlohmann::json fam = nlohmann::json::object();
  for (const auto& [name, t] : families) fam[name] = tally(t);
  nlohmann::json misses = nlohmann::json::array();
  for (const AskEvalOutcome& o : outcomes) {
    if (o.passed) continue;
    nlohmann::json m = {{"question", o.q.question}, {"family", o.q.family}, {"why", o.why}};
    if (!o.expected.is_null()) m["expected"] = o.expected;
    if (o.answer.is_object()) {
      m["spec"] = o.answer["spec"];
      m["rows"] = o.answer["rows"];
    }
    misses.push_back(std::move(m));
  }
  return {{"overall", tally(overall)},
          {"families", fam},
          {"refusals", {{"questions", refusals.total}, {"refused", refusals.passed},
                        {"rate", std::round(refusals.rate() * 10) / 10}}},
          {"misses", misses}};
}

std::string AskEvalReport::ToText() const {
  std::string out = fmt::format("ask on the held-out set: {}/{} answered right ({:.1f}%); {}/{} out-of-scope refused ({:.1f}%)\n",
                                overall.passed, overall.total, overall.rate(), refusals.passed, refusals.total,
                                refusals.rate());
  for (const auto& [name, t] : families) {
    out += fmt::format("  {:<12} {:>3}/{:<3} {:5.1f}%\n", name, t.passed, t.total, t.rate());
  }
  for (const AskEvalOutcome& o : outcomes) {
    if (!o.passed) out += fmt::format("  miss [{}] {}: {}\n", o.q.family, o.q.question, o.why);
  }
  return out;
}

}  // namespace custintel::ask
