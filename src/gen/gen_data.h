// GenerateShop: writes a deterministic synthetic shop (the silver input contract, as CSV) and
// the hidden truth it was drawn from, so models can be checked against what really happened.
//
//   GenOptions o;
//   o.customers = 20000;
//   o.out_dir = "/tmp/shop";
//   CI_ASSIGN_OR_RETURN(GenReport report, GenerateShop(o));
//
// Output in out_dir: customers.csv, orders.csv, order_items.csv, products.csv, events.csv,
// reviews.csv, tickets.csv, notes.csv; truth/ holds population.json and truth/*.csv (per
// customer rates, late deliveries, text labels). The story is BG/NBD (Fader, Hardie & Lee
// 2005) for purchases and Gamma-Gamma (Fader & Hardie 2013) for spend; see src/gen/README.md.
//
// Determinism: the same options (threads aside) give byte-identical files. Customers are
// simulated in fixed blocks, each with its own RNG stream from (seed, block index), in
// parallel; blocks are written in order. Nothing reads the clock except GenReport::seconds.
// Thread safety: GenerateShop may run concurrently for different out_dirs.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace custintel::gen {

struct GenOptions {
  uint64_t seed = 42;
  int64_t customers = 10000;      // 1,000 .. 1,000,000 (rejected outside with InvalidArgument)
  std::string out_dir;            // created if missing; files overwritten
  int threads = 0;                // 0 = hardware concurrency; the output does NOT depend on it

  // --- Observation window -------------------------------------------------------------------
  // The last instant of the window: nothing is generated after it, nothing reads the clock.
  std::string window_end = "2026-06-30T23:59:59Z";
  // Customers are acquired (first order) uniformly over this many weeks before window_end.
  double acquisition_weeks = 104;

  // --- Purchases: BG/NBD, time unit one week --------------------------------------------------
  // Purchase rate while alive λ ~ Gamma(shape r, rate alpha); mean r/alpha = 0.1 per week.
  double bgnbd_r = 0.75;
  double bgnbd_alpha = 7.5;
  // Dropout probability after each repeat purchase p ~ Beta(a, b); mean a/(a+b) = 0.25.
  double bgnbd_a = 0.8;
  double bgnbd_b = 2.4;

  // --- Spend: Gamma-Gamma ---------------------------------------------------------------------
  // Per customer ν ~ Gamma(shape q, rate v); each order's target value ~ Gamma(shape p, rate ν).
  // Mean order value p·v/(q-1) = 75 USD. Items are then picked to approximate the target.
  double spend_p = 5.0;
  double spend_q = 4.0;
  double spend_v = 45.0;

  // --- Catalog and habits ---------------------------------------------------------------------
  int products = 300;                   // spread over 10 categories; 100 .. 5,000
  double staple_customer_share = 0.35;  // customers with 1–3 staples they rebuy on a rhythm

  // --- Experience -----------------------------------------------------------------------------
  double late_delivery_rate = 0.08;     // share of shipped orders delivered late
  double damage_rate = 0.03;            // share of shipped orders arriving damaged
  // Customers who later drop out have worse experiences this many weeks before dropping out
  // (late, damaged and defective rates × pre_dropout_problem_multiplier), and complain more.
  double pre_dropout_weeks = 8;
  double pre_dropout_problem_multiplier = 3;
  double review_rate = 0.10;            // chance an order is reviewed (higher after a bad one)
  double background_ticket_rate = 0.003;  // tickets per alive week unrelated to an order
  double missing_last_active_share = 0.02;  // customers whose last_active_date is left empty
};

struct GenReport {
  int64_t customers = 0;
  int64_t orders = 0;
  int64_t order_items = 0;
  int64_t products = 0;
  int64_t events = 0;
  int64_t reviews = 0;
  int64_t tickets = 0;
  int64_t notes = 0;
  int64_t bytes_written = 0;  // all files, truth included
  double seconds = 0;         // wall time
};

// Writes the shop to options.out_dir. InvalidArgument for bad options, IoError when the
// folder or a file cannot be written.
Result<GenReport> GenerateShop(const GenOptions& options);

// The options' problems, or Ok. GenerateShop calls it first.
Status ValidateOptions(const GenOptions& options);

}  // namespace custintel::gen
