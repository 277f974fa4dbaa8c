#include "models/clv/clv_summary.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <string>
#include <unordered_map>

namespace custintel::models {
namespace {

constexpr double kSecondsPerDay = 86400.0;

// One (customer, period) bucket with its summed value.
struct PeriodRow {
  size_t customer;
  long long period;
  double value;
};

double ToDays(double timestamp, ClvTimestampUnit unit) {
  return unit == ClvTimestampUnit::kSeconds ? timestamp / kSecondsPerDay : timestamp;
}

// Day 0 (1970-01-01) was a Thursday; Monday–Sunday weeks (pandas 'W') start on day −3.
long long PeriodIndex(double days, ClvPeriod period) {
  const long long day = static_cast<long long>(std::floor(days));
  if (period != ClvPeriod::kCalendarWeeks) return day;
  const long long shifted = day + 3;
  return shifted >= 0 ? shifted / 7 : -((-shifted + 6) / 7);
}

// Length of `periods` buckets in the summary's time unit.
double PeriodSpan(long long periods, ClvPeriod period) {
  return period == ClvPeriod::kWeeks ? static_cast<double>(periods) / 7.0
                                     : static_cast<double>(periods);
}

Status CheckColumns(const ClvTransactions& t) {
  const size_t n = t.customer_id.size();
  if (t.timestamp.size() != n || (!t.value.empty() && t.value.size() != n)) {
    return Status::InvalidArgument(
        "transactions: customer_id, timestamp and value columns have different lengths");
  }
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(t.timestamp[i])) {
      return Status::InvalidArgument("transaction " + std::to_string(i + 1) + " (customer " +
                                     t.customer_id[i] + "): timestamp is not a finite number");
    }
    if (!t.value.empty() && !std::isfinite(t.value[i])) {
      return Status::InvalidArgument("transaction " + std::to_string(i + 1) + " (customer " +
                                     t.customer_id[i] + "): value is not a finite number");
    }
  }
  return Status::Ok();
}

// Customer ids in sorted order and, per transaction, the index of its customer in that order.
std::vector<std::string> SortedCustomers(const ClvTransactions& t, std::vector<size_t>* index_of) {
  std::unordered_map<std::string, size_t> first_seen;
  std::vector<std::string> ids;
  std::vector<size_t> raw(t.customer_id.size());
  for (size_t i = 0; i < t.customer_id.size(); ++i) {
    auto [it, inserted] = first_seen.try_emplace(t.customer_id[i], ids.size());
    if (inserted) ids.push_back(t.customer_id[i]);
    raw[i] = it->second;
  }
  std::vector<size_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a] < ids[b]; });
  std::vector<size_t> rank(ids.size());
  std::vector<std::string> sorted(ids.size());
  for (size_t r = 0; r < order.size(); ++r) {
    rank[order[r]] = r;
    sorted[r] = ids[order[r]];
  }
  index_of->resize(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) (*index_of)[i] = rank[raw[i]];
  return sorted;
}

// Rows within the observation window, bucketed per (customer, period), sorted.
std::vector<PeriodRow> BucketByPeriod(const ClvTransactions& t, const std::vector<size_t>& index_of,
                                      const ClvSummaryOptions& options) {
  std::vector<PeriodRow> rows;
  rows.reserve(t.timestamp.size());
  for (size_t i = 0; i < t.timestamp.size(); ++i) {
    if (t.timestamp[i] > options.observation_end) continue;
    const double days = ToDays(t.timestamp[i], options.timestamp_unit);
    rows.push_back({index_of[i], PeriodIndex(days, options.period), t.value.empty() ? 0.0 : t.value[i]});
  }
  // Values break ties so that a period's sum does not depend on the input's order: a customer
  // summarised alone (an incremental run) gets the same bits as among everyone.
  std::sort(rows.begin(), rows.end(), [](const PeriodRow& a, const PeriodRow& b) {
    if (a.customer != b.customer) return a.customer < b.customer;
    return a.period != b.period ? a.period < b.period : a.value < b.value;
  });
  std::vector<PeriodRow> merged;
  for (const PeriodRow& row : rows) {
    if (!merged.empty() && merged.back().customer == row.customer && merged.back().period == row.period) {
      merged.back().value += row.value;
    } else {
      merged.push_back(row);
    }
  }
  return merged;
}

}  // namespace

Result<ClvSummary> SummarizeTransactions(const ClvTransactions& transactions,
                                         const ClvSummaryOptions& options) {
  CI_RETURN_IF_ERROR(CheckColumns(transactions));
  if (!std::isfinite(options.observation_end)) {
    return Status::InvalidArgument("observation end is not a finite number");
  }
  std::vector<size_t> index_of;
  const std::vector<std::string> ids = SortedCustomers(transactions, &index_of);
  const std::vector<PeriodRow> rows = BucketByPeriod(transactions, index_of, options);
  const long long end_period =
      PeriodIndex(ToDays(options.observation_end, options.timestamp_unit), options.period);

  ClvSummary summary;
  const bool with_values = !transactions.value.empty();
  for (size_t begin = 0; begin < rows.size();) {
    size_t end = begin;
    double repeat_value = 0.0, litt = 0.0;
    while (end < rows.size() && rows[end].customer == rows[begin].customer) {
      if (end > begin) {
        repeat_value += rows[end].value;
        litt += std::log(PeriodSpan(rows[end].period - rows[end - 1].period, options.period));
      }
      ++end;
    }
    const long long repeats = static_cast<long long>(end - begin) - 1;
    summary.customer_id.push_back(ids[rows[begin].customer]);
    summary.frequency.push_back(static_cast<double>(repeats));
    summary.recency.push_back(PeriodSpan(rows[end - 1].period - rows[begin].period, options.period));
    summary.T.push_back(PeriodSpan(end_period - rows[begin].period, options.period));
    if (with_values) summary.monetary_value.push_back(repeats > 0 ? repeat_value / repeats : 0.0);
    summary.litt.push_back(litt);
    begin = end;
  }
  return summary;
}

namespace {

std::string RowName(const ClvSummary& s, size_t i) {
  std::string name = "row " + std::to_string(i + 1);
  if (i < s.customer_id.size()) name += " (customer " + s.customer_id[i] + ")";
  return name;
}

std::string Num(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

std::string ClvSummaryRowProblem(const ClvSummary& s, size_t i) {
  const double x = s.frequency[i], t_x = s.recency[i], T = s.T[i];
  if (!std::isfinite(x)) return "frequency " + Num(x) + " is not a finite number";
  if (!std::isfinite(t_x)) return "recency " + Num(t_x) + " is not a finite number";
  if (!std::isfinite(T)) return "T " + Num(T) + " is not a finite number";
  if (x < 0 || x != std::floor(x)) return "frequency " + Num(x) + " is not a non-negative whole number";
  if (t_x < 0) return "recency " + Num(t_x) + " is negative";
  if (T <= 0) return "T " + Num(T) + " must be positive";
  if (t_x > T) return "recency " + Num(t_x) + " is larger than T " + Num(T);
  if (i < s.litt.size() && !std::isfinite(s.litt[i])) return "litt " + Num(s.litt[i]) + " is not a finite number";
  if (!s.monetary_value.empty()) {
    const double m = s.monetary_value[i];
    if (!std::isfinite(m)) return "monetary_value " + Num(m) + " is not a finite number";
    if (x > 0 && m <= 0) return "monetary_value " + Num(m) + " must be positive for a repeat buyer";
  }
  return "";
}

Status ValidateClvSummary(const ClvSummary& summary) {
  const size_t n = summary.frequency.size();
  if (summary.recency.size() != n || summary.T.size() != n ||
      (!summary.monetary_value.empty() && summary.monetary_value.size() != n) ||
      (!summary.litt.empty() && summary.litt.size() != n) ||
      (!summary.customer_id.empty() && summary.customer_id.size() != n)) {
    return Status::InvalidArgument("summary columns have different lengths");
  }
  if (n == 0) return Status::InvalidArgument("summary has no customers");
  for (size_t i = 0; i < n; ++i) {
    const std::string problem = ClvSummaryRowProblem(summary, i);
    if (!problem.empty()) return Status::InvalidArgument(RowName(summary, i) + ": " + problem);
  }
  return Status::Ok();
}

double PeriodsPerMonth(ClvPeriod period) {
  return period == ClvPeriod::kDays ? 30.0 : 4.345;
}

}  // namespace custintel::models
