// A run's customer scope: which customers a step recomputes (issue 3 item 7, incremental runs).
//
// A full run recomputes every customer. An incremental run (pipeline/plan.h) materialises the
// customers whose inputs changed since the last run in a TEMP table with one column
// `customer_id VARCHAR` (distinct, never NULL) on the step's connection, and every
// customer-level step then rewrites only those customers' rows; every other customer's rows
// stay exactly as the last run left them. Population-level models (the churn model, BG/NBD
// and Gamma-Gamma parameters, the recommender's item similarities) are not refitted in an
// incremental run: the scoped customers are scored with the ones of the last full run.
// Population-relative values of scoped customers (percentiles, RFM quintiles) are computed
// against the whole current population.
//
//   Scope s = Scope::Customers("ci_scope");
//   conn.Execute("DELETE FROM gold.t WHERE " + s.Filter("customer_id"));
#pragma once

#include <string>

namespace custintel::features {

class Scope {
 public:
  // Every customer.
  static Scope All() { return Scope(""); }
  // The customers listed in TEMP table `table` (column customer_id).
  static Scope Customers(std::string table) { return Scope(std::move(table)); }

  bool all() const { return table_.empty(); }
  const std::string& table() const { return table_; }
  // An SQL predicate on `column` (a customer_id expression): "TRUE" for All(), else
  // "(<column> IN (SELECT customer_id FROM <table>))".
  std::string Filter(const std::string& column) const {
    return all() ? "TRUE" : "(" + column + " IN (SELECT customer_id FROM " + table_ + "))";
  }

 private:
  explicit Scope(std::string table) : table_(std::move(table)) {}
  std::string table_;
};

}  // namespace custintel::features
