#include "models/send_times.h"

#include <utility>

#include <fmt/format.h>

namespace custintel::models {
namespace {

// A purchase's weekday (Monday = 0), hour and age in days before `?` (the as-of), for the
// purchases of silver.orders_as_of(?) that the [orders] rule counts.
constexpr char kPurchaseMoments[] =
    "SELECT customer_id, (isodow(ordered_at) - 1)::BIGINT AS wd, hour(ordered_at)::BIGINT AS h, "
    "(epoch(?::TIMESTAMPTZ) - epoch(ordered_at)) / 86400.0 AS age "
    "FROM silver.orders_as_of(?::TIMESTAMPTZ) "
    "WHERE customer_id IS NOT NULL AND ordered_at IS NOT NULL AND is_purchase(status)";

// The share of the purchases at their most common clock time (seconds after midnight, UTC — the
// data's clock), for HasTimeOfDay.
constexpr char kClockTimesSql[] =
    "WITH t AS (SELECT (epoch(ordered_at)::BIGINT % 86400 + 86400) % 86400 AS s, count(*) AS n "
    "           FROM silver.orders_as_of(?::TIMESTAMPTZ) "
    "           WHERE customer_id IS NOT NULL AND ordered_at IS NOT NULL AND is_purchase(status) GROUP BY s) "
    "SELECT coalesce(sum(n), 0)::BIGINT, coalesce(max(n), 0)::BIGINT, coalesce(arg_max(s, n), 0)::BIGINT FROM t";

// How the hour is chosen: learned, or — dates-only data — the configured default (with the words
// saying so).
struct HourRule {
  bool learned = true;
  std::string note;
};

Result<HourRule> DecideHourRule(store::Connection& conn, const std::string& as_of, const NotificationsConfig& config) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(kClockTimesSql, {as_of}));
  const int64_t total = r.GetInt64(0, 0), top = r.GetInt64(1, 0), clock = r.GetInt64(2, 0);
  HourRule rule;
  if (total == 0) return rule;
  rule.learned = HasTimeOfDay(total, double(top) / double(total), clock % 3600 == 0);
  if (!rule.learned) {
    rule.note = fmt::format(
        "send times: {:.0f}% of the {} purchases are stamped {:02d}:{:02d}:{:02d} — the orders carry dates, not times "
        "of day — so every send hour is the default {:02d}:00 ([notifications] default_hour); weekdays are learned",
        100.0 * double(top) / double(total), total, clock / 3600, clock % 3600 / 60, clock % 60, config.default_hour);
  }
  return rule;
}

struct Histories {
  std::vector<std::pair<std::string, TimeHistogram>> customers;  // ordered by customer_id
  TimeProfile population;
};

// The shop's pattern: every purchase (whatever the scope), its age in whole days.
Result<TimeProfile> LoadPopulation(store::Connection& conn, const std::string& as_of, const SendTimeOptions& o) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(fmt::format(
      "SELECT wd, h, floor(age), count(*) FROM ({}) GROUP BY ALL", kPurchaseMoments), {as_of, as_of}));
  TimeHistogram all;
  for (size_t i = 0; i < r.row_count(); ++i) {
    const double w = RecencyWeight(r.GetDouble(2, i) + 0.5, o);
    const int64_t n = r.GetInt64(3, i);
    for (int64_t k = 0; k < n; ++k) all.Add(int(r.GetInt64(0, i)), int(r.GetInt64(1, i)), w);
  }
  return Smooth(all, o);
}

Result<Histories> LoadHistories(store::Connection& conn, const std::string& as_of, const SendTimeOptions& o,
                                const features::Scope& scope) {
  Histories h;
  CI_ASSIGN_OR_RETURN(h.population, LoadPopulation(conn, as_of, o));
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(fmt::format("SELECT * FROM ({}) WHERE {} ORDER BY customer_id",
                                                                   kPurchaseMoments, scope.Filter("customer_id")),
                                                       {as_of, as_of}));
  for (size_t i = 0; i < r.row_count(); ++i) {
    std::string id = r.GetString(0, i);
    if (h.customers.empty() || h.customers.back().first != id) h.customers.emplace_back(std::move(id), TimeHistogram{});
    h.customers.back().second.Add(int(r.GetInt64(1, i)), int(r.GetInt64(2, i)), RecencyWeight(r.GetDouble(3, i), o));
  }
  return h;
}

constexpr char kTableSql[] =
    "(customer_id VARCHAR PRIMARY KEY, send_weekday VARCHAR NOT NULL, send_hour INTEGER NOT NULL, "
    "basis VARCHAR NOT NULL, own_weight DOUBLE NOT NULL, purchases INTEGER NOT NULL, "
    "hour_basis VARCHAR NOT NULL DEFAULT 'learned')";

double Share(int64_t n, int64_t d) { return d > 0 ? double(n) / double(d) : 0.0; }

}  // namespace

SendTimeOptions SendTimeOptionsFrom(const NotificationsConfig& config) {
  SendTimeOptions o;
  o.half_life_days = config.half_life_days;
  o.prior_weight = config.prior_purchases;
  o.quiet = {config.quiet_start, config.quiet_end};
  return o;
}

Status BuildSendTimes(store::Connection& conn, const std::string& as_of, const NotificationsConfig& config,
                      const features::Scope& scope, std::string* note) {
  SendTimeOptions o = SendTimeOptionsFrom(config);
  CI_ASSIGN_OR_RETURN(HourRule rule, DecideHourRule(conn, as_of, config));
  if (!rule.learned) o.fixed_hour = config.default_hour;
  if (note) *note = rule.note;
  CI_ASSIGN_OR_RETURN(Histories h, LoadHistories(conn, as_of, o, scope));
  if (scope.all()) {
    CI_RETURN_IF_ERROR(conn.Execute(std::string("CREATE OR REPLACE TABLE gold.send_times ") + kTableSql));
  } else {
    CI_RETURN_IF_ERROR(conn.Execute(std::string("CREATE TABLE IF NOT EXISTS gold.send_times ") + kTableSql));
    // A table from before hour_basis existed: every hour in it was learned.
    CI_RETURN_IF_ERROR(conn.Execute(
        "ALTER TABLE gold.send_times ADD COLUMN IF NOT EXISTS hour_basis VARCHAR DEFAULT 'learned'"));
    CI_RETURN_IF_ERROR(conn.Execute("DELETE FROM gold.send_times WHERE " + scope.Filter("customer_id")));
  }
  CI_ASSIGN_OR_RETURN(store::Appender app, store::Appender::Create(conn, "gold", "send_times"));
  for (const auto& [id, hist] : h.customers) {
    CI_ASSIGN_OR_RETURN(SendTime t, ChooseSendTime(hist, h.population, o));
    CI_RETURN_IF_ERROR(app.Append(id));
    CI_RETURN_IF_ERROR(app.Append(std::string(WeekdayName(t.weekday))));
    CI_RETURN_IF_ERROR(app.Append(int64_t(t.hour)));
    CI_RETURN_IF_ERROR(app.Append(std::string(SendBasisName(t.basis))));
    CI_RETURN_IF_ERROR(app.Append(t.own_weight));
    CI_RETURN_IF_ERROR(app.Append(int64_t(hist.count)));
    CI_RETURN_IF_ERROR(app.Append(std::string(t.hour_learned ? "learned" : "default (dates only)")));
    CI_RETURN_IF_ERROR(app.EndRow());
  }
  return app.Close();
}

Result<SendTimeEvaluation> EvaluateSendTimes(store::Connection& conn, const std::string& end_arg, double holdout_days,
                                             const NotificationsConfig& config) {
  if (!(holdout_days > 0)) return Status::InvalidArgument("--holdout-days must be positive");
  SendTimeOptions o = SendTimeOptionsFrom(config);
  SendTimeEvaluation ev;
  ev.quiet_hours = o.quiet.Text();
  CI_ASSIGN_OR_RETURN(store::QueryResult span, conn.Query(
      "WITH e AS (SELECT coalesce(?::TIMESTAMPTZ, (SELECT max(ordered_at) FROM silver.orders)) AS t) "
      "SELECT t::VARCHAR, (t - to_seconds(?::DOUBLE * 86400))::VARCHAR FROM e",
      {end_arg.empty() ? store::Param{} : store::Param{end_arg}, holdout_days}));
  if (span.IsNull(0, 0)) return Status::NotFound("no orders with dates: nothing to evaluate send times on");
  ev.end = span.GetString(0, 0);
  ev.cutoff = span.GetString(1, 0);
  CI_ASSIGN_OR_RETURN(HourRule rule, DecideHourRule(conn, ev.end, config));
  ev.hours_judged = rule.learned;
  ev.hour_note = rule.note;
  if (!rule.learned) o.fixed_hour = config.default_hour;
  CI_ASSIGN_OR_RETURN(Histories h, LoadHistories(conn, ev.cutoff, o, features::Scope::All()));
  CI_ASSIGN_OR_RETURN(store::QueryResult next, conn.Query(fmt::format(
      "SELECT customer_id, wd, h FROM (SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY age DESC) AS k "
      "FROM ({}) WHERE age < 0) WHERE k = 1 ORDER BY customer_id",
      kPurchaseMoments), {ev.cutoff, ev.end}));
  // Groups: all, then by purchases before the cutoff.
  ev.groups = {{"all"}, {"1 purchase"}, {"2-3 purchases"}, {"4+ purchases"}};
  const char* kMethods[] = {"custintel", "modal weekday/hour", "shop's busiest time"};
  struct Tally {
    int64_t wd = 0, hr = 0, both = 0, quiet = 0;
  };
  std::vector<std::array<Tally, 3>> tallies(ev.groups.size());
  CI_ASSIGN_OR_RETURN(SendTime shop, ChooseSendTime(TimeHistogram{}, h.population, o));
  size_t j = 0;
  for (size_t i = 0; i < next.row_count(); ++i) {
    const std::string id = next.GetString(0, i);
    while (j < h.customers.size() && h.customers[j].first < id) ++j;
    if (j == h.customers.size() || h.customers[j].first != id) continue;  // no purchase before the cutoff
    const TimeHistogram& hist = h.customers[j].second;
    const int wd = int(next.GetInt64(1, i)), hr = int(next.GetInt64(2, i));
    if (o.quiet.Contains(hr)) ++ev.targets_in_quiet_hours;
    CI_ASSIGN_OR_RETURN(SendTime mine, ChooseSendTime(hist, h.population, o));
    const ModalTime modal = ModalSendTime(hist);
    const std::pair<int, int> predicted[3] = {{mine.weekday, mine.hour}, {modal.weekday, modal.hour},
                                              {shop.weekday, shop.hour}};
    const size_t group = hist.count <= 1 ? 1 : hist.count <= 3 ? 2 : 3;
    for (size_t g : {size_t(0), group}) {
      ++ev.groups[g].customers;
      for (size_t m = 0; m < 3; ++m) {
        const bool day = predicted[m].first == wd, near = HourDistance(predicted[m].second, hr) <= 2;
        Tally& t = tallies[g][m];
        t.wd += day;
        t.hr += near;
        t.both += day && near;
        t.quiet += o.quiet.Contains(predicted[m].second);
      }
    }
  }
  if (ev.groups[0].customers == 0) {
    return Status::NotFound(fmt::format(
        "no customer has a purchase both before {} and in the {:g} days after it: nothing to evaluate send times on "
        "(try a longer --holdout-days or an earlier --as-of)",
        ev.cutoff, holdout_days));
  }
  for (size_t g = 0; g < ev.groups.size(); ++g) {
    const int64_t n = ev.groups[g].customers;
    for (size_t m = 0; m < 3; ++m) {
      const Tally& t = tallies[g][m];
      ev.groups[g].methods.push_back({kMethods[m], Share(t.wd, n), Share(t.hr, n), Share(t.both, n), t.quiet});
    }
  }
  return ev;
}

}  // namespace custintel::models
