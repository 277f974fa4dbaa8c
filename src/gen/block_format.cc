// FormatBlock: a simulated block → CSV text, with global ids from the block's IdBase.
#include <array>
#include <string_view>

#include "gen/csv_buffer.h"
#include "gen/shop_block.h"

namespace custintel::gen {
namespace {

constexpr std::array<std::string_view, 3> kStatus = {"completed", "refunded", "cancelled"};
constexpr std::array<std::string_view, 4> kChannel = {"web", "mobile", "store", "marketplace"};
constexpr std::array<std::string_view, 7> kEventType = {
    "page_view", "email_open", "email_click", "support_contact", "chat", "app_session", "purchase"};
constexpr std::array<std::string_view, 5> kEventChannel = {"support", "email", "chat", "web", "mobile"};
constexpr std::array<std::string_view, 4> kLevel = {"low", "medium", "high", "urgent"};
constexpr std::array<std::string_view, 3> kLink = {"offer", "product", "unsubscribe"};

// Widths of the zero-padded natural keys.
constexpr int kOrderWidth = 7, kEventWidth = 8, kReviewWidth = 7, kTicketWidth = 7, kProductWidth = 4;

class Formatter {
 public:
  Formatter(const SimContext& ctx, const ShopBlock& b, const IdBase& base) : ctx_(ctx), b_(b), base_(base) {}

  void CustomerId(CsvBuffer& out, int32_t local) const {
    out.Id("C", b_.first_customer + local + 1, ctx_.customer_id_width);
  }
  void OrderId(CsvBuffer& out, int32_t oi) const { out.Id("O", base_.order + oi + 1, kOrderWidth); }
  std::string OrderIdText(int32_t oi) const {
    std::string s = "O";
    AppendPadded(&s, base_.order + oi + 1, kOrderWidth);
    return s;
  }
  // `text` with "{order}" replaced by the global id of order `oi`.
  void TextWithOrder(CsvBuffer& out, std::string_view text, int32_t oi) const {
    const size_t at = text.find("{order}");
    if (at == std::string_view::npos || oi < 0) {
      out.Text(text);
      return;
    }
    std::string filled(text.substr(0, at));
    filled += OrderIdText(oi);
    filled += text.substr(at + 7);
    TextWithOrder(out, filled, oi);
  }

  void Customers(BlockText* t) const;
  void Orders(BlockText* t) const;
  void Events(BlockText* t) const;
  void Reviews(BlockText* t) const;
  void Tickets(BlockText* t) const;

 private:
  void Properties(const EventRow& e, std::string* json) const;

  const SimContext& ctx_;
  const ShopBlock& b_;
  const IdBase& base_;
};

void Formatter::Customers(BlockText* t) const {
  CsvBuffer out, truth;
  for (int32_t i = 0; i < static_cast<int32_t>(b_.customers.size()); ++i) {
    const CustomerRow& c = b_.customers[i];
    CustomerId(out, i);
    out.Text(c.email).Text(c.first_name).Text(c.last_name).Raw(c.segment).Raw(c.plan).Raw(c.region);
    out.Text(c.account_id).Date(c.acquired_at);
    if (c.last_active_at >= 0) out.Date(c.last_active_at); else out.Empty();
    out.EndRow();
    CustomerId(truth, i);
    truth.Timestamp(c.acquired_at).Fixed(c.lambda, 6).Fixed(c.dropout_p, 6).Bool(c.alive);
    if (c.dropout_at >= 0) truth.Timestamp(c.dropout_at); else truth.Empty();
    truth.Fixed(c.nu, 6).Fixed(ctx_.options->spend_p / c.nu, 2).Int(c.order_count);
    truth.Raw(c.staples).Raw(c.affinity).EndRow();
  }
  t->customers = std::move(out.mutable_str());
  t->truth_customers = std::move(truth.mutable_str());
}

void Formatter::Orders(BlockText* t) const {
  CsvBuffer out, items, truth;
  for (int32_t oi = 0; oi < static_cast<int32_t>(b_.orders.size()); ++oi) {
    const OrderRow& o = b_.orders[oi];
    OrderId(out, oi);
    CustomerId(out, o.customer);
    out.Timestamp(o.ordered_at).Money(o.amount_cents).Raw("USD");
    out.Raw(kStatus[static_cast<int>(o.status)]).Raw(kChannel[static_cast<int>(o.channel)]).EndRow();
    for (int32_t i = o.items_begin; i < o.items_end; ++i) {
      const ItemRow& it = b_.items[i];
      OrderId(items, oi);
      items.Id("P", it.product + 1, kProductWidth).Int(it.quantity).Money(it.unit_cents).EndRow();
    }
    OrderId(truth, oi);
    CustomerId(truth, o.customer);
    truth.Fixed(o.target_value, 2).Int(o.late_days).Bool(o.damaged).Bool(o.defective).Bool(o.pre_dropout);
    if (o.delivered_at >= 0) truth.Timestamp(o.delivered_at); else truth.Empty();
    truth.EndRow();
  }
  t->orders = std::move(out.mutable_str());
  t->order_items = std::move(items.mutable_str());
  t->truth_orders = std::move(truth.mutable_str());
}

void Formatter::Properties(const EventRow& e, std::string* j) const {
  switch (e.type) {
    case EventType::kPageView:
      j->append("{\"page\":\"");
      if (e.ref >= 0) {
        j->append("/products/P");
        AppendPadded(j, e.ref + 1, kProductWidth);
      } else if (e.ref == kCartPage) {
        j->append("/cart");
      } else if (e.ref == kAccountPage) {
        j->append("/account");
      } else {
        j->append("/c/").append(ctx_.catalog->categories()[-1 - e.ref].slug);
      }
      j->append("\",\"seconds\":");
      AppendInt(j, e.value);
      break;
    case EventType::kEmailOpen:
    case EventType::kEmailClick:
      j->append("{\"campaign\":\"CMP-");
      AppendPadded(j, e.ref + 1, 4);
      j->push_back('"');
      if (e.type == EventType::kEmailClick) j->append(",\"link\":\"").append(kLink[e.value]).push_back('"');
      break;
    case EventType::kAppSession:
      j->append(e.ref == 0 ? "{\"os\":\"ios\",\"seconds\":" : "{\"os\":\"android\",\"seconds\":");
      AppendInt(j, e.value);
      break;
    case EventType::kPurchase:
      j->append("{\"order_id\":\"").append(OrderIdText(e.ref)).append("\",\"amount\":");
      AppendMoney(j, b_.orders[e.ref].amount_cents);
      break;
    case EventType::kSupportContact:
      j->append("{\"ticket_id\":\"T");
      AppendPadded(j, base_.ticket + e.ref + 1, kTicketWidth);
      j->push_back('"');
      break;
    case EventType::kChat:
      j->append("{\"topic\":\"").append(ThemeName(static_cast<Theme>(e.ref)));
      j->append(e.value == 0 ? "\",\"agent\":\"bot\"" : "\",\"agent\":\"human\"");
      break;
  }
  j->push_back('}');
}

void Formatter::Events(BlockText* t) const {
  CsvBuffer out;
  std::string json;
  for (int64_t i = 0; i < static_cast<int64_t>(b_.events.size()); ++i) {
    const EventRow& e = b_.events[i];
    out.Id("E", base_.event + i + 1, kEventWidth);
    CustomerId(out, e.customer);
    out.Raw(kEventType[static_cast<int>(e.type)]).Raw(kEventChannel[static_cast<int>(e.channel)]);
    out.Timestamp(e.at);
    if (e.type == EventType::kSupportContact) {
      TextWithOrder(out, e.content, b_.tickets[e.ref].text_order);
    } else {
      out.Text(e.content);
    }
    json.clear();
    Properties(e, &json);
    out.Text(json).EndRow();
  }
  t->events = std::move(out.mutable_str());
}

void Formatter::Reviews(BlockText* t) const {
  CsvBuffer out, truth;
  for (int64_t i = 0; i < static_cast<int64_t>(b_.reviews.size()); ++i) {
    const ReviewRow& r = b_.reviews[i];
    out.Id("R", base_.review + i + 1, kReviewWidth);
    CustomerId(out, r.customer);
    out.Id("P", r.product + 1, kProductWidth).Int(r.rating).Text(r.title).Text(r.text);
    out.Bool(r.verified).Int(r.helpful).Timestamp(r.created_at).EndRow();
    truth.Id("R", base_.review + i + 1, kReviewWidth);
    if (r.order >= 0) OrderId(truth, r.order); else truth.Empty();
    truth.Raw(SentimentName(r.label)).Int(r.label).Raw(r.themes).EndRow();
  }
  t->reviews = std::move(out.mutable_str());
  t->truth_reviews = std::move(truth.mutable_str());
}

void Formatter::Tickets(BlockText* t) const {
  CsvBuffer out, truth;
  for (int64_t i = 0; i < static_cast<int64_t>(b_.tickets.size()); ++i) {
    const TicketRow& k = b_.tickets[i];
    const RootCauseInfo& info = Info(k.root_cause);
    out.Id("T", base_.ticket + i + 1, kTicketWidth);
    CustomerId(out, k.customer);
    out.Raw(info.category).Raw(kLevel[k.priority]);
    TextWithOrder(out, k.subject, k.text_order);
    TextWithOrder(out, k.description, k.text_order);
    out.Text(k.resolution);
    if (k.satisfaction > 0) out.Int(k.satisfaction); else out.Empty();
    out.Timestamp(k.created_at);
    if (k.resolved_at >= 0) out.Timestamp(k.resolved_at); else out.Empty();
    out.EndRow();
    truth.Id("T", base_.ticket + i + 1, kTicketWidth);
    if (k.order >= 0) OrderId(truth, k.order); else truth.Empty();
    truth.Raw(info.name).Raw(kLevel[k.urgency]).Raw(SentimentName(k.sentiment)).Bool(k.pre_dropout);
    truth.Raw(k.themes).EndRow();
  }
  t->tickets = std::move(out.mutable_str());
  t->truth_tickets = std::move(truth.mutable_str());
}

}  // namespace

void FormatBlock(const SimContext& ctx, const ShopBlock& block, const IdBase& base, BlockText* out) {
  const Formatter f(ctx, block, base);
  f.Customers(out);
  f.Orders(out);
  f.Events(out);
  f.Reviews(out);
  f.Tickets(out);
}

}  // namespace custintel::gen
