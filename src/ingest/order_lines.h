// Line-level sales (kind order_lines, issue 3 item 4): derives silver orders, order_items,
// products and the customers silver does not know yet from the conformed lines of one file.
// Internal to ingest/.
//
// Rules (one order = the lines sharing an order_id within the file):
//   1. orders.amount = Σ quantity × unit_price; ordered_at = the earliest line; customer,
//      currency, channel, status and country (→ attributes.country) = the latest line's non-NULL
//      value. The file's lines of an order are its whole order: a later load replaces it.
//   2. An order is a refund when its id is a cancellation number ('C' then a digit, as the UCI
//      Online Retail export writes them), its status names a cancel/refund/return, its cancelled
//      column is true, or its lines give back more than they sell (net quantity or net amount
//      below zero). A refund's amount is -|Σ quantity × unit_price| and its status 'refunded'
//      (or the source's own cancel/refund/return status); features, churn, CLV and
//      recommendations leave refunds out of purchases.
//   3. Lines without a customer id are anonymous sales: their orders load with customer_id
//      NULL (every model reads only orders with a customer) and are counted, never dropped.
//   4. order_items: one row per (order, product); repeated lines of a product are summed
//      (quantity = Σ quantity, unit_price = Σ quantity × unit_price / Σ quantity).
//   5. products: name = the latest line's description, price = the latest positive unit price,
//      category when the file has one; what the lines do not say keeps silver's stored value.
//   6. customers: an id silver does not know is added (region = the latest country); known
//      customers are never changed by sales lines.
//   Each derived table is merged like any kind (new / updated / unchanged by row hash), so the
//   same file twice changes nothing.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "ingest/conform_sql.h"
#include "ingest/ingest.h"
#include "store/database.h"

namespace custintel::ingest {

struct OrderLinesCounts {
  std::vector<DerivedCounts> derived;  // orders first
  int64_t anonymous = 0;               // derived orders without a customer id
  int64_t refunds = 0;                 // derived orders that are refunds (cancellations, returns)
};

// Builds the TEMP tables of derived orders, items and products from the good lines of a
// conformed file. Pure: reads only `good_lines`, so it runs outside the batch's transaction.
Status PrepareOrderLines(store::Connection& conn, const StageTables& tables, const std::string& good_lines);

// Merges the derived rows into silver (products and customers against what silver holds).
// REQUIRES: inside the batch's transaction; PrepareOrderLines ran for `tables`.
Result<OrderLinesCounts> WriteOrderLines(store::Connection& conn, const StageTables& tables, int64_t batch_id);

}  // namespace custintel::ingest
