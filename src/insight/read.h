// Reading the stored insights back as JSON, for the CLI (`custintel insights`) and the server
// (POST /v1/segments/{id}/refresh-insight). Rows as stored; JSON columns parsed.
//
//   CI_ASSIGN_OR_RETURN(nlohmann::json segs, ReadSegmentInsights(conn, std::nullopt));   // array
//   CI_ASSIGN_OR_RETURN(nlohmann::json c, ReadCustomerInsights(conn, "C000042"));
//
// Thread safety: functions; a Connection belongs to one thread at a time.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "store/database.h"

namespace custintel::insight {

// Every segment's insight (array, in gold.segments' order), or the named one's (array of one).
// NotFound when the insight tables are missing or the named segment has no insight.
Result<nlohmann::json> ReadSegmentInsights(store::Connection& conn, const std::optional<std::string>& segment);
// {"summary": {...}, "retention": {...} | null, "recommendations": [...], "notification": {...} | null}
Result<nlohmann::json> ReadCustomerInsights(store::Connection& conn, const std::string& customer_id);
// The latest run's executive summary row; null when there is none.
Result<nlohmann::json> ReadExecutiveSummary(store::Connection& conn);

}  // namespace custintel::insight
