#include "ask/semantic_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <nlohmann/json.hpp>

#include "core/embedded.h"
#include "core/strings.h"
#include "core/toml_json.h"
#include "features/currency.h"
#include "features/kpis.h"

namespace custintel::ask {
namespace {

template <class T>
const T* FindByName(const std::vector<T>& items, const std::string& name) {
  for (const T& item : items) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

template <class T>
int IndexByName(const std::vector<T>& items, const std::string& name) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

// The TOML document, read as JSON (core/toml_json.h).
using Doc = nlohmann::json;

// `node` when it is a table, else null.
const Doc* Table(const Doc& node) { return node.is_object() ? &node : nullptr; }

// Member `key` of table `t`, or null.
const Doc* Member(const Doc& t, const char* key) {
  auto it = t.find(key);
  return it == t.end() ? nullptr : &*it;
}

std::string GetString(const Doc& t, const char* key, const std::string& fallback = "") {
  const Doc* v = Member(t, key);
  return v && v->is_string() ? v->get<std::string>() : fallback;
}

bool GetBool(const Doc& t, const char* key) {
  const Doc* v = Member(t, key);
  return v && v->is_boolean() && v->get<bool>();
}

int64_t GetInt(const Doc& t, const char* key, int64_t fallback) {
  const Doc* v = Member(t, key);
  return v && v->is_number_integer() ? v->get<int64_t>() : fallback;
}

Result<std::vector<std::string>> GetStrings(const Doc& t, const char* key, const std::string& where) {
  std::vector<std::string> out;
  const Doc* node = Member(t, key);
  if (!node) return out;
  if (!node->is_array()) return Status::InvalidArgument(fmt::format("{}: '{}' must be an array of strings", where, key));
  for (const Doc& item : *node) {
    if (!item.is_string()) return Status::InvalidArgument(fmt::format("{}: '{}' must be an array of strings", where, key));
    out.push_back(item.get<std::string>());
  }
  return out;
}

// [["source", "sql"], ...]
Result<SourceSql> GetSourceSql(const Doc& t, const char* key, const std::string& where) {
  SourceSql out;
  const Doc* node = Member(t, key);
  if (!node) return out;
  if (!node->is_array()) return Status::InvalidArgument(fmt::format("{}: '{}' must be [[source, sql], ...]", where, key));
  for (const Doc& pair : *node) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return Status::InvalidArgument(fmt::format("{}: '{}' must be [[source, sql], ...]", where, key));
    }
    out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return out;
}

// { name = "other name", ... }
Result<std::map<std::string, std::string>> GetNameMap(const Doc& t, const char* key, const std::string& where) {
  std::map<std::string, std::string> out;
  const Doc* node = Member(t, key);
  if (!node) return out;
  if (!node->is_object()) return Status::InvalidArgument(fmt::format("{}: '{}' must be a table of names", where, key));
  for (const auto& [k, v] : node->items()) {
    if (!v.is_string()) return Status::InvalidArgument(fmt::format("{}: '{}' must be a table of names", where, key));
    out[k] = v.get<std::string>();
  }
  return out;
}

// {ref} → the reference time; {kpi NAME ALIAS} → the figure's aggregate and {kpi_rows NAME
// ALIAS} → the rows it counts (features/kpis.h).
Result<std::string> Expand(const std::string& sql, const std::string& reference_time, const std::string& where) {
  static const std::regex kToken(R"(\{(ref|(kpi|kpi_rows) ([a-z_]+) ([a-z_]+))\})");
  std::string out, rest = sql;
  std::smatch m;
  while (std::regex_search(rest, m, kToken)) {
    out += m.prefix().str();
    if (m[1].str() == "ref") {
      out += "(" + reference_time + ")";
    } else {
      const features::Kpi* kpi = features::FindKpi(m[3].str());
      if (!kpi) return Status::InvalidArgument(where + ": unknown figure '" + m[3].str() + "' (features/kpis.h)");
      out += m[2].str() == "kpi" ? features::KpiAggregate(*kpi, m[4].str(), reference_time)
                                 : features::KpiRows(*kpi, m[4].str(), reference_time);
    }
    rest = m.suffix().str();
  }
  return out + rest;
}

Status ExpandAll(SemanticModel* model) {
  auto expand = [&](SourceSql* sql, const std::string& where) -> Status {
    for (auto& [source, expr] : *sql) {
      CI_ASSIGN_OR_RETURN(expr, Expand(expr, model->reference_time, where));
    }
    return Status::Ok();
  };
  for (Source& s : model->sources) {
    CI_ASSIGN_OR_RETURN(s.as_of, Expand(s.as_of, model->reference_time, "source " + s.name));
  }
  for (Measure& m : model->measures) {
    CI_RETURN_IF_ERROR(expand(&m.aggregate, "measure " + m.name));
    CI_RETURN_IF_ERROR(expand(&m.row, "measure " + m.name));
  }
  for (Condition& c : model->conditions) CI_RETURN_IF_ERROR(expand(&c.predicate, "condition " + c.name));
  return Status::Ok();
}

const Doc* GetTables(const Doc& root, const char* key) {
  const Doc* node = Member(root, key);
  return node && node->is_array() ? node : nullptr;
}

Status ParseSources(const Doc& root, SemanticModel* model) {
  const Doc* arr = GetTables(root, "sources");
  if (!arr || arr->empty()) return Status::InvalidArgument("semantic model: no [[sources]]");
  for (size_t i = 0; i < arr->size(); ++i) {
    const Doc* t = Table((*arr)[i]);
    std::string where = fmt::format("sources[{}]", i);
    if (!t) return Status::InvalidArgument(where + " must be a table");
    Source s;
    s.name = GetString(*t, "name");
    s.from = GetString(*t, "from");
    s.time = GetString(*t, "time");
    s.time_label = GetString(*t, "time_label", "date");
    s.count_measure = GetString(*t, "count_measure");
    if (s.name.empty() || s.from.empty()) return Status::InvalidArgument(where + " needs name and from");
    CI_ASSIGN_OR_RETURN(s.time_measures, GetStrings(*t, "time_measures", where));
    CI_ASSIGN_OR_RETURN(s.verbs, GetStrings(*t, "verbs", where));
    s.as_of = GetString(*t, "as_of");
    if (const Doc* scope = Member(*t, "scope"); scope && scope->is_object()) {
      for (const auto& [key, value] : scope->items()) {
        if (!value.is_string()) return Status::InvalidArgument(where + ": scope values must be column expressions");
        s.scope[key] = value.get<std::string>();
      }
    }
    model->sources.push_back(std::move(s));
  }
  return Status::Ok();
}

Status ParseMeasures(const Doc& root, SemanticModel* model) {
  const Doc* arr = GetTables(root, "measures");
  if (!arr || arr->empty()) return Status::InvalidArgument("semantic model: no [[measures]]");
  for (size_t i = 0; i < arr->size(); ++i) {
    const Doc* t = Table((*arr)[i]);
    std::string where = fmt::format("measures[{}]", i);
    if (!t) return Status::InvalidArgument(where + " must be a table");
    Measure m;
    m.name = GetString(*t, "name");
    m.label = GetString(*t, "label", m.name);
    m.description = GetString(*t, "description");
    CI_ASSIGN_OR_RETURN(m.synonyms, GetStrings(*t, "synonyms", where));
    CI_ASSIGN_OR_RETURN(m.aggregate, GetSourceSql(*t, "on", where));
    CI_ASSIGN_OR_RETURN(m.row, GetSourceSql(*t, "row", where));
    m.higher_is_better = GetString(*t, "better", "higher") != "lower";
    m.round = static_cast<int>(GetInt(*t, "round", 2));
    m.money = GetBool(*t, "money");
    CI_ASSIGN_OR_RETURN(m.combine, GetNameMap(*t, "combine", where));
    const std::string kind = GetString(*t, "kind", "aggregate");
    if (kind == "ratio") {
      m.numerator = GetString(*t, "numerator");
      m.denominator = GetString(*t, "denominator");
      m.percent = GetBool(*t, "percent");
      if (m.name.empty() || m.numerator.empty() || m.denominator.empty() || !m.aggregate.empty()) {
        return Status::InvalidArgument(where + ": a ratio needs name, numerator and denominator (and no on)");
      }
    } else if (kind != "aggregate") {
      return Status::InvalidArgument(where + ": kind must be aggregate or ratio");
    } else if (m.name.empty() || m.aggregate.empty()) {
      return Status::InvalidArgument(where + " needs name and on");
    }
    model->measures.push_back(std::move(m));
  }
  return Status::Ok();
}

Status ParseDimensions(const Doc& root, SemanticModel* model) {
  const Doc* arr = GetTables(root, "dimensions");
  if (!arr) return Status::Ok();
  for (size_t i = 0; i < arr->size(); ++i) {
    const Doc* t = Table((*arr)[i]);
    std::string where = fmt::format("dimensions[{}]", i);
    if (!t) return Status::InvalidArgument(where + " must be a table");
    Dimension d;
    d.name = GetString(*t, "name");
    d.label = GetString(*t, "label", d.name);
    CI_ASSIGN_OR_RETURN(d.synonyms, GetStrings(*t, "synonyms", where));
    CI_ASSIGN_OR_RETURN(d.column, GetSourceSql(*t, "on", where));
    CI_ASSIGN_OR_RETURN(d.values, GetStrings(*t, "values", where));
    CI_ASSIGN_OR_RETURN(d.value_context, GetStrings(*t, "value_context", where));
    d.sample_from_data = GetBool(*t, "sample_from_data");
    d.word_forms = GetBool(*t, "word_forms");
    if (d.name.empty() || d.column.empty()) return Status::InvalidArgument(where + " needs name and on");
    model->dimensions.push_back(std::move(d));
  }
  return Status::Ok();
}

Status ParseConditions(const Doc& root, SemanticModel* model) {
  const Doc* arr = GetTables(root, "conditions");
  if (!arr) return Status::Ok();
  for (size_t i = 0; i < arr->size(); ++i) {
    const Doc* t = Table((*arr)[i]);
    std::string where = fmt::format("conditions[{}]", i);
    if (!t) return Status::InvalidArgument(where + " must be a table");
    Condition c;
    c.name = GetString(*t, "name");
    c.label = GetString(*t, "label", c.name);
    c.description = GetString(*t, "description");
    c.measure = GetString(*t, "measure");
    CI_ASSIGN_OR_RETURN(c.synonyms, GetStrings(*t, "synonyms", where));
    CI_ASSIGN_OR_RETURN(c.predicate, GetSourceSql(*t, "on", where));
    CI_ASSIGN_OR_RETURN(c.combine, GetNameMap(*t, "combine", where));
    if (c.name.empty() || c.predicate.empty()) return Status::InvalidArgument(where + " needs name and on");
    model->conditions.push_back(std::move(c));
  }
  return Status::Ok();
}

Status ParseVerified(const Doc& root, SemanticModel* model) {
  const Doc* arr = GetTables(root, "verified");
  if (!arr) return Status::Ok();
  for (size_t i = 0; i < arr->size(); ++i) {
    const Doc* t = Table((*arr)[i]);
    if (!t) return Status::InvalidArgument(fmt::format("verified[{}] must be a table", i));
    VerifiedQuestion v{GetString(*t, "question"), GetString(*t, "spec")};
    if (v.question.empty() || v.spec_json.empty()) {
      return Status::InvalidArgument(fmt::format("verified[{}] needs question and spec", i));
    }
    model->verified.push_back(std::move(v));
  }
  return Status::Ok();
}

// Every per-source expression must name a declared source.
Status CheckReferences(const SemanticModel& model) {
  auto check = [&](const SourceSql& sql, const std::string& what) -> Status {
    for (const auto& [source, expr] : sql) {
      if (!model.FindSource(source)) {
        return Status::InvalidArgument(fmt::format("{}: unknown source '{}'", what, source));
      }
    }
    return Status::Ok();
  };
  for (const Measure& m : model.measures) {
    CI_RETURN_IF_ERROR(check(m.aggregate, "measure " + m.name));
    CI_RETURN_IF_ERROR(check(m.row, "measure " + m.name));
  }
  for (const Measure& m : model.measures) {
    for (const std::string* part : {&m.numerator, &m.denominator}) {
      if (part->empty()) continue;
      const Measure* p = model.FindMeasure(*part);
      if (!p || p->is_ratio()) {
        return Status::InvalidArgument(fmt::format("measure {}: '{}' is not an aggregate measure", m.name, *part));
      }
    }
  }
  auto check_combine = [&](const std::map<std::string, std::string>& combine, const std::string& what) -> Status {
    for (const auto& [other, result] : combine) {
      if (!model.FindMeasure(other) || !model.FindMeasure(result)) {
        return Status::InvalidArgument(fmt::format("{}: combine names an unknown measure ({} = {})", what, other, result));
      }
    }
    return Status::Ok();
  };
  for (const Measure& m : model.measures) CI_RETURN_IF_ERROR(check_combine(m.combine, "measure " + m.name));
  for (const Condition& c : model.conditions) CI_RETURN_IF_ERROR(check_combine(c.combine, "condition " + c.name));
  for (const Dimension& d : model.dimensions) CI_RETURN_IF_ERROR(check(d.column, "dimension " + d.name));
  for (const Condition& c : model.conditions) CI_RETURN_IF_ERROR(check(c.predicate, "condition " + c.name));
  for (const Condition& c : model.conditions) {
    if (!c.measure.empty() && !model.FindMeasure(c.measure)) {
      return Status::InvalidArgument(fmt::format("condition {}: unknown measure '{}'", c.name, c.measure));
    }
  }
  for (const Source& s : model.sources) {
    if (!s.count_measure.empty() && !model.FindMeasure(s.count_measure)) {
      return Status::InvalidArgument(fmt::format("source {}: unknown count_measure '{}'", s.name, s.count_measure));
    }
    for (const std::string& m : s.time_measures) {
      if (!model.FindMeasure(m)) {
        return Status::InvalidArgument(fmt::format("source {}: time_measures names unknown measure '{}'", s.name, m));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

const Source* SemanticModel::FindSource(const std::string& n) const { return FindByName(sources, n); }
const Measure* SemanticModel::FindMeasure(const std::string& n) const { return FindByName(measures, n); }
const Dimension* SemanticModel::FindDimension(const std::string& n) const { return FindByName(dimensions, n); }
const Condition* SemanticModel::FindCondition(const std::string& n) const { return FindByName(conditions, n); }
int SemanticModel::MeasureIndex(const std::string& n) const { return IndexByName(measures, n); }
int SemanticModel::DimensionIndex(const std::string& n) const { return IndexByName(dimensions, n); }
int SemanticModel::ConditionIndex(const std::string& n) const { return IndexByName(conditions, n); }

std::optional<std::string> SqlOn(const SourceSql& sql, const std::string& source) {
  for (const auto& [s, expr] : sql) {
    if (s == source) return expr;
  }
  return std::nullopt;
}

Result<SemanticModel> ParseSemanticModel(const std::string& text, const std::string& source_name) {
  CI_ASSIGN_OR_RETURN(const Doc root, ParseTomlAsJson(text, source_name));
  SemanticModel model;
  if (const Doc* m = Member(root, "model"); m && m->is_object()) {
    model.name = GetString(*m, "name");
    model.reference_time = GetString(*m, "reference_time");
    model.default_top = static_cast<int>(GetInt(*m, "default_top", model.default_top));
  }
  if (model.reference_time.empty()) model.reference_time = "current_timestamp";
  Status s = ParseSources(root, &model);
  if (s.ok()) s = ParseMeasures(root, &model);
  if (s.ok()) s = ParseDimensions(root, &model);
  if (s.ok()) s = ParseConditions(root, &model);
  if (s.ok()) s = ParseVerified(root, &model);
  if (s.ok()) s = CheckReferences(model);
  if (s.ok()) s = ExpandAll(&model);
  if (!s.ok()) return s.WithContext(source_name);
  return model;
}

Result<SemanticModel> DefaultSemanticModel() {
  auto text = embedded::Find("ask/assets/semantic_model.toml");
  if (!text) return Status::Internal("the embedded semantic model is missing from the binary");
  return ParseSemanticModel(std::string(*text), "semantic_model.toml");
}

Result<SemanticModel> LoadSemanticModel(const std::string& path) {
  std::string text;
  if (!std::filesystem::exists(path)) return Status::NotFound(path + ": no such semantic model file");
  if (!ReadFileToString(path, &text)) return Status::IoError(path + ": cannot be read");
  return ParseSemanticModel(text, path);
}

Status NameCurrency(store::Connection& conn, SemanticModel* model) {
  CI_ASSIGN_OR_RETURN(std::string currency, features::DataCurrency(conn));
  if (currency.empty()) return Status::Ok();
  for (Measure& m : model->measures) {
    if (m.money) m.label += " in " + currency;
  }
  return Status::Ok();
}

Status LoadSampleValues(store::Connection& conn, SemanticModel* model, int max_values) {
  for (Dimension& d : model->dimensions) {
    if (!d.sample_from_data || d.column.empty()) continue;
    const auto& [source_name, expr] = d.column.front();
    const Source* source = model->FindSource(source_name);
    std::string sql = fmt::format("SELECT DISTINCT CAST({} AS VARCHAR) AS v FROM {} WHERE {} IS NOT NULL LIMIT {}",
                                  expr, source->from, expr, max_values + 1);
    Result<store::QueryResult> rows = conn.Query(sql);
    if (!rows.ok() || rows->row_count() > static_cast<size_t>(max_values)) continue;
    for (size_t r = 0; r < rows->row_count(); ++r) {
      std::string v = rows->GetString(0, r);
      if (std::find(d.values.begin(), d.values.end(), v) == d.values.end()) d.values.push_back(v);
    }
  }
  return Status::Ok();
}

}  // namespace custintel::ask
