// Silver conformance as SQL over the staged file (TEMP table ci_stage: _line + VARCHAR columns):
// cast, validate, split good rows from rejects, dedupe on the natural key and merge into
// silver.<kind>. Internal to ingest/.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "ingest/contract.h"
#include "store/database.h"

namespace custintel::ingest {

struct ConformPlan {
  std::vector<std::string> source_of;  // per contract column: staged column, or "" if absent
  std::vector<std::string> extra;      // staged columns outside the contract → attributes JSON
  std::vector<std::string> staged;     // every staged column, in file order
};

struct MergeCounts {
  int64_t rows_read = 0, loaded = 0, updated = 0, unchanged = 0, rejected = 0;
};

// Matches staged columns to the contract (case-insensitively, after column_map). A missing
// required column refuses the file with a message naming it.
Result<ConformPlan> PlanConform(const KindContract& contract, const std::vector<std::string>& staged,
                                const std::map<std::string, std::string>& column_map,
                                const std::string& path);

// Writes bronze.rows, bronze.rejects and silver.<kind> for the staged file.
// REQUIRES: inside the caller's transaction.
Result<MergeCounts> RunConform(store::Connection& conn, const KindContract& contract,
                               const ConformPlan& plan, const std::string& path, int64_t batch_id);

}  // namespace custintel::ingest
