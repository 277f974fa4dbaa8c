// What a database holds and what can be built from it (issue 27, `custintel doctor`): per silver
// table its rows, date range, customers, share with amounts, duplicate lines merged at ingest
// and orphans; per output whether the data supports it and, when not, what it needs in words;
// and the single most useful file to add next. `custintel run` prints the same "cannot build X:
// needs Y" lines.
//
// Thread safety: uses the caller's connection; reads silver and meta only.
#pragma once

#include <string>
#include <vector>

#include "core/order_status.h"
#include "core/status.h"
#include "store/database.h"

namespace custintel::features {

struct TableProfile {
  std::string table;             // "orders"
  int64_t rows = 0;
  std::string first_at, last_at;  // the table's date column range ("" without dates)
  int64_t customers = -1;        // distinct customers named (-1: the table names none)
  double amount_share = -1;      // orders: share with an amount; order_items: with a unit price; -1 n/a
  int64_t duplicates = 0;        // source lines merged into another line of the same key at ingest
  int64_t orphans = -1;          // rows pointing at a parent no file gave (-1 n/a); see orphans_meaning
  std::string orphans_meaning;
};

struct OutputProfile {
  std::string output;  // "BG/NBD (P(alive), expected purchases)"
  bool can_build = false;
  std::string needs;   // when it cannot: what it needs, in words
};

// Orders of one status and how the purchase rule ([orders], core/order_status.h) counts them.
struct StatusProfile {
  std::string status;        // "" for orders without a status
  std::string status_class;  // order_status_class(): purchase, excluded or unknown
  bool counted = false;      // is_purchase()
  int64_t orders = 0;
};

struct DataProfile {
  std::vector<TableProfile> tables;
  std::vector<OutputProfile> outputs;
  int64_t customers = 0;          // silver.customers rows
  int64_t implied_customers = 0;  // ... of which no customers file gave (implied by other tables)
  int64_t repeat_buyers = 0;      // customers with at least two purchases
  std::string next_file;          // the most useful file to add, and what it unlocks ("" when complete)
  std::vector<StatusProfile> statuses;  // every order status, most orders first (at most 50)
};

Result<DataProfile> ProfileData(store::Connection& conn);

// "cannot build X: needs Y" for every output the data cannot give.
std::vector<std::string> CannotBuild(const DataProfile& profile);

// "status 'unavailable': 609 orders — not counted as purchases; ..." for every status the
// purchase rule does not plainly call a purchase (excluded or unknown).
std::vector<std::string> StatusNotes(const DataProfile& profile);

}  // namespace custintel::features
