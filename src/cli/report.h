// The printed findings of a run: segments with size, share, average lifetime value and churn
// risk, and the customers most at risk with their churn drivers in words. Shared by `summary` and `demo`.
#pragma once

#include <iosfwd>

#include "cli/output.h"
#include "core/status.h"
#include "store/database.h"

namespace custintel::cli {

Status PrintSummary(store::Connection& conn, bool json, std::ostream& out);
Status PrintSegments(store::Connection& conn, bool json, std::ostream& out);
// Shows a risk_factors column as "drivers (top N)" in words (insight/drivers.h) in a table.
ColumnText DriversColumn(size_t max);
Status PrintCustomer(store::Connection& conn, const std::string& customer_id, bool json, std::ostream& out);

}  // namespace custintel::cli
