// Reads a per-customer CLV summary from CSV, with either lifetimes' column names
// (frequency, recency, T, monetary_value) or Fader–Hardie's (x, t_x, T, zbar).
//
// Header names are matched case-insensitively ("T" and "t" are the same column); an id column
// (id, customer_id, customer) is kept when present; other columns are ignored. Fields may be
// double-quoted. Every row is checked as ValidateClvSummary would, and errors name the file,
// line and column: "summary.csv line 14 column 'recency': 'abc' is not a number".
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "models/clv/clv_summary.h"

namespace custintel::models {

// Reads and validates the file at `path`.
Result<ClvSummary> ReadClvSummaryCsv(const std::string& path);

// Parses CSV text; `source` names it in error messages (a path, or "<stdin>").
Result<ClvSummary> ParseClvSummaryCsv(std::string_view text, const std::string& source);

}  // namespace custintel::models
