// The experience half of the story: tickets raised by bad deliveries, background issues and
// the discontent before dropping out; reviews whose rating and text follow the experience.
#include <algorithm>
#include <cmath>

#include "gen/customer_sim.h"

namespace custintel::gen {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kHour = 3600;

// Issues that are not about one order, with their weights.
constexpr RootCause kBackgroundCauses[] = {
    RootCause::kDoubleCharge, RootCause::kPriceComplaint, RootCause::kSubscriptionCancel,
    RootCause::kLoginFailure, RootCause::kPasswordReset, RootCause::kAppCrash,
    RootCause::kHowToQuestion,
};
constexpr double kBackgroundWeights[] = {0.12, 0.1, 0.08, 0.15, 0.15, 0.12, 0.28};
constexpr RootCause kPreDropoutCauses[] = {
    RootCause::kPriceComplaint, RootCause::kDoubleCharge, RootCause::kSubscriptionCancel,
    RootCause::kAppCrash,
};

const Product& MainProduct(const SimContext& ctx, const ShopBlock& b, const OrderRow& o) {
  const auto& products = ctx.catalog->products();
  int32_t best = o.items_begin;
  for (int32_t i = o.items_begin; i < o.items_end; ++i) {
    if (b.items[i].quantity * b.items[i].unit_cents > b.items[best].quantity * b.items[best].unit_cents)
      best = i;
  }
  return products[b.items[best].product];
}

int DrawMood(Rng& rng, const CustomerState& s, RootCause rc, bool pre_dropout, int late_days) {
  const double score = rng.Normal() - 0.5 * Info(rc).severity - (pre_dropout ? 1.0 : 0.0) -
                       (late_days >= 5 ? 0.5 : 0.0) + 0.4 * s.disposition;
  return score < -1.8 ? -2 : score < -0.4 ? -1 : score < 1.2 ? 0 : 1;
}

// Resolution time, outcome and satisfaction: worse for customers on their way out.
void Resolve(const SimContext& ctx, Rng& rng, const CustomerState& s, TicketRow& t) {
  const double u = rng.Uniform();
  const double p_unresolved = 0.07 + (t.pre_dropout ? 0.15 : 0.0);
  const int outcome = u < p_unresolved ? -1 : u < p_unresolved + 0.2 ? 0 : 1;
  const double hours = std::exp(rng.Normal(std::log(16.0) + 0.35 * Info(t.root_cause).severity, 0.9)) *
                       (t.pre_dropout ? 1.8 : 1.0);
  const int64_t resolved = t.created_at + static_cast<int64_t>(hours * kHour) + 60;
  if (resolved > ctx.window_end) return;  // still open at the window end
  t.resolved_at = resolved;
  t.resolution = ctx.composer->Resolution(rng, t.root_cause, outcome);
  if (rng.Bernoulli(0.12)) return;  // no survey answer
  const double score = 4.4 - 1.8 * (outcome < 0) - 0.8 * (outcome == 0) - 0.5 * (hours > 48) -
                       0.4 * (t.sentiment == -2) - 0.6 * t.pre_dropout + 0.3 * s.disposition +
                       rng.Normal(0, 0.6);
  t.satisfaction = static_cast<int>(std::clamp(std::lround(score), 1L, 5L));
}

void AddTicket(const SimContext& ctx, Rng& rng, const CustomerState& s, ShopBlock* b, RootCause rc,
               int64_t created, int32_t order, bool pre_dropout) {
  if (created > ctx.window_end) return;
  const RootCauseInfo& info = Info(rc);
  TicketRow t;
  t.customer = s.local;
  t.order = order;
  t.root_cause = rc;
  t.created_at = created;
  t.pre_dropout = pre_dropout;
  t.text_order = order;
  for (int32_t oi = s.orders_begin; t.text_order < 0 && oi < s.orders_end; ++oi) {
    if (oi + 1 == s.orders_end || b->orders[oi + 1].ordered_at > created) t.text_order = oi;
  }
  const OrderRow* o = order >= 0 ? &b->orders[order] : nullptr;
  const int late_days = o ? o->late_days : 0;
  const int mood = DrawMood(rng, s, rc, pre_dropout, late_days);
  const auto& cats = ctx.catalog->categories();
  const Product& product = o ? MainProduct(ctx, *b, *o)
                             : ctx.catalog->products()[ctx.catalog->InCategory(s.categories[0])[0]];
  TextContext tc{product.name, cats[product.category].name,
                 late_days > 0 ? late_days : 2 + static_cast<int>(rng.Below(12)), {},
                 cats[product.category].technical};
  ComposedTicket text = ctx.composer->Ticket(rng, rc, mood, tc);
  t.subject = std::move(text.subject);
  t.description = std::move(text.description);
  t.sentiment = text.sentiment;
  t.themes = FormatThemes(text.themes);
  t.urgency = std::clamp(info.severity + (s.enterprise ? 1 : 0) + (t.sentiment == -2 ? 1 : 0), 0, 3);
  t.priority = rng.Bernoulli(0.75) ? t.urgency
                                   : std::clamp(t.urgency + (rng.Bernoulli(0.5) ? 1 : -1), 0, 3);
  Resolve(ctx, rng, s, t);
  b->tickets.push_back(std::move(t));
}

void OrderTickets(const SimContext& ctx, Rng& rng, const CustomerState& s, ShopBlock* b, int32_t oi) {
  const OrderRow o = b->orders[oi];
  if (o.status == OrderStatus::kCancelled) return;
  bool raised = false;
  if (o.late_days > 0 && rng.Bernoulli(o.late_days >= 3 ? 0.55 : 0.3)) {
    const RootCause rc = o.late_days >= 6 && rng.Bernoulli(0.3) ? RootCause::kLostPackage : RootCause::kCarrierDelay;
    const int64_t promised = o.delivered_at - o.late_days * kDay;
    AddTicket(ctx, rng, s, b, rc, promised + rng.Between(6 * kHour, o.late_days * kDay), oi, o.pre_dropout);
    raised = true;
  }
  if (o.damaged && rng.Bernoulli(0.6)) {
    AddTicket(ctx, rng, s, b, RootCause::kDamagedInTransit, o.delivered_at + rng.Between(kHour, 2 * kDay),
              oi, o.pre_dropout);
    raised = true;
  }
  if (o.defective && rng.Bernoulli(0.6)) {
    const bool technical = ctx.catalog->categories()[MainProduct(ctx, *b, o).category].technical;
    const bool warranty = technical && rng.Bernoulli(0.25);  // consumables carry no warranty
    AddTicket(ctx, rng, s, b, warranty ? RootCause::kWarrantyClaim : RootCause::kDefectiveProduct,
              o.delivered_at + (warranty ? rng.Between(20, 200) : rng.Between(1, 10)) * kDay, oi,
              o.pre_dropout);
    raised = true;
  }
  if (!raised && rng.Bernoulli(0.005)) {
    AddTicket(ctx, rng, s, b, RootCause::kWrongItem, o.delivered_at + rng.Between(kHour, kDay), oi,
              o.pre_dropout);
  }
  if (o.status == OrderStatus::kRefunded && rng.Bernoulli(0.35)) {
    const int64_t at = o.delivered_at + rng.Between(1, 10) * kDay;
    AddTicket(ctx, rng, s, b, RootCause::kReturnRequest, at, oi, o.pre_dropout);
    if (rng.Bernoulli(0.15)) {
      AddTicket(ctx, rng, s, b, RootCause::kRefundDelay, at + rng.Between(12, 30) * kDay, oi, o.pre_dropout);
    }
  }
}

void BackgroundTickets(const SimContext& ctx, Rng& rng, const CustomerState& s, ShopBlock* b) {
  const CustomerRow& c = b->customers[s.local];
  const double rate = ctx.options->background_ticket_rate;
  if (rate <= 0) return;
  for (double at = static_cast<double>(c.acquired_at);;) {
    at += rng.Exponential(rate) * kWeekSeconds;
    if (at > static_cast<double>(s.active_until)) break;
    const RootCause rc = kBackgroundCauses[rng.Pick(kBackgroundWeights)];
    AddTicket(ctx, rng, s, b, rc, static_cast<int64_t>(at), -1, false);
  }
  if (!c.alive && rng.Bernoulli(0.35)) {  // the complaint before leaving
    const int64_t window = static_cast<int64_t>(ctx.options->pre_dropout_weeks * kWeekSeconds);
    const int64_t at = std::max(c.acquired_at, c.dropout_at - rng.Between(0, window));
    AddTicket(ctx, rng, s, b, kPreDropoutCauses[rng.Below(4)], at, -1, true);
  }
}

std::vector<ThemeMention> ReviewDrivers(Rng& rng, const OrderRow& o, const Product& p, bool discounted) {
  std::vector<ThemeMention> d;
  if (o.defective) d.push_back({Theme::kQuality, -2});
  if (o.damaged) d.push_back({Theme::kPackaging, -2});
  if (o.late_days > 0) d.push_back({Theme::kShipping, o.late_days >= 5 ? -2 : -1});
  if (p.quality > 0.4) d.push_back({Theme::kQuality, 2});
  else if (p.quality > 0.1) d.push_back({Theme::kQuality, 1});
  else if (p.quality < -0.3) d.push_back({Theme::kQuality, -1});
  if (o.late_days == 0 && rng.Bernoulli(0.4)) d.push_back({Theme::kShipping, rng.Bernoulli(0.3) ? 2 : 1});
  if (discounted) d.push_back({Theme::kValue, 1});
  return d;
}

int RatingFor(Rng& rng, const CustomerState& s, const OrderRow* o, const Product& p) {
  double score = 3.9 + 1.0 * p.quality + 0.4 * s.disposition + rng.Normal(0, 0.7);
  if (o) {
    score -= (o->late_days > 0 ? 1.2 : 0) + (o->late_days >= 5 ? 0.5 : 0) + (o->damaged ? 1.8 : 0) +
             (o->defective ? 2.2 : 0);
  }
  return static_cast<int>(std::clamp(std::lround(score), 1L, 5L));
}

void AddReview(const SimContext& ctx, Rng& rng, const CustomerState& s, ShopBlock* b, int32_t oi,
               const Product& p, int64_t created) {
  if (created > ctx.window_end) return;
  const OrderRow* o = oi >= 0 ? &b->orders[oi] : nullptr;
  ReviewRow r;
  r.customer = s.local;
  r.product = p.index;
  r.order = oi;
  r.created_at = created;
  r.verified = o != nullptr;
  r.rating = RatingFor(rng, s, o, p);
  // The text mostly agrees with the stars; sometimes it is a step milder or harsher.
  r.label = std::clamp(r.rating - 3 + (rng.Bernoulli(0.1) ? (rng.Bernoulli(0.5) ? 1 : -1) : 0), -2, 2);
  bool discounted = false;
  if (o) {
    for (int32_t i = o->items_begin; i < o->items_end; ++i)
      discounted |= b->items[i].product == p.index && b->items[i].unit_cents < p.price_cents;
  }
  const OrderRow none{};
  const std::vector<ThemeMention> drivers = ReviewDrivers(rng, o ? *o : none, p, discounted);
  const Category& cat = ctx.catalog->categories()[p.category];
  TextContext tc{p.name, cat.name, o && o->late_days > 0 ? o->late_days : 1 + static_cast<int>(rng.Below(3)), {},
                 cat.technical};
  ComposedReview text = ctx.composer->Review(rng, r.label, drivers, CategoryThemes(cat), tc);
  r.title = std::move(text.title);
  r.text = std::move(text.text);
  r.themes = FormatThemes(text.themes);
  r.helpful = static_cast<int>(rng.Poisson(0.5 + 0.9 * std::abs(r.label)));
  b->reviews.push_back(std::move(r));
}

void Reviews(const SimContext& ctx, Rng& rng, const CustomerState& s, ShopBlock* b) {
  for (int32_t oi = s.orders_begin; oi < s.orders_end; ++oi) {
    const OrderRow& o = b->orders[oi];
    if (o.status == OrderStatus::kCancelled) continue;
    const bool bad = o.late_days > 0 || o.damaged || o.defective;
    if (!rng.Bernoulli(std::min(1.0, ctx.options->review_rate * (bad ? 2.5 : 1.0)))) continue;
    const Product& p = MainProduct(ctx, *b, o);
    const int64_t created = o.delivered_at + kHour + static_cast<int64_t>(rng.Exponential(1.0 / 6) * kDay);
    AddReview(ctx, rng, s, b, oi, p, created);
  }
  if (rng.Bernoulli(0.02)) {  // an unverified review of something bought elsewhere
    const CustomerRow& c = b->customers[s.local];
    const auto& pool = ctx.catalog->InCategory(s.categories[0]);
    const Product& p = ctx.catalog->products()[pool[rng.Below(pool.size())]];
    const int64_t span = std::max<int64_t>(1, s.active_until - c.acquired_at);
    AddReview(ctx, rng, s, b, -1, p, c.acquired_at + rng.Between(0, span));
  }
}

}  // namespace

std::span<const Theme> CategoryThemes(const Category& category) {
  static constexpr Theme kTechnical[] = {Theme::kQuality, Theme::kValue, Theme::kUsability,
                                         Theme::kPerformance, Theme::kPackaging, Theme::kReturns};
  static constexpr Theme kGoods[] = {Theme::kQuality, Theme::kValue, Theme::kPackaging,
                                     Theme::kShipping, Theme::kService, Theme::kReturns};
  if (category.technical) return kTechnical;
  return kGoods;
}

void SimulateExperience(const SimContext& ctx, Rng& rng, CustomerState& s, ShopBlock* b) {
  const size_t tickets_begin = b->tickets.size();
  const size_t reviews_begin = b->reviews.size();
  for (int32_t oi = s.orders_begin; oi < s.orders_end; ++oi) OrderTickets(ctx, rng, s, b, oi);
  BackgroundTickets(ctx, rng, s, b);
  Reviews(ctx, rng, s, b);
  // Each customer's rows in time order, so ids follow time within a customer.
  std::stable_sort(b->tickets.begin() + tickets_begin, b->tickets.end(),
                   [](const TicketRow& x, const TicketRow& y) { return x.created_at < y.created_at; });
  std::stable_sort(b->reviews.begin() + reviews_begin, b->reviews.end(),
                   [](const ReviewRow& x, const ReviewRow& y) { return x.created_at < y.created_at; });
}

}  // namespace custintel::gen
