// Fact builders: the FactSheets of every subject, read from the gold tables (issue 7 item 2).
//
//   CI_ASSIGN_OR_RETURN(FactSheet s, LoadFactSheet(conn, {SubjectKind::kSegment, "At-risk churn"}));
//   CI_ASSIGN_OR_RETURN(EntityCatalog cat, LoadEntityCatalog(conn));
//   CI_RETURN_IF_ERROR(ForEachCustomerSheets(conn, {}, [&](std::vector<CustomerSheet>& chunk) { ... }));
//
// One subject (LoadFactSheet) and many (the batch builders) go through the same SQL and the
// same row-to-sheet code, so a sheet built alone and in a batch is identical, and so is its
// InputHash. The batch builders are set-based: every segment in one query per kind of fact,
// customers in a few chunks of id ranges (never a query per customer).
//
// Facts per subject (names are stable; see README.md for the full list):
//   segment:  size, share, avg_ltv, avg_clv, avg_churn_risk, avg_recency, *_vs_all deltas,
//             *_vs_prev deltas (against the facts stored with the previous run's insight),
//             theme_<key>_mentions / _negative_share, top products and categories (entities).
//   customer: features (orders, spend, recency, tenure, ...), scores (churn_risk, clv),
//             churn drivers from the model (driver_<n>_*), usual order weekday/hour, and as
//             entities the products they rebuy and the products recommended to them.
//   account:  the customers of one account_id, summed and averaged.
//   run:      the executive metrics of the latest run.
// Snippets: playbook actions matching the subject's themes and drivers (source "note",
// id "playbook:<key>"), the subject's own reviews and tickets (PII-masked), and notes found by
// retrieval when an index is available.
//
// Thread safety: functions; a Connection belongs to one thread at a time.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "features/scope.h"
#include "insight/grounding/facts.h"
#include "store/database.h"

namespace custintel::insight {

// Everything one subject may say. Fails NotFound when the subject does not exist or the gold
// tables have not been built yet (the message says to run `custintel run`).
Result<FactSheet> LoadFactSheet(store::Connection& conn, const Subject& subject);

// Every segment, product, theme and category name in the data.
Result<EntityCatalog> LoadEntityCatalog(store::Connection& conn);

// ---- batch builders (the pipeline step) ----

// What the customer writers need beyond the sheet: values they branch on, not print.
struct CustomerContext {
  std::string customer_id;
  std::string account_id;        // "" when none
  std::string segment;
  double churn_risk = 0;
  bool high_risk = false;        // gold.customer_scores.high_risk: the one definition (models/segments.h)
  std::string usual_weekday;     // "Monday".."Sunday"; "" without orders
  int usual_hour = -1;           // 0..23; -1 without orders
  std::string rebuy_product;     // most-bought product name; "" when none
  std::string liked_product;     // top recommended product name; "" when none
  std::string liked_category;
  std::vector<std::string> recommended_products;  // top recommendations, best first
  std::vector<std::string> drivers;  // churn driver features, strongest first, that raise risk
};

struct CustomerSheet {
  FactSheet sheet;
  CustomerContext context;
};

struct CustomerSheetOptions {
  // Customers per chunk handed to the callback; bounds memory at 1M customers.
  int64_t chunk_size = 100000;
  // Only these customers when non-empty.
  std::vector<std::string> customer_ids;
  // Only the scope's customers (an incremental run): the filter is part of every query, so
  // the sheets of other customers are never built. Chunks are formed over the scope alone.
  features::Scope scope = features::Scope::All();
  // Reviews and tickets per customer kept as snippets.
  int max_own_snippets = 2;
};

// Every segment's sheet, in gold.segments' rule order.
Result<std::vector<FactSheet>> LoadSegmentSheets(store::Connection& conn);

// Calls `each` with chunks of customer sheets (ordered by customer_id within a chunk).
Status ForEachCustomerSheets(store::Connection& conn, const CustomerSheetOptions& options,
                             const std::function<Status(std::vector<CustomerSheet>&)>& each);

// One sheet per account_id that customers carry, ordered by account_id.
Result<std::vector<FactSheet>> LoadAccountSheets(store::Connection& conn);

struct AccountSheetOptions {
  // Accounts per chunk handed to the callback; bounds memory (714,400 accounts at 1M customers).
  int64_t chunk_size = 100000;
  // When set, only the account ids listed in this table (column account_id), e.g. a TEMP table
  // of the accounts an incremental run touches.
  std::string accounts_table;
};

// Calls `each` with chunks of account sheets (ranges of account_id, in order, ordered within a
// chunk); the same sheets as LoadAccountSheets.
Status ForEachAccountSheets(store::Connection& conn, const AccountSheetOptions& options,
                            const std::function<Status(std::vector<FactSheet>&)>& each);

// The run's sheet: executive metrics and their change against the previous run.
Result<FactSheet> LoadRunSheet(store::Connection& conn);

}  // namespace custintel::insight
