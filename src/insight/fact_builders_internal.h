// Helpers shared by the fact builders' files (fact_builders*.cc); not part of the API.
#pragma once

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "insight/fact_builders.h"
#include "insight/grounding/facts.h"
#include "insight/playbook.h"
#include "store/database.h"

namespace custintel::insight::detail {

// Values are kept to 6 decimals: DuckDB's parallel sums may differ in the last bit from run to
// run (80.365 vs 80.36500000000001), which would flip a printed "$80.37" to "$80.36" at a
// rounding boundary and change the input hash of data that did not change.
inline double StableValue(double value) {
  return std::isfinite(value) && std::fabs(value) < 1e9 ? std::round(value * 1e6) / 1e6 : value;
}

inline void AddFact(FactSheet& sheet, std::string name, double value, FactUnit unit, std::string label) {
  sheet.facts.push_back({std::move(name), StableValue(value), unit, std::move(label)});
}

// The data's currency (features/currency.h) on every money fact of `sheet`: writers and the
// grounding check then print and read its amounts in it.
void InCurrency(FactSheet& sheet, const std::string& currency);

// Adds `name` to the sheet's entities once.
void AddEntity(FactSheet& sheet, const std::string& name);

// Review or ticket text made safe for a sheet: PII-masked (e-mails, phones, ... and the
// customer's own names), whitespace collapsed, cut at `max_chars` on a word boundary.
std::string MaskedText(std::string_view text, const std::vector<std::string>& names, size_t max_chars = 280);

// NotFound naming `custintel run` when the gold tables the insights read do not exist yet.
Status RequireGold(store::Connection& conn);

// `sql` with every "{T}" replaced by the last run's as-of time (an SQL scalar subquery on
// gold.customer_scores): the silver rows a sheet reads are silver.*_as_of({T}) (store
// migration 0028), so no text speaks of an order, review or ticket the run could not see.
std::string AsOfRun(std::string sql);

// A segment's sheet with the numbers gold.segment_insights keeps for the next run's deltas:
// base (this run's own numbers) and previous (what the *_vs_prev facts compared against).
struct SegmentSheetRow {
  FactSheet sheet;
  nlohmann::json base, previous;
};
// All segments (filter == nullptr) or the one named; NotFound for an unknown name.
Result<std::vector<SegmentSheetRow>> SegmentSheets(store::Connection& conn, const std::string* filter);

// Predicates that split the distinct non-NULL values of `column` in `from` (a FROM clause with
// its WHERE, e.g. "gold.customer_scores WHERE TRUE") into ranges of at most `chunk_size`
// values, in order: "col >= 'a' AND col < 'b'", ..., "col >= 'z'"; one "col IS NOT NULL" when
// they fit in one. Ranges rather than hash buckets: a chunk's rows of a table clustered by the
// key lie in few row groups (zone maps skip the rest; 1M customers: the chunk queries 2.5-3x
// faster), and the tables written chunk by chunk come out clustered by customer.
Result<std::vector<std::string>> RangeChunks(store::Connection& conn, const std::string& column,
                                             const std::string& from, int64_t chunk_size);

// One customer's sheet and context; NotFound for an unknown id.
Result<CustomerSheet> OneCustomerSheet(store::Connection& conn, const std::string& customer_id);

}  // namespace custintel::insight::detail
