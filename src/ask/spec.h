// The query spec: what a question asks, in the semantic model's names only. Both parsers
// (builtin and LLM) produce one; ValidateSpec checks it against the model before the compiler
// sees it, so a spec from any source is held to the same rules.
//
//   {"measures":["revenue"],"dimensions":["region"],
//    "filters":[{"field":"plan","op":"=","values":["premium"]}],
//    "conditions":["high_risk"],"time_grain":"month","time_range":"this_year",
//    "order_by":"revenue","order_dir":"desc","limit":10}
//   {"measures":["customers"],"share":{"conditions":["high_risk"]}}       67.0% of customers
//   {"measures":["orders"],"time_range":"this_quarter","compare_time_range":"last_quarter"}
//
// time_range grammar (relative ones are relative to the model's reference time):
//   today | yesterday | this_{week,month,quarter,year} (to date)
//   last_{week,month,quarter,year}     the previous complete calendar period
//   last_<N>_{days,weeks,months,years} rolling window ending now, N in 1..3650
//   since_YYYY-MM-DD | since_month_MM  (the latest 1st of that month not after now)
//   year_YYYY | month_YYYY-MM | quarter_YYYY-QN
//
// Thread safety: values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ask/semantic_model.h"
#include "core/status.h"

namespace custintel::ask {

struct Filter {
  std::string field;  // a dimension (op = or !=, string values) or a measure (numeric compare)
  std::string op;     // = != > >= < <=
  std::vector<nlohmann::json> values;  // strings for dimensions, one number for measures
  bool operator==(const Filter&) const = default;
};

// "What share of customers are at high risk": the rows the share counts, within the rows the
// rest of the spec selects (the whole). Empty = not a share.
struct Share {
  std::vector<Filter> filters;
  std::vector<std::string> conditions;
  bool empty() const { return filters.empty() && conditions.empty(); }
  bool operator==(const Share&) const = default;
};

struct QuerySpec {
  std::vector<std::string> measures;
  std::vector<std::string> dimensions;
  std::vector<Filter> filters;
  std::vector<std::string> conditions;
  std::string time_grain;  // "" | day | week | month | quarter | year
  std::string time_range;  // "" = all time; see the grammar above
  std::string order_by;    // a measure of the spec, or ""
  std::string order_dir;   // asc | desc ("" when order_by is "")
  int64_t limit = 0;       // 0 = the caller's row limit
  // The one measure as a percentage: its value on the share's rows over its value on all.
  Share share;
  // "this quarter vs last quarter": the same figures over a second time range, one row each.
  std::string compare_time_range;
  bool operator==(const QuerySpec&) const = default;
};

nlohmann::json SpecToJson(const QuerySpec& spec);
// Shape errors only (wrong types, unknown keys); names are checked by ValidateSpec.
Result<QuerySpec> SpecFromJson(const nlohmann::json& j);

// A time_range decoded. kind: today, yesterday, this, last, rolling, since, since_month,
// year, month, quarter.
struct TimeRange {
  std::string kind;
  std::string unit;  // day week month quarter year (this/last/rolling)
  int n = 0;         // rolling count, month (since_month), quarter number
  int year = 0, month = 0, day = 0;
};
Result<TimeRange> ParseTimeRange(const std::string& text);
// Words for the answer text, without digits ("last quarter", "since March").
std::string DescribeTimeRange(const std::string& text);

// Every name exists in the model, ops and values fit their fields, the order names a measure
// of the spec, the limit is in 0..max_limit, time grain and range parse.
Status ValidateSpec(const QuerySpec& spec, const SemanticModel& model, int64_t max_limit);

// Sorts measures, dimensions and conditions into model order, filters by field, values of
// "="/"!=" filters alphabetically, and drops duplicates: equal questions give equal specs.
QuerySpec CanonicalSpec(const QuerySpec& spec, const SemanticModel& model);

}  // namespace custintel::ask
