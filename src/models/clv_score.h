// Lifetime value in the pipeline: builds the BG/NBD summary from silver.orders as of a time
// (silver.orders_as_of: the orders placed by then),
// fits BG/NBD + Gamma-Gamma (clv_fit.h), picks the customer-base model by held-out fit
// (models/clv/model_choice.h: the continuous-time models are fitted on the data up to as_of −
// holdout and judged on the holdout; the winner is refitted on everything) unless
// ClvScoreOptions::fit.model forces one, and scores every customer who has purchased with it.
//
// Transactions are orders that are not cancelled (refunded and returned orders were still
// purchases), with a customer and a timestamp, up to as_of; the summary follows lifetimes'
// convention (clv_summary.h) bucketed per day, in weeks (days / 7).
//
// Fits that are not used: a fit that did not converge or with a parameter at a bound
// (ClvScoreOptions::parameter_bound) is dropped — BG/NBD for the simpler estimate of
// ClvScoreReport::fallback, Gamma-Gamma for NULL value columns — and the message says why. So is
// Gamma-Gamma on spend that does not vary, and on orders without amounts ("needs amounts").
// gold.clv_model records converged and iterations of each fit beside its parameters.
//
// Writes gold.customer_clv (customer_id, frequency, recency, T, monetary_value, p_alive,
// expected_purchases_90d, expected_avg_order_value, predicted_clv, as_of), gold.clv_model (one
// row: BG/NBD's and Gamma-Gamma's parameters and log-likelihoods, the model the predictions use
// — model, model_k, model_params JSON, model_log_likelihood — and model_choice, the held-out
// comparison as JSON (NULL when forced or not run), and why nothing was fitted when not) and
// the same four prediction columns on gold.customer_scores. With too few repeat buyers, or a
// fit that fails, the prediction columns are NULL, the report says why, and the run goes on.
//
// Incremental runs (features/scope.h): with a customer scope nothing is fitted. The parameters
// of the last full run are read back from gold.clv_model, the summary is built for the scope's
// customers only, their gold.customer_clv rows are replaced (DELETE + INSERT) and their four
// columns of gold.customer_scores set; every other row and gold.clv_model stay as they are. A
// full run and a scoped one score a customer with the same code, so with the same parameters
// and data they write the same bits.
//
// Thread safety: uses the caller's connection; one call at a time per connection.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "features/scope.h"
#include "models/clv/clv_fit.h"
#include "models/clv/clv_summary.h"
#include "store/database.h"

namespace custintel::models {

struct ClvScoreOptions {
  double horizon_months = 12;           // CLV horizon, whole months
  double monthly_discount_rate = 0.01;  // ≈ 12.7% a year
  double prediction_days = 90;          // window of expected_purchases_90d
  // Below this many repeat buyers the parameters are not identifiable in practice: skip.
  size_t min_repeat_buyers = 20;
  // A fitted parameter outside [1/x, x] sits at the edge of what the optimiser can reach (the
  // Gamma-Gamma fit of constant spend runs off to p = 2e7, q = 5e9): the fit is not used.
  double parameter_bound = 1e5;
  // Count every order whatever its status, not only is_purchase's ([orders] rule): the
  // generator's truth counts every order row.
  bool include_cancelled = false;
  ClvFitOptions fit;  // fit.model forces the customer-base model; unset: model choice
  // Model choice's time split: the holdout is this share of the days from the first purchase to
  // as_of, within [min, max] days; the customers who bought before the cutoff judge, every n-th
  // of them (by id) above choice_max_customers.
  double choice_holdout_fraction = 1.0 / 3;
  double choice_min_holdout_days = 28;
  double choice_max_holdout_days = 365;
  size_t choice_max_customers = 100000;
};

// A time split inside the data for model choice: the same customers (first purchase before the
// cutoff, T > 0 there) summarised at the cutoff and at as_of, row by row.
struct ClvTimeSplit {
  double cutoff_days = 0, holdout_days = 0;
  ClvSummary calibration, full;
};

// The split of `transactions` (timestamps in days since epoch) ending at as_of_days; nullopt,
// with *why, when the data span too few days or the calibration has too few repeat buyers.
std::optional<ClvTimeSplit> MakeClvTimeSplit(const ClvTransactions& transactions, double as_of_days,
                                             const ClvScoreOptions& options, std::string* why);

struct ClvScoreReport {
  bool fitted = false;          // predictions were written
  std::string message;          // one line for the run report
  std::optional<ClvModelFit> fit;
  size_t customers = 0;         // customers in the summary (at least one purchase)
  size_t repeat_buyers = 0;
  // as_of of the parameters used: this call's in a full run, the last full run's in a scoped one
  // ("" when not fitted).
  std::string model_as_of;
  // BG/NBD was fitted but not used (did not converge, or a parameter at a bound): the columns
  // hold the stated simpler estimate instead (expected purchases at the customer's own past
  // rate, average order value = the customer's own mean; no P(alive), no CLV).
  bool fallback = false;
  // The orders carry no amounts: spend is not modelled (Gamma-Gamma and CLV in money skipped).
  bool needs_amounts = false;
  // The fit as the optimiser returned it, used or not (gold.clv_model records its convergence).
  std::optional<ClvModelFit> tried;
};

// Purchases (is_purchase; every order with include_cancelled) up to `until` (canonical
// timestamp) of the scope's customers as transactions; timestamps in days since epoch.
Result<ClvTransactions> LoadClvTransactions(store::Connection& conn, const std::string& until,
                                            bool include_cancelled,
                                            const features::Scope& scope = features::Scope::All());

// The weekly summary as of `as_of` (observation end) of the scope's customers, sorted by id;
// without monetary values when no order up to as_of carries an amount (a log of dates only).
Result<ClvSummary> LoadClvSummary(store::Connection& conn, const std::string& as_of,
                                  bool include_cancelled,
                                  const features::Scope& scope = features::Scope::All());

// The rows the models can learn from: T > 0 (a customer whose first purchase is on the
// observation day carries no information yet, and the likelihood requires T > 0).
ClvSummary FittableRows(const ClvSummary& summary);

// Fits on the summary's fittable rows when it has enough repeat buyers; a not-fitted report is not an error.
// The customer-base model: options.fit.model when set; else chosen on `split` when given; else
// BG/NBD. A model that cannot be fitted or predicts nothing finite falls back to BG/NBD, and the
// message says so.
ClvScoreReport FitClvForScoring(const ClvSummary& summary, const ClvScoreOptions& options,
                                const ClvTimeSplit* split = nullptr);

// P(alive) as of `at` of every customer who has purchased by then, with parameters fitted on the
// data up to `at` as ScoreClv fits them — of the model the last full run chose (gold.clv_model)
// unless options.fit.model names one; BG/NBD without either — into the TEMP table `table` (customer_id VARCHAR,
// p_alive DOUBLE); writes nothing else. Returns false, with the table empty, when the model
// cannot be fitted (too few repeat buyers, a failed fit): not an error. With a customer scope,
// the fit is the same (every customer's data) and only the scope's customers are written.
Result<bool> WriteProbabilityAlive(store::Connection& conn, const std::string& at, const ClvScoreOptions& options,
                                   const std::string& table,
                                   const features::Scope& only = features::Scope::All());

// The pipeline step: load, fit, score, write the tables above. Errors only for database
// failures; degenerate data gives fitted = false and a message. With a customer scope: score
// the scope's customers with the parameters in gold.clv_model, fitted = false (columns NULL)
// when the last full run had no fitted model; options.fit and min_repeat_buyers are unused.
// REQUIRES: gold.customer_scores exists (rows of the scope's customers, for a scoped call).
Result<ClvScoreReport> ScoreClv(store::Connection& conn, const std::string& as_of,
                                const ClvScoreOptions& options = {},
                                const features::Scope& scope = features::Scope::All());

// Days since 1970-01-01 UTC of a canonical timestamp, through DuckDB.
Result<double> EpochDays(store::Connection& conn, const std::string& timestamp);

}  // namespace custintel::models
