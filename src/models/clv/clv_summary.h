// The per-customer summary the lifetime-value models consume, built exactly as the `lifetimes`
// library's summary_data_from_transaction_data builds it, and its validation.
//
// Convention (lifetimes, and Fader–Hardie's CDNOW files):
//   - Transactions after the observation end are dropped. Transactions are bucketed into
//     periods (calendar days, UTC); several purchases in one period count once, and their
//     values are summed.
//   - frequency      = number of distinct periods with a purchase, minus one (repeat periods);
//   - recency        = time from the first to the last purchase period;
//   - T              = time from the first purchase period to the observation end's period;
//   - monetary_value = mean of the repeat periods' summed values (the first period excluded);
//                      0 when frequency is 0.
//   Times are in the chosen unit: days, or weeks = days / 7 (lifetimes' freq='D',
//   freq_multiplier=7 — how the CDNOW summary's 30.43 and 38.86 arise), or calendar weeks
//   (lifetimes' freq='W': Monday–Sunday weeks, whole numbers).
//
// Thread safety: values and pure functions.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace custintel::models {

// How summary times are measured.
enum class ClvPeriod {
  kDays,           // days (lifetimes freq='D')
  kWeeks,          // days / 7, purchases bucketed by day (freq='D', freq_multiplier=7)
  kCalendarWeeks,  // whole Monday–Sunday weeks, purchases bucketed by week (freq='W')
};

// How transaction timestamps (and the observation end) are given.
enum class ClvTimestampUnit {
  kDays,     // days since 1970-01-01 (fractions are the time of day)
  kSeconds,  // seconds since 1970-01-01 UTC
};

// Transactions, columnar. `value` may be empty (no monetary values: monetary_value is all 0).
struct ClvTransactions {
  std::vector<std::string> customer_id;
  std::vector<double> timestamp;
  std::vector<double> value;
};

// One row per customer, columnar; customer_id may be empty when a summary file has no id column.
struct ClvSummary {
  std::vector<std::string> customer_id;
  std::vector<double> frequency;
  std::vector<double> recency;
  std::vector<double> T;
  std::vector<double> monetary_value;  // empty when the source carried no values
  // Σ log(interval) over the repeat purchases' inter-purchase intervals, in summary units (0 for
  // one-time buyers): the statistic the Erlang-k models (models/clv/cnbd_k.h) need beyond
  // (x, t_x, T). Empty when the source carried none (a summary file).
  std::vector<double> litt;
  size_t size() const { return frequency.size(); }
  bool has_litt() const { return !litt.empty(); }
  bool has_monetary_value() const { return !monetary_value.empty(); }
};

struct ClvSummaryOptions {
  double observation_end = 0.0;  // in `timestamp_unit`; later transactions are ignored
  ClvTimestampUnit timestamp_unit = ClvTimestampUnit::kDays;
  ClvPeriod period = ClvPeriod::kDays;
};

// Builds the summary, customers sorted by id. Customers whose every transaction is after the
// observation end are absent (as in lifetimes). Fails on mismatched column lengths and
// non-finite timestamps or values.
Result<ClvSummary> SummarizeTransactions(const ClvTransactions& transactions,
                                         const ClvSummaryOptions& options);

// Checks what the models assume, with the row (1-based) and customer in the message:
// frequency a non-negative whole number, 0 ≤ recency ≤ T, T > 0, everything finite, and
// monetary_value > 0 for repeat buyers when values are present. Column lengths must agree.
Status ValidateClvSummary(const ClvSummary& summary);

// What is wrong with row i (0-based) in the terms of ValidateClvSummary, or "" when nothing is.
// REQUIRES: i < summary.size() and the columns have equal lengths.
std::string ClvSummaryRowProblem(const ClvSummary& summary, size_t i);

// lifetimes' per-month step for CLV: periods in a month (days 30, weeks 4.345).
double PeriodsPerMonth(ClvPeriod period);

}  // namespace custintel::models
