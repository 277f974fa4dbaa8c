#include "ask/compiler.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"

namespace custintel::ask {
namespace {

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool UsesTime(const QuerySpec& spec) { return !spec.time_grain.empty() || !spec.time_range.empty(); }

// Why `source` cannot take the spec, or "" when it can.
std::string Misfit(const QuerySpec& spec, const SemanticModel& model, const Source& source, const Scope& scope) {
  for (const auto& m : spec.measures) {
    if (!SqlOn(model.FindMeasure(m)->aggregate, source.name)) return m;
  }
  for (const Filter& f : spec.share.filters) {
    const Dimension* d = model.FindDimension(f.field);
    bool ok = d ? SqlOn(d->column, source.name).has_value()
                : SqlOn(model.FindMeasure(f.field)->row, source.name).has_value();
    if (!ok) return f.field;
  }
  for (const auto& c : spec.share.conditions) {
    if (!SqlOn(model.FindCondition(c)->predicate, source.name)) return c;
  }
  for (const auto& d : spec.dimensions) {
    if (!SqlOn(model.FindDimension(d)->column, source.name)) return d;
  }
  for (const Filter& f : spec.filters) {
    const Dimension* d = model.FindDimension(f.field);
    bool ok = d ? SqlOn(d->column, source.name).has_value()
                : SqlOn(model.FindMeasure(f.field)->row, source.name).has_value();
    if (!ok) return f.field;
  }
  for (const auto& c : spec.conditions) {
    if (!SqlOn(model.FindCondition(c)->predicate, source.name)) return c;
  }
  if (UsesTime(spec)) {
    if (source.time.empty()) return "time";
    if (!source.time_measures.empty()) {
      if (spec.measures.empty()) return "time";
      for (const auto& m : spec.measures) {
        if (!Has(source.time_measures, m)) return "time";
      }
    }
  }
  for (const auto& [key, value] : scope) {
    if (!source.scope.count(key)) return "scope " + key;
  }
  return "";
}

std::string Interval(int n, const std::string& unit) {
  if (unit == "week") return fmt::format("INTERVAL {} DAY", 7 * n);
  if (unit == "quarter") return fmt::format("INTERVAL {} MONTH", 3 * n);
  return fmt::format("INTERVAL {} {}", n, ToLower(unit) == "day" ? "DAY" : unit == "month" ? "MONTH" : "YEAR");
}

std::string Date(int y, int m, int d) { return fmt::format("{:04d}-{:02d}-{:02d}", y, m, d); }

// The WHERE term of a time range over column `t`, binding dates into `params`.
std::string TimeRangeSql(const TimeRange& r, const std::string& t, const std::string& ref,
                         std::vector<store::Param>* params) {
  const std::string R = "(" + ref + ")";
  auto between = [&](const std::string& from, const std::string& to) {
    params->push_back(from);
    params->push_back(to);
    return fmt::format("{0} >= CAST(? AS TIMESTAMPTZ) AND {0} < CAST(? AS TIMESTAMPTZ)", t);
  };
  if (r.kind == "today") return fmt::format("{0} >= date_trunc('day', {1}) AND {0} <= {1}", t, R);
  if (r.kind == "yesterday") {
    return fmt::format("{0} >= date_trunc('day', {1}) - INTERVAL 1 DAY AND {0} < date_trunc('day', {1})", t, R);
  }
  if (r.kind == "this") return fmt::format("{0} >= date_trunc('{2}', {1}) AND {0} <= {1}", t, R, r.unit);
  if (r.kind == "last") {
    return fmt::format("{0} >= date_trunc('{2}', {1}) - {3} AND {0} < date_trunc('{2}', {1})", t, R, r.unit,
                       Interval(1, r.unit));
  }
  if (r.kind == "rolling") return fmt::format("{0} > {1} - {2} AND {0} <= {1}", t, R, Interval(r.n, r.unit));
  if (r.kind == "since") {
    params->push_back(Date(r.year, r.month, r.day));
    return fmt::format("{0} >= CAST(? AS TIMESTAMPTZ) AND {0} <= {1}", t, R);
  }
  if (r.kind == "since_month") {
    for (int i = 0; i < 3; ++i) params->push_back(int64_t{r.month});
    return fmt::format(
        "{0} >= CASE WHEN month({1}) >= ? THEN make_timestamptz(year({1}), ?, 1, 0, 0, 0) "
        "ELSE make_timestamptz(year({1}) - 1, ?, 1, 0, 0, 0) END AND {0} <= {1}", t, R);
  }
  if (r.kind == "year") return between(Date(r.year, 1, 1), Date(r.year + 1, 1, 1));
  if (r.kind == "month") {
    return between(Date(r.year, r.month, 1), r.month == 12 ? Date(r.year + 1, 1, 1) : Date(r.year, r.month + 1, 1));
  }
  // quarter
  return between(Date(r.year, r.month, 1), r.month == 10 ? Date(r.year + 1, 1, 1) : Date(r.year, r.month + 3, 1));
}

std::string GrainSql(const std::string& grain, const std::string& t) {
  if (grain == "day") return fmt::format("strftime({}, '%Y-%m-%d')", t);
  if (grain == "week") return fmt::format("strftime(date_trunc('week', {}), '%Y-%m-%d')", t);
  if (grain == "month") return fmt::format("strftime({}, '%Y-%m')", t);
  if (grain == "quarter") return fmt::format("strftime({0}, '%Y') || '-Q' || quarter({0})", t);
  return fmt::format("strftime({}, '%Y')", t);
}

std::string FilterSql(const Filter& f, const SemanticModel& model, const std::string& source,
                      std::vector<store::Param>* params) {
  if (const Dimension* d = model.FindDimension(f.field)) {
    std::string col = fmt::format("lower(CAST({} AS VARCHAR))", *SqlOn(d->column, source));
    std::vector<std::string> marks;
    for (const auto& v : f.values) {
      params->push_back(ToLower(v.get<std::string>()));
      marks.push_back("?");
    }
    std::string list = Join(marks, ", ");
    if (f.op == "=") return fmt::format("{} IN ({})", col, list);
    return fmt::format("({0} IS NULL OR {0} NOT IN ({1}))", col, list);
  }
  params->push_back(f.values.front().get<double>());
  return fmt::format("{} {} ?", *SqlOn(model.FindMeasure(f.field)->row, source), f.op);
}

std::string MeasureSql(const Measure& m, const std::string& source) {
  std::string agg = *SqlOn(m.aggregate, source);
  // Counts stay integers; everything else is rounded as the model says.
  if (m.round == 0 && agg.rfind("count(", 0) == 0) return agg;
  return fmt::format("round({}, {})", agg, m.round);
}

// A ratio spec is compiled as two plain specs: the part and the whole.
bool IsRatio(const QuerySpec& spec, const SemanticModel& model) {
  return !spec.share.empty() || (spec.measures.size() == 1 && model.FindMeasure(spec.measures[0])->is_ratio());
}

struct Parts {
  QuerySpec numerator, denominator;
  std::string value_column, numerator_column, denominator_column;
  bool percent = true;
  int round = 1;
};

Parts SplitRatio(const QuerySpec& spec, const SemanticModel& model) {
  Parts p;
  QuerySpec plain = spec;
  plain.share = {};
  plain.order_by.clear();
  plain.order_dir.clear();
  plain.limit = 0;
  plain.compare_time_range.clear();
  p.numerator = plain;
  p.denominator = plain;
  const Measure& m = *model.FindMeasure(spec.measures[0]);
  if (m.is_ratio()) {
    p.numerator.measures = {m.numerator};
    p.denominator.measures = {m.denominator};
    p.value_column = m.name;
    p.numerator_column = m.numerator;
    p.denominator_column = m.denominator;
    p.percent = m.percent;
    p.round = m.round;
  } else {
    for (const Filter& f : spec.share.filters) p.numerator.filters.push_back(f);
    for (const auto& c : spec.share.conditions) p.numerator.conditions.push_back(c);
    p.value_column = "share";
    p.numerator_column = "matching_" + m.name;
    p.denominator_column = m.name;
  }
  return p;
}

Result<std::string> ChoosePlainSource(const QuerySpec& spec, const SemanticModel& model, const Scope& scope) {
  std::vector<std::string> candidates;
  if (!spec.measures.empty()) {
    for (const auto& [source, sql] : model.FindMeasure(spec.measures.front())->aggregate) candidates.push_back(source);
  } else {
    for (const Source& s : model.sources) candidates.push_back(s.name);
  }
  std::string first_misfit;
  for (const auto& name : candidates) {
    std::string misfit = Misfit(spec, model, *model.FindSource(name), scope);
    if (misfit.empty()) return name;
    if (first_misfit.empty()) first_misfit = misfit;
  }
  if (first_misfit.rfind("scope ", 0) == 0) {
    return Status::PermissionDenied("the data this question needs cannot be limited to your " +
                                    first_misfit.substr(6));
  }
  std::vector<std::string> parts = spec.measures;
  for (const auto& d : spec.dimensions) parts.push_back(d);
  for (const auto& f : spec.filters) parts.push_back(f.field);
  for (const auto& c : spec.conditions) parts.push_back(c);
  if (UsesTime(spec)) parts.push_back("time");
  return Status::NotFound("the data model has no table that combines " + Join(parts, ", "));
}

// One SELECT without ORDER BY / LIMIT: the key columns (dimensions, grain) then the measures.
struct Body {
  std::string source, sql;
  std::vector<store::Param> params;
  std::vector<std::string> columns;
  size_t keys = 0;
};

Result<Body> PlainBody(const QuerySpec& spec, const SemanticModel& model, const Scope& scope) {
  Body b;
  CI_ASSIGN_OR_RETURN(b.source, ChoosePlainSource(spec, model, scope));
  const Source& source = *model.FindSource(b.source);
  std::vector<std::string> select;
  for (const auto& d : spec.dimensions) {
    select.push_back(fmt::format("{} AS {}", *SqlOn(model.FindDimension(d)->column, b.source), QuoteIdent(d)));
    b.columns.push_back(d);
  }
  if (!spec.time_grain.empty()) {
    select.push_back(fmt::format("{} AS {}", GrainSql(spec.time_grain, source.time), QuoteIdent(spec.time_grain)));
    b.columns.push_back(spec.time_grain);
  }
  b.keys = b.columns.size();
  for (const auto& m : spec.measures) {
    select.push_back(fmt::format("{} AS {}", MeasureSql(*model.FindMeasure(m), b.source), QuoteIdent(m)));
    b.columns.push_back(m);
  }
  std::vector<std::string> where;
  for (const auto& [key, value] : scope) {  // first, always
    where.push_back(fmt::format("({} = ?)", source.scope.at(key)));
    b.params.push_back(value);
  }
  if (!source.as_of.empty()) where.push_back("(" + source.as_of + ")");
  for (const Filter& f : spec.filters) where.push_back("(" + FilterSql(f, model, b.source, &b.params) + ")");
  for (const auto& c : spec.conditions) {
    where.push_back("(" + *SqlOn(model.FindCondition(c)->predicate, b.source) + ")");
  }
  if (!spec.time_range.empty()) {
    CI_ASSIGN_OR_RETURN(TimeRange r, ParseTimeRange(spec.time_range));
    where.push_back("(" + TimeRangeSql(r, source.time, model.reference_time, &b.params) + ")");
  }
  const bool grouped = !spec.measures.empty() && b.keys > 0;
  b.sql = fmt::format("SELECT {}{} FROM {}", spec.measures.empty() ? "DISTINCT " : "", Join(select, ", "), source.from);
  if (!where.empty()) b.sql += " WHERE " + Join(where, " AND ");
  if (grouped) b.sql += " GROUP BY ALL";
  return b;
}

// part / whole, joined on the key columns: value, part, whole.
Result<Body> RatioBody(const QuerySpec& spec, const SemanticModel& model, const Scope& scope) {
  Parts p = SplitRatio(spec, model);
  CI_ASSIGN_OR_RETURN(Body den, PlainBody(p.denominator, model, scope));
  CI_ASSIGN_OR_RETURN(Body num, PlainBody(p.numerator, model, scope));
  Body b;
  b.source = den.source == num.source ? den.source : den.source + "+" + num.source;
  b.keys = den.keys;
  std::vector<std::string> select, on;
  for (size_t k = 0; k < den.keys; ++k) {
    const std::string c = QuoteIdent(den.columns[k]);
    select.push_back("d." + c);
    on.push_back(fmt::format("n.{0} IS NOT DISTINCT FROM d.{0}", c));
    b.columns.push_back(den.columns[k]);
  }
  const std::string n = "coalesce(n." + QuoteIdent(p.numerator.measures[0]) + ", 0)";
  const std::string d = "d." + QuoteIdent(p.denominator.measures[0]);
  select.push_back(fmt::format("round({}{} / nullif({}, 0), {}) AS {}", p.percent ? "100.0 * " : "1.0 * ", n, d, p.round,
                               QuoteIdent(p.value_column)));
  select.push_back(fmt::format("{} AS {}", n, QuoteIdent(p.numerator_column)));
  select.push_back(fmt::format("{} AS {}", d, QuoteIdent(p.denominator_column)));
  b.columns.push_back(p.value_column);
  b.columns.push_back(p.numerator_column);
  b.columns.push_back(p.denominator_column);
  b.sql = fmt::format("SELECT {} FROM ({}) d LEFT JOIN ({}) n ON {}", Join(select, ", "), den.sql, num.sql,
                      on.empty() ? "TRUE" : Join(on, " AND "));
  b.params = den.params;
  b.params.insert(b.params.end(), num.params.begin(), num.params.end());
  return b;
}

Result<Body> AnyBody(const QuerySpec& spec, const SemanticModel& model, const Scope& scope) {
  return IsRatio(spec, model) ? RatioBody(spec, model, scope) : PlainBody(spec, model, scope);
}

std::string PeriodLabel(const std::string& range) {
  std::string d = DescribeTimeRange(range);
  return d.empty() ? range : d;
}

}  // namespace

bool IsRatioSpec(const QuerySpec& spec, const SemanticModel& model) { return IsRatio(spec, model); }

Result<std::string> ChooseSource(const QuerySpec& spec, const SemanticModel& model, const Scope& scope) {
  if (!IsRatio(spec, model)) return ChoosePlainSource(spec, model, scope);
  Parts p = SplitRatio(spec, model);
  CI_ASSIGN_OR_RETURN(std::string den, ChoosePlainSource(p.denominator, model, scope));
  CI_ASSIGN_OR_RETURN(std::string num, ChoosePlainSource(p.numerator, model, scope));
  return den == num ? den : den + "+" + num;
}

Result<CompiledQuery> CompileSpec(const QuerySpec& spec, const SemanticModel& model, const Scope& scope,
                                  int64_t row_limit) {
  CompiledQuery q;
  Body body;
  if (spec.compare_time_range.empty()) {
    CI_ASSIGN_OR_RETURN(body, AnyBody(spec, model, scope));
  } else {
    // One row per period, in the order asked: the first range, then the one compared with.
    QuerySpec second = spec;
    second.time_range = spec.compare_time_range;
    CI_ASSIGN_OR_RETURN(Body a, AnyBody(spec, model, scope));
    CI_ASSIGN_OR_RETURN(Body b, AnyBody(second, model, scope));
    body.source = a.source;
    body.columns = {"period"};
    body.columns.insert(body.columns.end(), a.columns.begin(), a.columns.end());
    body.keys = a.keys + 1;
    body.sql = fmt::format("SELECT ? AS \"period\", 1 AS ci_period_order, a.* FROM ({}) a UNION ALL "
                           "SELECT ? AS \"period\", 2, b.* FROM ({}) b",
                           a.sql, b.sql);
    body.params.push_back(PeriodLabel(spec.time_range));
    body.params.insert(body.params.end(), a.params.begin(), a.params.end());
    body.params.push_back(PeriodLabel(spec.compare_time_range));
    body.params.insert(body.params.end(), b.params.begin(), b.params.end());
  }
  q.source = body.source;
  q.columns = body.columns;
  q.params = body.params;

  std::vector<std::string> order;
  if (!spec.compare_time_range.empty()) order.push_back("ci_period_order");
  if (!spec.order_by.empty()) {
    order.push_back(fmt::format("{} {} NULLS LAST", QuoteIdent(spec.order_by), spec.order_dir == "asc" ? "ASC" : "DESC"));
  }
  if (!spec.time_grain.empty()) order.push_back(QuoteIdent(spec.time_grain));
  for (const auto& d : spec.dimensions) order.push_back(QuoteIdent(d) + " NULLS LAST");

  q.limit = spec.limit > 0 ? std::min(spec.limit, row_limit) : row_limit;
  std::vector<std::string> cols;
  for (const auto& c : q.columns) cols.push_back(QuoteIdent(c));
  q.sql = fmt::format("SELECT {} FROM ({}) ci_answer", Join(cols, ", "), body.sql);
  if (!order.empty()) q.sql += " ORDER BY " + Join(order, ", ");
  q.sql += fmt::format(" LIMIT {}", q.limit);
  return q;
}

}  // namespace custintel::ask
