// The business figures of a run, each defined once (issue 20 item 4): customers, at risk
// (high_risk: the customers whose status is at_risk, models/customer_status.h), lapsed, average
// lifetime value, revenue at risk, value at stake among the at-risk, reviews, average rating,
// open tickets. Every reader
// takes them from here — the CLI summary, GET /v1/summary (and the dashboard that shows it),
// gold.executive_metrics (the executive summary's numbers) and the ask semantic model
// (`{kpi NAME ALIAS}` in src/ask/assets/semantic_model.toml) — so one database gives one number
// for each, as of the run.
//
// A figure is an aggregate over the rows of one table, restricted to the rows that exist as of
// the run. In the templates, {x} is the rows' alias and {as_of} the run's as-of time.
//
//   conn.Query(features::KpiSelectSql(features::RunAsOfSql()));        // one row, a column each
//   features::KpiAggregate(*features::FindKpi("open_tickets"), "t", "(ref)");
//     // count(*) FILTER (WHERE t.created_at <= (ref) AND (t.resolved_at IS NULL OR ...))
//
// Thread safety: constant tables and pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace custintel::features {

struct Kpi {
  std::string_view name;       // column name everywhere (customers, open_tickets, ...)
  std::string_view label;      // words ("open tickets")
  std::string_view table;      // schema.table of its rows
  std::string_view aggregate;  // over the rows, {x} = alias
  std::string_view where;      // which rows count as of the run ({x}, {as_of}); "" = all
  int round;                   // decimals it is shown with; -1 = a count (an integer)
};

// In the order a summary shows them.
const std::vector<Kpi>& SummaryKpis();
// nullptr when there is no such figure.
const Kpi* FindKpi(std::string_view name);

// The run's as-of time: max(as_of) of the scores the run wrote (`schema` replaces gold, e.g.
// the server's per-key "scoped" views).
std::string RunAsOfSql(std::string_view schema = "gold");
// The aggregate restricted to the figure's rows, over rows aliased `alias` — for a query whose
// FROM already holds the figure's table (the ask model's sources). Not rounded.
std::string KpiAggregate(const Kpi& kpi, std::string_view alias, std::string_view as_of_sql);
// The figure's rows as a predicate over `alias` ("TRUE" when every row counts).
std::string KpiRows(const Kpi& kpi, std::string_view alias, std::string_view as_of_sql);
// "(SELECT aggregate FROM table x WHERE rows)" — `schema`, when not empty, replaces the table's
// schema (the server reads scoped.<table>). Not rounded.
std::string KpiSubquery(const Kpi& kpi, std::string_view as_of_sql, std::string_view schema = "");
// "SELECT <figure> AS customers, ..." — every figure rounded as it is shown, one row.
std::string KpiSelectSql(std::string_view as_of_sql, std::string_view schema = "");

}  // namespace custintel::features
