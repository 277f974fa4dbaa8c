// ShopBlock: one block of simulated customers, as plain rows, before ids are assigned.
// SimulateBlock (customer_sim.cc) fills it from the block's own RNG stream; FormatBlock
// (block_format.cc) turns it into CSV text once the global id offsets of earlier blocks are
// known. Splitting the two is what lets blocks run in parallel and still number orders,
// events, reviews and tickets sequentially across the whole file.
//
// Thread safety: a ShopBlock is owned by one thread at a time; SimContext is shared read-only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gen/catalog.h"
#include "gen/gen_data.h"
#include "gen/text_composer.h"

namespace custintel::gen {

inline constexpr int64_t kBlockSize = 1000;  // customers per block (fixed: part of the output)
inline constexpr int64_t kWeekSeconds = 7 * 86400;

// Everything a block needs besides its RNG: options, derived times, catalog, text.
struct SimContext {
  const GenOptions* options = nullptr;
  const Catalog* catalog = nullptr;
  const TextComposer* composer = nullptr;
  int64_t window_end = 0;    // epoch seconds, inclusive
  int64_t window_start = 0;  // window_end - acquisition_weeks
  int customer_id_width = 6;
};

enum class OrderStatus : uint8_t { kCompleted, kRefunded, kCancelled };
enum class Channel : uint8_t { kWeb, kMobile, kStore, kMarketplace };
enum class EventType : uint8_t {
  kPageView, kEmailOpen, kEmailClick, kSupportContact, kChat, kAppSession, kPurchase,
};
enum class EventChannel : uint8_t { kSupport, kEmail, kChat, kWeb, kMobile };
inline constexpr int32_t kCartPage = -100;
inline constexpr int32_t kAccountPage = -101;

struct CustomerRow {
  std::string first_name, last_name, email, account_id;
  std::string_view segment, plan, region;
  int64_t acquired_at = 0;
  int64_t last_active_at = -1;  // -1: left empty
  // Truth.
  double lambda = 0, dropout_p = 0, nu = 0;
  bool alive = true;
  int64_t dropout_at = -1;
  int64_t order_count = 0;
  std::string staples;  // "P0012@28;P0040@45": product @ rhythm in days
  std::string affinity;  // top categories, ';'-separated
};

struct ItemRow {
  int32_t product;
  int32_t quantity;
  int64_t unit_cents;
};

struct OrderRow {
  int32_t customer;  // index within the block
  int64_t ordered_at;
  int64_t amount_cents;
  OrderStatus status;
  Channel channel;
  int32_t items_begin, items_end;  // into ShopBlock::items
  // Truth.
  double target_value;
  int32_t late_days;      // 0 = on time
  bool damaged, defective, pre_dropout;
  int64_t delivered_at;   // -1 for cancelled orders
};

struct EventRow {
  int32_t customer;
  int64_t at;
  EventType type;
  EventChannel channel;
  // Page views: product index, -1 - category index, kCartPage or kAccountPage. Purchases and
  // support contacts: order or ticket index in the block. E-mail: campaign number. App: os.
  // Chats: the topic theme.
  int32_t ref = -1;
  int32_t value = 0;     // seconds on page / in app, or amount cents for purchases (capped)
  std::string content;   // chat and support text
};

struct ReviewRow {
  int32_t customer, product;
  int rating;
  std::string title, text;
  bool verified;
  int helpful;
  int64_t created_at;
  int32_t order = -1;    // truth: the order reviewed
  int label;             // truth: -2..2
  std::string themes;    // truth
};

struct TicketRow {
  int32_t customer;
  int32_t order = -1;       // the order the ticket is about (truth), -1 for none
  int32_t text_order = -1;  // the order "{order}" in its text names (the latest one if none)
  RootCause root_cause;
  int urgency, priority;  // 0 low .. 3 critical
  std::string subject, description, resolution;
  int satisfaction = 0;   // 0 = empty
  int64_t created_at, resolved_at = -1;
  int sentiment;
  bool pre_dropout;
  std::string themes;
};

struct ShopBlock {
  int64_t index = 0;           // block number
  int64_t first_customer = 0;  // 0-based global index of customers[0]
  std::vector<CustomerRow> customers;
  std::vector<OrderRow> orders;
  std::vector<ItemRow> items;
  std::vector<EventRow> events;
  std::vector<ReviewRow> reviews;
  std::vector<TicketRow> tickets;
};

// Global numbers of the first order/event/review/ticket of a block (0-based).
struct IdBase {
  int64_t order = 0, event = 0, review = 0, ticket = 0;
};

// One block's text, one buffer per output file.
struct BlockText {
  std::string customers, orders, order_items, events, reviews, tickets;
  std::string truth_customers, truth_orders, truth_reviews, truth_tickets;
};

// Simulates customers [first, first + count) of block `index`. Pure function of its inputs.
void SimulateBlock(const SimContext& ctx, int64_t index, int64_t first, int64_t count, ShopBlock* out);
// Formats a simulated block with its id bases.
void FormatBlock(const SimContext& ctx, const ShopBlock& block, const IdBase& base, BlockText* out);

}  // namespace custintel::gen
