#include "ask/spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>

namespace custintel::ask {
namespace {

const std::set<std::string> kGrains = {"day", "week", "month", "quarter", "year"};
const std::set<std::string> kOps = {"=", "!=", ">", ">=", "<", "<="};
constexpr const char* kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                       "July",    "August",   "September", "October", "November", "December"};

Result<std::vector<std::string>> StringList(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  const auto& v = j.at(key);
  if (!v.is_array()) return Status::InvalidArgument(fmt::format("spec: '{}' must be an array of names", key));
  for (const auto& item : v) {
    if (!item.is_string()) return Status::InvalidArgument(fmt::format("spec: '{}' must be an array of names", key));
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::string> StringField(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::string();
  if (!j.at(key).is_string()) return Status::InvalidArgument(fmt::format("spec: '{}' must be a string", key));
  return j.at(key).get<std::string>();
}

Result<Filter> FilterFromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("field") || !j["field"].is_string()) {
    return Status::InvalidArgument("spec: each filter needs \"field\"");
  }
  Filter f;
  f.field = j["field"].get<std::string>();
  f.op = j.contains("op") && j["op"].is_string() ? j["op"].get<std::string>() : "=";
  if (j.contains("values")) {
    if (!j["values"].is_array()) return Status::InvalidArgument("spec: filter values must be an array");
    for (const auto& v : j["values"]) f.values.push_back(v);
  } else if (j.contains("value")) {
    f.values.push_back(j["value"]);
  }
  return f;
}

bool IsValueOfType(const nlohmann::json& v, bool numeric) {
  return numeric ? v.is_number() : v.is_string();
}

Status ValidateFilter(const Filter& f, const SemanticModel& model) {
  if (!kOps.count(f.op)) return Status::InvalidArgument(fmt::format("filter on {}: unknown operator '{}'", f.field, f.op));
  const bool is_dimension = model.FindDimension(f.field) != nullptr;
  const Measure* measure = model.FindMeasure(f.field);
  if (!is_dimension && !measure) return Status::InvalidArgument("filter on unknown field '" + f.field + "'");
  if (measure && measure->row.empty()) {
    return Status::InvalidArgument("measure '" + f.field + "' cannot be used as a filter");
  }
  if (f.values.empty() || f.values.size() > 50) {
    return Status::InvalidArgument("filter on " + f.field + " needs 1 to 50 values");
  }
  if (is_dimension && f.op != "=" && f.op != "!=") {
    return Status::InvalidArgument("filter on dimension " + f.field + " must use = or !=");
  }
  if (measure && f.values.size() != 1) return Status::InvalidArgument("filter on " + f.field + " takes one number");
  for (const auto& v : f.values) {
    if (!IsValueOfType(v, measure != nullptr)) {
      return Status::InvalidArgument(fmt::format("filter on {}: value {} has the wrong type", f.field, v.dump()));
    }
    if (v.is_string() && v.get<std::string>().size() > 200) {
      return Status::InvalidArgument("filter on " + f.field + ": value longer than 200 characters");
    }
  }
  return Status::Ok();
}

template <class Pred>
void SortByModel(std::vector<std::string>* names, Pred index) {
  std::stable_sort(names->begin(), names->end(), [&](const auto& a, const auto& b) { return index(a) < index(b); });
  names->erase(std::unique(names->begin(), names->end()), names->end());
}

int ToInt(const std::string& s) { return std::stoi(s); }

nlohmann::json FiltersToJson(const std::vector<Filter>& filters) {
  nlohmann::json j = nlohmann::json::array();
  for (const Filter& f : filters) j.push_back({{"field", f.field}, {"op", f.op}, {"values", f.values}});
  return j;
}

Result<std::vector<Filter>> FiltersFromJson(const nlohmann::json& j, const char* where) {
  std::vector<Filter> out;
  if (!j.contains("filters")) return out;
  if (!j["filters"].is_array()) return Status::InvalidArgument(fmt::format("spec: '{}' must be an array", where));
  for (const auto& f : j["filters"]) {
    CI_ASSIGN_OR_RETURN(Filter filter, FilterFromJson(f));
    out.push_back(std::move(filter));
  }
  return out;
}

void CanonicalFilters(std::vector<Filter>* filters, const SemanticModel& model) {
  for (Filter& f : *filters) {
    if (f.op == "=" || f.op == "!=") {
      std::sort(f.values.begin(), f.values.end());
      f.values.erase(std::unique(f.values.begin(), f.values.end()), f.values.end());
    }
  }
  auto field_index = [&](const Filter& f) {
    int d = model.DimensionIndex(f.field);
    return d >= 0 ? d : 1000 + model.MeasureIndex(f.field);
  };
  std::stable_sort(filters->begin(), filters->end(), [&](const Filter& a, const Filter& b) {
    return std::make_pair(field_index(a), a.op) < std::make_pair(field_index(b), b.op);
  });
  filters->erase(std::unique(filters->begin(), filters->end()), filters->end());
}

}  // namespace

nlohmann::json SpecToJson(const QuerySpec& spec) {
  nlohmann::json j = nlohmann::json::object();
  j["measures"] = spec.measures;
  if (!spec.dimensions.empty()) j["dimensions"] = spec.dimensions;
  if (!spec.filters.empty()) {
    j["filters"] = FiltersToJson(spec.filters);
  }
  if (!spec.conditions.empty()) j["conditions"] = spec.conditions;
  if (!spec.time_grain.empty()) j["time_grain"] = spec.time_grain;
  if (!spec.time_range.empty()) j["time_range"] = spec.time_range;
  if (!spec.order_by.empty()) {
    j["order_by"] = spec.order_by;
    j["order_dir"] = spec.order_dir;
  }
  if (spec.limit > 0) j["limit"] = spec.limit;
  if (!spec.share.empty()) {
    nlohmann::json share = nlohmann::json::object();
    if (!spec.share.filters.empty()) share["filters"] = FiltersToJson(spec.share.filters);
    if (!spec.share.conditions.empty()) share["conditions"] = spec.share.conditions;
    j["share"] = share;
  }
  if (!spec.compare_time_range.empty()) j["compare_time_range"] = spec.compare_time_range;
  return j;
}

Result<QuerySpec> SpecFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidArgument("spec must be a JSON object");
  static const std::set<std::string> kKeys = {"measures", "dimensions", "filters", "conditions", "time_grain",
                                              "time_range", "order_by", "order_dir", "limit", "share",
                                              "compare_time_range"};
  for (const auto& [key, value] : j.items()) {
    if (!kKeys.count(key)) return Status::InvalidArgument("spec: unknown key '" + key + "'");
  }
  QuerySpec s;
  CI_ASSIGN_OR_RETURN(s.measures, StringList(j, "measures"));
  CI_ASSIGN_OR_RETURN(s.dimensions, StringList(j, "dimensions"));
  CI_ASSIGN_OR_RETURN(s.conditions, StringList(j, "conditions"));
  CI_ASSIGN_OR_RETURN(s.time_grain, StringField(j, "time_grain"));
  CI_ASSIGN_OR_RETURN(s.time_range, StringField(j, "time_range"));
  CI_ASSIGN_OR_RETURN(s.order_by, StringField(j, "order_by"));
  CI_ASSIGN_OR_RETURN(s.order_dir, StringField(j, "order_dir"));
  CI_ASSIGN_OR_RETURN(s.filters, FiltersFromJson(j, "filters"));
  CI_ASSIGN_OR_RETURN(s.compare_time_range, StringField(j, "compare_time_range"));
  if (j.contains("share") && !j["share"].is_null()) {
    const auto& share = j["share"];
    if (!share.is_object()) return Status::InvalidArgument("spec: 'share' must be an object");
    for (const auto& [key, value] : share.items()) {
      if (key != "filters" && key != "conditions") return Status::InvalidArgument("spec: share: unknown key '" + key + "'");
    }
    CI_ASSIGN_OR_RETURN(s.share.filters, FiltersFromJson(share, "share.filters"));
    CI_ASSIGN_OR_RETURN(s.share.conditions, StringList(share, "conditions"));
  }
  if (j.contains("limit") && !j["limit"].is_null()) {
    if (!j["limit"].is_number_integer()) return Status::InvalidArgument("spec: 'limit' must be an integer");
    s.limit = j["limit"].get<int64_t>();
  }
  return s;
}

Result<TimeRange> ParseTimeRange(const std::string& text) {
  static const std::regex kThisLast(R"((this|last)_(week|month|quarter|year))");
  static const std::regex kRolling(R"(last_(\d{1,4})_(days|weeks|months|years))");
  static const std::regex kSince(R"(since_(\d{4})-(\d{2})-(\d{2}))");
  static const std::regex kSinceMonth(R"(since_month_(\d{2}))");
  static const std::regex kYear(R"(year_(\d{4}))");
  static const std::regex kMonth(R"(month_(\d{4})-(\d{2}))");
  static const std::regex kQuarter(R"(quarter_(\d{4})-Q([1-4]))");
  std::smatch m;
  TimeRange t;
  if (text == "today" || text == "yesterday") {
    t.kind = text;
  } else if (std::regex_match(text, m, kThisLast)) {
    t.kind = m[1];
    t.unit = m[2];
  } else if (std::regex_match(text, m, kRolling)) {
    t.kind = "rolling";
    t.n = ToInt(m[1]);
    t.unit = std::string(m[2]).substr(0, std::string(m[2]).size() - 1);
    if (t.n < 1 || t.n > 3650) return Status::InvalidArgument("time_range: window of 1 to 3650 units");
  } else if (std::regex_match(text, m, kSince)) {
    t = {"since", "", 0, ToInt(m[1]), ToInt(m[2]), ToInt(m[3])};
  } else if (std::regex_match(text, m, kSinceMonth)) {
    t = {"since_month", "", 0, 0, ToInt(m[1]), 1};
  } else if (std::regex_match(text, m, kYear)) {
    t = {"year", "", 0, ToInt(m[1]), 1, 1};
  } else if (std::regex_match(text, m, kMonth)) {
    t = {"month", "", 0, ToInt(m[1]), ToInt(m[2]), 1};
  } else if (std::regex_match(text, m, kQuarter)) {
    t = {"quarter", "", ToInt(m[2]), ToInt(m[1]), 3 * ToInt(m[2]) - 2, 1};
  } else {
    return Status::InvalidArgument("time_range '" + text + "' is not one of the supported forms");
  }
  if (t.month < 0 || t.month > 12 || t.day < 0 || t.day > 31 || (t.year != 0 && (t.year < 1900 || t.year > 2200))) {
    return Status::InvalidArgument("time_range '" + text + "' is not a valid date");
  }
  if ((t.kind == "since_month" || t.kind == "since" || t.kind == "month") && (t.month < 1 || t.day < 1)) {
    return Status::InvalidArgument("time_range '" + text + "' is not a valid date");
  }
  return t;
}

std::string DescribeTimeRange(const std::string& text) {
  Result<TimeRange> t = ParseTimeRange(text);
  if (text.empty() || !t.ok()) return "";
  if (t->kind == "today" || t->kind == "yesterday") return t->kind;
  if (t->kind == "this") return "this " + t->unit + " so far";
  if (t->kind == "last") return "last " + t->unit;
  if (t->kind == "rolling") return "in the recent " + t->unit + "s asked for";
  if (t->kind == "since_month") return std::string("since ") + kMonthNames[t->month - 1];
  if (t->kind == "since") return "since the date asked for";
  return "in the " + t->kind + " asked for";
}

Status ValidateSpec(const QuerySpec& spec, const SemanticModel& model, int64_t max_limit) {
  if (spec.measures.empty() && spec.dimensions.empty()) {
    return Status::InvalidArgument("spec names no measure and no dimension");
  }
  for (const auto& m : spec.measures) {
    if (!model.FindMeasure(m)) return Status::InvalidArgument("unknown measure '" + m + "'");
  }
  for (const auto& d : spec.dimensions) {
    if (!model.FindDimension(d)) return Status::InvalidArgument("unknown dimension '" + d + "'");
  }
  for (const auto& c : spec.conditions) {
    if (!model.FindCondition(c)) return Status::InvalidArgument("unknown condition '" + c + "'");
  }
  for (const Filter& f : spec.filters) CI_RETURN_IF_ERROR(ValidateFilter(f, model));
  if (!spec.time_grain.empty() && !kGrains.count(spec.time_grain)) {
    return Status::InvalidArgument("unknown time grain '" + spec.time_grain + "'");
  }
  if (!spec.time_range.empty()) CI_RETURN_IF_ERROR(ParseTimeRange(spec.time_range).status());
  if (!spec.order_by.empty()) {
    if (std::find(spec.measures.begin(), spec.measures.end(), spec.order_by) == spec.measures.end()) {
      return Status::InvalidArgument("order_by '" + spec.order_by + "' is not a measure of the spec");
    }
    if (spec.order_dir != "asc" && spec.order_dir != "desc") {
      return Status::InvalidArgument("order_dir must be asc or desc");
    }
  }
  for (const Filter& f : spec.share.filters) CI_RETURN_IF_ERROR(ValidateFilter(f, model));
  for (const auto& c : spec.share.conditions) {
    if (!model.FindCondition(c)) return Status::InvalidArgument("unknown condition '" + c + "'");
  }
  bool has_ratio = false;
  for (const auto& m : spec.measures) has_ratio = has_ratio || model.FindMeasure(m)->is_ratio();
  if ((has_ratio || !spec.share.empty()) && spec.measures.size() != 1) {
    return Status::InvalidArgument("a rate or a share is asked on its own (one measure)");
  }
  if (has_ratio && !spec.share.empty()) return Status::InvalidArgument("a share of a rate is not defined");
  if (!spec.compare_time_range.empty()) {
    CI_RETURN_IF_ERROR(ParseTimeRange(spec.compare_time_range).status());
    if (spec.time_range.empty() || !spec.time_grain.empty() || spec.measures.empty()) {
      return Status::InvalidArgument("compare_time_range needs a time_range to compare with, a measure and no time grain");
    }
  }
  if (spec.limit < 0 || spec.limit > max_limit) {
    return Status::InvalidArgument(fmt::format("limit must be between 0 and {}", max_limit));
  }
  return Status::Ok();
}

QuerySpec CanonicalSpec(const QuerySpec& spec, const SemanticModel& model) {
  QuerySpec s = spec;
  SortByModel(&s.measures, [&](const std::string& n) { return model.MeasureIndex(n); });
  SortByModel(&s.dimensions, [&](const std::string& n) { return model.DimensionIndex(n); });
  SortByModel(&s.conditions, [&](const std::string& n) { return model.ConditionIndex(n); });
  CanonicalFilters(&s.filters, model);
  CanonicalFilters(&s.share.filters, model);
  SortByModel(&s.share.conditions, [&](const std::string& n) { return model.ConditionIndex(n); });
  if (s.order_by.empty()) s.order_dir.clear();
  return s;
}

}  // namespace custintel::ask
