// The per-customer simulation steps behind SimulateBlock, in the order they run:
//   SimulateOrders      BG/NBD purchase times, Gamma-Gamma spend, items, delivery experience
//   SimulateExperience  tickets (from bad deliveries, background issues, pre-dropout) and reviews
//   SimulateEvents      page views, app sessions, e-mail, chats, purchases, support contacts
// Each appends rows to the block and reads/writes the customer's CustomerState.
//
// Thread safety: called by one thread per block; SimContext is read-only.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "gen/people.h"
#include "gen/shop_block.h"

namespace custintel::gen {

struct Staple {
  int32_t product;
  int32_t rhythm_days;
  int64_t last_bought = -1;
};

// What the simulation knows about one customer beyond the rows it writes.
struct CustomerState {
  int32_t local = 0;                  // index in ShopBlock::customers
  bool business = false;              // smb or enterprise account
  bool enterprise = false;
  std::array<int, 3> categories{};    // affinity: primary, secondary, tertiary
  Channel preferred_channel = Channel::kWeb;
  bool mobile_user = false;
  double engagement = 1;              // multiplies browsing and e-mail activity
  double disposition = 0;             // N(0,1): how kindly they rate and write
  int64_t active_until = 0;           // dropout time, or window end when alive
  std::vector<Staple> staples;
  int32_t orders_begin = 0, orders_end = 0;  // into ShopBlock::orders
};

void SimulateOrders(const SimContext& ctx, Rng& rng, CustomerState& state, ShopBlock* block);
void SimulateExperience(const SimContext& ctx, Rng& rng, CustomerState& state, ShopBlock* block);
void SimulateEvents(const SimContext& ctx, Rng& rng, CustomerState& state, ShopBlock* block);

// Topic themes for reviews of a category (technical ones add usability and performance).
std::span<const Theme> CategoryThemes(const Category& category);

}  // namespace custintel::gen
