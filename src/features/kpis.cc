#include "features/kpis.h"

#include <fmt/format.h>

namespace custintel::features {
namespace {

std::string Fill(std::string_view text, std::string_view alias, std::string_view as_of) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, "{x}") == 0) {
      out += alias;
      i += 3;
    } else if (text.compare(i, 7, "{as_of}") == 0) {
      out += "(";
      out += as_of;
      out += ")";
      i += 7;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::string TableIn(std::string_view table, std::string_view schema) {
  if (schema.empty()) return std::string(table);
  return std::string(schema) + std::string(table.substr(table.find('.')));
}

}  // namespace

const std::vector<Kpi>& SummaryKpis() {
  static const std::vector<Kpi> kKpis = {
      {"customers", "customers", "gold.customer_scores", "count({x}.customer_id)", "", -1},
      {"high_risk", "customers at risk (saveable)", "gold.customer_scores", "count({x}.customer_id)", "{x}.high_risk",
       -1},
      {"lapsed", "lapsed customers", "gold.customer_scores", "count({x}.customer_id)", "{x}.status = 'lapsed'", -1},
      {"avg_ltv", "average lifetime value", "gold.customer_scores", "avg({x}.lifetime_value)", "", 2},
      {"revenue_at_risk", "projected revenue at risk", "gold.customer_scores",
       "sum({x}.churn_risk * coalesce({x}.predicted_clv, 0))", "", 2},
      // 0 with nobody at risk; NULL (unknown) only where no customer has a money CLV.
      {"value_at_stake", "value at stake among the at-risk", "gold.customer_scores",
       "CASE WHEN count({x}.predicted_clv) > 0 THEN coalesce(sum({x}.value_at_stake) FILTER (WHERE {x}.high_risk), 0) "
       "END",
       "", 2},
      {"reviews", "reviews", "silver.reviews", "count(*)", "{x}.created_at IS NULL OR {x}.created_at <= {as_of}", -1},
      {"avg_rating", "average rating", "silver.reviews", "avg({x}.rating)",
       "{x}.created_at IS NULL OR {x}.created_at <= {as_of}", 3},
      {"open_tickets", "open tickets", "silver.tickets", "count(*)",
       "{x}.created_at <= {as_of} AND ({x}.resolved_at IS NULL OR {x}.resolved_at > {as_of})", -1},
  };
  return kKpis;
}

const Kpi* FindKpi(std::string_view name) {
  for (const Kpi& k : SummaryKpis()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::string RunAsOfSql(std::string_view schema) {
  return fmt::format("(SELECT max(as_of) FROM {}.customer_scores)", schema);
}

std::string KpiAggregate(const Kpi& kpi, std::string_view alias, std::string_view as_of_sql) {
  std::string agg = Fill(kpi.aggregate, alias, as_of_sql);
  if (kpi.where.empty()) return agg;
  return fmt::format("{} FILTER (WHERE {})", agg, Fill(kpi.where, alias, as_of_sql));
}

std::string KpiRows(const Kpi& kpi, std::string_view alias, std::string_view as_of_sql) {
  return kpi.where.empty() ? "TRUE" : "(" + Fill(kpi.where, alias, as_of_sql) + ")";
}

std::string KpiSubquery(const Kpi& kpi, std::string_view as_of_sql, std::string_view schema) {
  std::string sql = fmt::format("(SELECT {} FROM {} x", Fill(kpi.aggregate, "x", as_of_sql), TableIn(kpi.table, schema));
  if (!kpi.where.empty()) sql += " WHERE " + Fill(kpi.where, "x", as_of_sql);
  return sql + ")";
}

std::string KpiSelectSql(std::string_view as_of_sql, std::string_view schema) {
  std::string sql = "SELECT ";
  bool first = true;
  for (const Kpi& k : SummaryKpis()) {
    std::string value = KpiSubquery(k, as_of_sql, schema);
    if (k.round >= 0) value = fmt::format("round({}, {})", value, k.round);
    sql += fmt::format("{}{} AS {}", first ? "" : ", ", value, k.name);
    first = false;
  }
  return sql;
}

}  // namespace custintel::features
