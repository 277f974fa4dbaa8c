// Events of one customer: what they did between acquisition and the window end. Browsing and
// app use scale with the purchase rate while alive and almost stop after dropout; e-mail
// campaigns reach everyone acquired, opened far less after dropout; every ticket is a support
// contact; late deliveries prompt chats.
#include <algorithm>
#include <cmath>

#include "gen/customer_sim.h"

namespace custintel::gen {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kCampaignEveryDays = 14;
constexpr double kAfterDropout = 0.08;  // activity left after dropout, relative to alive

EventChannel WebOrMobile(Rng& rng, const CustomerState& s) {
  return s.mobile_user && rng.Bernoulli(0.6) ? EventChannel::kMobile : EventChannel::kWeb;
}

// A Poisson process with `rate` per week over [from, until], calling emit(at) for each point.
template <class Emit>
void PoissonTimes(Rng& rng, double rate, int64_t from, int64_t until, Emit emit) {
  if (rate <= 0 || until <= from) return;
  for (double at = static_cast<double>(from);;) {
    at += rng.Exponential(rate) * kWeekSeconds;
    if (at > static_cast<double>(until)) return;
    emit(static_cast<int64_t>(at));
  }
}

void Browsing(const SimContext& ctx, Rng& rng, const CustomerState& s, const CustomerRow& c, ShopBlock* b) {
  const double rate = (0.04 + 1.0 * c.lambda) * s.engagement;
  auto page_view = [&](int64_t at) {
    EventRow e{s.local, at, EventType::kPageView, WebOrMobile(rng, s)};
    const double u = rng.Uniform();
    // ref: product index (>= 0), -1 - category for a category page, kCartPage, kAccountPage.
    const int cat = s.categories[rng.Below(3)];
    if (u < 0.6) {
      const auto& pool = ctx.catalog->InCategory(cat);
      e.ref = pool[rng.Below(pool.size())];
    } else {
      e.ref = u < 0.8 ? -1 - cat : u < 0.9 ? kCartPage : kAccountPage;
    }
    e.value = 5 + static_cast<int32_t>(std::min<int64_t>(rng.Geometric(0.02), 3600));
    b->events.push_back(std::move(e));
  };
  PoissonTimes(rng, rate, c.acquired_at, s.active_until, page_view);
  PoissonTimes(rng, rate * kAfterDropout, s.active_until, ctx.window_end, page_view);
  if (!s.mobile_user) return;
  auto app = [&](int64_t at) {
    EventRow e{s.local, at, EventType::kAppSession, EventChannel::kMobile};
    e.ref = rng.Bernoulli(0.55) ? 0 : 1;  // 0 ios, 1 android
    e.value = 20 + static_cast<int32_t>(std::min<int64_t>(rng.Geometric(0.005), 7200));
    b->events.push_back(std::move(e));
  };
  PoissonTimes(rng, rate * 0.5, c.acquired_at, s.active_until, app);
  PoissonTimes(rng, rate * 0.5 * kAfterDropout, s.active_until, ctx.window_end, app);
}

void Email(const SimContext& ctx, Rng& rng, const CustomerState& s, const CustomerRow& c, ShopBlock* b) {
  const double open_alive = std::min(0.6, 0.15 * s.engagement);
  for (int64_t k = 0;; ++k) {
    const int64_t sent = ctx.window_start + (k * kCampaignEveryDays + 2) * kDay + 9 * 3600;
    if (sent > ctx.window_end) break;
    if (sent < c.acquired_at) continue;
    const bool alive = sent <= s.active_until;
    if (!rng.Bernoulli(alive ? open_alive : 0.03)) continue;
    const int64_t opened = sent + static_cast<int64_t>(rng.Exponential(1.0 / 8) * 3600);
    if (opened > ctx.window_end) continue;
    b->events.push_back({s.local, opened, EventType::kEmailOpen, EventChannel::kEmail, static_cast<int32_t>(k)});
    if (!rng.Bernoulli(alive ? 0.25 : 0.05)) continue;
    const int64_t clicked = opened + rng.Between(5, 600);
    if (clicked > ctx.window_end) continue;
    EventRow e{s.local, clicked, EventType::kEmailClick, EventChannel::kEmail, static_cast<int32_t>(k)};
    e.value = static_cast<int32_t>(rng.Below(3));  // link: offer, product, unsubscribe
    b->events.push_back(std::move(e));
  }
}

void Chats(const SimContext& ctx, Rng& rng, const CustomerState& s, const CustomerRow& c, ShopBlock* b) {
  const auto& products = ctx.catalog->products();
  const auto& pool = ctx.catalog->InCategory(s.categories[0]);
  const bool technical = ctx.catalog->categories()[s.categories[0]].technical;
  auto chat = [&](int64_t at, Theme theme, int polarity) {
    const Product& p = products[pool[rng.Below(pool.size())]];
    TextContext tc{p.name, ctx.catalog->categories()[p.category].name, 3, {}, technical};
    EventRow e{s.local, at, EventType::kChat, EventChannel::kChat, static_cast<int32_t>(theme)};
    e.value = rng.Bernoulli(0.6) ? 0 : 1;  // 0 bot, 1 human agent
    e.content = ctx.composer->Chat(rng, theme, polarity, tc);
    b->events.push_back(std::move(e));
  };
  PoissonTimes(rng, 0.008, c.acquired_at, s.active_until, [&](int64_t at) {
    Theme theme = static_cast<Theme>(rng.Below(kThemeCount));
    if (!technical && (theme == Theme::kUsability || theme == Theme::kPerformance)) theme = Theme::kQuality;
    chat(at, theme, static_cast<int>(rng.Below(3)) - 1);
  });
  for (int32_t oi = s.orders_begin; oi < s.orders_end; ++oi) {
    const OrderRow& o = b->orders[oi];
    if (o.late_days == 0 || !rng.Bernoulli(0.25)) continue;
    const int64_t at = o.delivered_at - o.late_days * kDay + rng.Between(3600, kDay);
    if (at <= ctx.window_end) chat(at, Theme::kShipping, -1);
  }
}

void Purchases(const CustomerState& s, ShopBlock* b) {
  for (int32_t oi = s.orders_begin; oi < s.orders_end; ++oi) {
    const OrderRow& o = b->orders[oi];
    if (o.channel == Channel::kStore) continue;  // bought at the till: no online trace
    const EventChannel ch = o.channel == Channel::kMobile ? EventChannel::kMobile : EventChannel::kWeb;
    b->events.push_back({s.local, o.ordered_at, EventType::kPurchase, ch, oi});
  }
}

void SupportContacts(Rng& rng, const CustomerState& s, ShopBlock* b) {
  for (int32_t ti = static_cast<int32_t>(b->tickets.size()) - 1; ti >= 0 && b->tickets[ti].customer == s.local; --ti) {
    const TicketRow& t = b->tickets[ti];
    const EventChannel ch = rng.Bernoulli(0.75) ? EventChannel::kSupport : EventChannel::kEmail;
    EventRow e{s.local, t.created_at, EventType::kSupportContact, ch, ti};
    e.content = t.subject;
    e.content.append(": ").append(t.description);
    b->events.push_back(std::move(e));
  }
}

}  // namespace

void SimulateEvents(const SimContext& ctx, Rng& rng, CustomerState& s, ShopBlock* b) {
  CustomerRow& c = b->customers[s.local];
  const size_t begin = b->events.size();
  Purchases(s, b);
  Browsing(ctx, rng, s, c, b);
  Email(ctx, rng, s, c, b);
  Chats(ctx, rng, s, c, b);
  SupportContacts(rng, s, b);
  auto first = b->events.begin() + static_cast<std::ptrdiff_t>(begin);
  std::stable_sort(first, b->events.end(), [](const EventRow& x, const EventRow& y) {
    return x.at != y.at ? x.at < y.at : x.type < y.type;
  });
  int64_t last = c.acquired_at;
  for (int32_t oi = s.orders_begin; oi < s.orders_end; ++oi) last = std::max(last, b->orders[oi].ordered_at);
  if (b->events.size() > begin) last = std::max(last, b->events.back().at);
  c.last_active_at = last;
}

}  // namespace custintel::gen
