// SimulateBlock and the purchase half of the story: accounts, customer profiles, BG/NBD
// purchase times, Gamma-Gamma order values, items and the delivery experience of each order.
#include <algorithm>
#include <climits>
#include <cmath>

#include "gen/csv_buffer.h"
#include "gen/customer_sim.h"

namespace custintel::gen {
namespace {

struct Account {
  std::string_view segment;  // consumer / smb / enterprise
  std::string slug;
  std::string_view region;
  PersonName family;
  int size = 1;
};

Account DrawAccount(Rng& rng, int64_t first_customer) {
  Account a;
  const double u = rng.Uniform();
  a.segment = first_customer == 0 ? "enterprise" : u < 0.80 ? "consumer" : u < 0.96 ? "smb" : "enterprise";
  a.region = DrawRegion(rng);
  a.family = DrawName(rng);
  if (a.segment == "consumer") {
    a.size = rng.Bernoulli(0.15) ? 2 : 1;
    a.slug = std::string(a.family.last_ascii) + "-" + std::to_string(first_customer + 1);
  } else if (a.segment == "smb") {
    a.size = 1 + static_cast<int>(std::min<int64_t>(rng.Geometric(0.5), 4));
    a.slug = CompanySlug(rng, first_customer);
  } else {
    a.size = 2 + static_cast<int>(std::min<int64_t>(rng.Geometric(0.3), 10));
    a.slug = CompanySlug(rng, first_customer);
  }
  return a;
}

std::string_view DrawPlan(Rng& rng, const Account& a, double lambda, double mean_lambda) {
  // Plans follow purchase rate (heavier buyers pay for more) without changing λ's law.
  const double score = std::log(lambda / mean_lambda + 1e-9) + rng.Normal();
  if (a.segment == "enterprise") return score > -0.5 ? "premium" : "basic";
  if (score > 1.0) return "premium";
  return score > -0.6 ? "basic" : "free";
}

Channel DrawChannel(Rng& rng) {
  static constexpr double kWeights[] = {0.5, 0.3, 0.1, 0.1};
  return static_cast<Channel>(rng.Pick(kWeights));
}

void DrawAffinity(const SimContext& ctx, Rng& rng, CustomerState& s) {
  std::vector<double> w = ctx.catalog->CategoryPopularity();
  for (int k = 0; k < 3; ++k) {
    s.categories[k] = static_cast<int>(rng.Pick(w));
    w[s.categories[k]] = 0;
  }
}

void DrawStaples(const SimContext& ctx, Rng& rng, CustomerState& s, double lambda) {
  if (!rng.Bernoulli(ctx.options->staple_customer_share)) return;
  const int wanted = 1 + static_cast<int>(rng.Below(3));
  // Prefer staple categories the customer likes; fall back to the staple categories at large.
  std::vector<int> cats;
  for (int c : s.categories)
    if (!ctx.catalog->StaplesInCategory(c).empty()) cats.push_back(c);
  if (cats.empty()) {
    for (int c = 0; c < static_cast<int>(ctx.catalog->categories().size()); ++c)
      if (!ctx.catalog->StaplesInCategory(c).empty()) cats.push_back(c);
  }
  if (cats.empty()) return;
  for (int k = 0; k < wanted * 3 && static_cast<int>(s.staples.size()) < wanted; ++k) {
    const auto& pool = ctx.catalog->StaplesInCategory(cats[rng.Below(cats.size())]);
    const int32_t product = pool[rng.Below(pool.size())];
    bool dup = false;
    for (const Staple& st : s.staples) dup |= st.product == product;
    if (dup) continue;
    // The rhythm is personal but tied to how often the customer shops, so it is observable.
    const double days = std::min(1000.0, 7.0 / lambda * rng.Uniform(0.8, 2.2));
    s.staples.push_back({product, static_cast<int32_t>(std::clamp(std::lround(days), 7L, 120L))});
  }
}

void FormatStaplesTruth(const std::vector<Staple>& staples, std::string* out) {
  for (const Staple& st : staples) {
    if (!out->empty()) out->push_back(';');
    out->push_back('P');
    AppendPadded(out, st.product + 1, 4);
    out->push_back('@');
    AppendInt(out, st.rhythm_days);
  }
}

// Purchase times of one customer: first order at acquisition, then a Poisson process with rate
// λ per week; after each repeat purchase the customer drops out with probability p.
std::vector<int64_t> DrawPurchaseTimes(const SimContext& ctx, Rng& rng, CustomerRow& c) {
  std::vector<int64_t> times{c.acquired_at};
  double weeks = 0;
  const double horizon = static_cast<double>(ctx.window_end - c.acquired_at) / kWeekSeconds;
  while (times.size() < 5000) {
    weeks += rng.Exponential(c.lambda);
    if (weeks > horizon) break;
    times.push_back(c.acquired_at + static_cast<int64_t>(weeks * kWeekSeconds));
    if (rng.Bernoulli(c.dropout_p)) {
      c.alive = false;
      c.dropout_at = times.back();
      break;
    }
  }
  return times;
}

// When people shop: the daily and weekly curves of online grocery orders (shaped after the
// public Instacart 2017 order log: quiet at night, a plateau from late morning to afternoon,
// weekends busiest). Relative weights; hour 0..23 and Monday..Sunday.
constexpr double kHourCurve[24] = {0.7, 0.4, 0.25, 0.2, 0.2, 0.3, 0.9, 2.8, 5.3, 7.6, 8.5, 8.5,
                                   8.2, 8.3, 8.3, 8.2, 7.8, 6.4, 5.0, 3.9, 3.0, 2.5, 2.0, 1.2};
constexpr double kWeekdayCurve[7] = {13.5, 12.5, 12.0, 12.0, 13.0, 18.0, 19.0};

template <size_t N>
int DrawFromCurve(Rng& rng, const double (&curve)[N]) {
  double total = 0;
  for (double w : curve) total += w;
  double u = rng.Uniform() * total;
  for (size_t i = 0; i < N; ++i) {
    if ((u -= curve[i]) < 0) return static_cast<int>(i);
  }
  return static_cast<int>(N - 1);
}

// Moves each purchase within its calendar week to a weekday and time of day: with the
// customer's habit strength, their own habitual weekday and hour (±1 h or so), else one drawn
// from the shop's curves. The days between purchases (the BG/NBD process) keep their scale; the
// first purchase stays the acquisition. Its own random stream, so every other draw of the
// customer is what it was before habits existed.
void DrawHabitualTimes(const SimContext& ctx, uint64_t customer_number, CustomerRow& c, std::vector<int64_t>& times) {
  Rng rng = Rng::ForStream(ctx.options->seed ^ 0x7A3E1C5B9D2F4E61ULL, customer_number);
  const double habit = rng.Beta(2.0, 2.0);
  const int own_weekday = DrawFromCurve(rng, kWeekdayCurve);
  const double own_hour = DrawFromCurve(rng, kHourCurve) + rng.Uniform();
  const int64_t lo = std::min(c.acquired_at, ctx.window_start), hi = ctx.window_end - 1;
  auto day_of = [](int64_t t) { return t >= 0 ? t / 86400 : (t - 86399) / 86400; };
  // Purchases stay in order on distinct days (as many purchase days as the process drew — the
  // BG/NBD summary counts days): a move that would reach the previous purchase's day or the next
  // one's keeps the purchase's own day (with the new time of day).
  int64_t previous_day = INT64_MIN;
  for (size_t i = 0; i < times.size(); ++i) {
    int64_t& at = times[i];
    const int64_t day = day_of(at);
    const int64_t next_day = i + 1 < times.size() ? day_of(times[i + 1]) : INT64_MAX;
    const int64_t weekday = ((day + 3) % 7 + 7) % 7;  // 1970-01-01 was a Thursday; Monday = 0
    const int new_weekday = rng.Bernoulli(habit) ? own_weekday : DrawFromCurve(rng, kWeekdayCurve);
    double hour = rng.Bernoulli(habit) ? own_hour + rng.Normal(0, 0.8) : DrawFromCurve(rng, kHourCurve) + rng.Uniform();
    hour = std::fmod(std::fmod(hour, 24.0) + 24.0, 24.0);
    const int64_t time_of_day = static_cast<int64_t>(hour * 3600);
    for (int64_t d : {day - weekday + new_weekday, day}) {
      const int64_t moved = d * 86400 + time_of_day;
      if (d > previous_day && (d < next_day || d == day) && moved >= lo && moved <= hi) {
        at = moved;
        break;
      }
    }
    previous_day = std::max(previous_day, day_of(at));
  }
  std::sort(times.begin(), times.end());
  c.acquired_at = std::min(c.acquired_at, times.front());
  if (!c.alive) c.dropout_at = times.back();
}

int32_t PickProduct(const SimContext& ctx, Rng& rng, const CustomerState& s) {
  static constexpr double kAffinity[] = {0.6, 0.25, 0.15};
  int cat;
  if (rng.Bernoulli(0.08)) {
    const std::vector<double> w = ctx.catalog->CategoryPopularity();
    cat = static_cast<int>(rng.Pick(w));
  } else {
    cat = s.categories[rng.Pick(kAffinity)];
  }
  const auto& pool = ctx.catalog->InCategory(cat);
  return pool[rng.Pick(ctx.catalog->WeightsInCategory(cat))];
}

void AddItem(Rng& rng, const Product& p, int32_t quantity, ShopBlock* b, int32_t items_begin) {
  for (int32_t i = items_begin; i < static_cast<int32_t>(b->items.size()); ++i) {
    if (b->items[i].product == p.index) {
      b->items[i].quantity += quantity;
      return;
    }
  }
  int64_t unit = p.price_cents;
  if (!p.staple && rng.Bernoulli(0.1)) unit = unit * (70 + rng.Between(0, 20)) / 100;  // on sale
  b->items.push_back({p.index, quantity, unit});
}

// Fills the order's items: due staples first, then products by affinity until the items come
// close to the Gamma-Gamma target value. The amount is then the items' exact sum.
void FillItems(const SimContext& ctx, Rng& rng, CustomerState& s, int64_t at, double target_cents,
               ShopBlock* b) {
  const int32_t begin = static_cast<int32_t>(b->items.size());
  const auto& products = ctx.catalog->products();
  for (Staple& st : s.staples) {
    if (st.last_bought >= 0 && at - st.last_bought < st.rhythm_days * 86400LL * 85 / 100) continue;
    st.last_bought = at;
    AddItem(rng, products[st.product], rng.Bernoulli(0.2) ? 2 : 1, b, begin);
  }
  double remaining = target_cents;
  for (int32_t i = begin; i < static_cast<int32_t>(b->items.size()); ++i)
    remaining -= static_cast<double>(b->items[i].quantity * b->items[i].unit_cents);
  const double stop_below = std::max(0.12 * target_cents, 300.0);
  for (int tries = 0; tries < 24 && remaining > stop_below && b->items.size() - begin < 8; ++tries) {
    const Product& p = products[PickProduct(ctx, rng, s)];
    const double price = static_cast<double>(p.price_cents);
    if (price > remaining * 1.25) continue;
    const int64_t fits = std::max<int64_t>(1, static_cast<int64_t>(remaining / price));
    const int32_t qty = 1 + static_cast<int32_t>(rng.Below(std::min<int64_t>(fits, 3)));
    AddItem(rng, p, qty, b, begin);
    remaining -= qty * price;
  }
  if (static_cast<int32_t>(b->items.size()) == begin) {  // nothing fitted: buy one cheap thing
    const Product* cheapest = &products[PickProduct(ctx, rng, s)];
    for (int k = 0; k < 4; ++k) {
      const Product& p = products[PickProduct(ctx, rng, s)];
      if (p.price_cents < cheapest->price_cents) cheapest = &p;
    }
    AddItem(rng, *cheapest, 1, b, begin);
  }
}

void DrawDelivery(const SimContext& ctx, Rng& rng, OrderRow& o) {
  const GenOptions& opt = *ctx.options;
  const double boost = o.pre_dropout ? opt.pre_dropout_problem_multiplier : 1.0;
  if (rng.Bernoulli(0.03)) {
    o.status = OrderStatus::kCancelled;
    o.delivered_at = -1;
    return;
  }
  const int promised_days = o.channel == Channel::kStore ? 0 : o.channel == Channel::kMarketplace ? 4 : 3;
  if (o.channel != Channel::kStore && rng.Bernoulli(std::min(0.9, opt.late_delivery_rate * boost))) {
    o.late_days = 1 + static_cast<int32_t>(std::min<int64_t>(rng.Geometric(0.3), 20));
  }
  o.damaged = o.channel != Channel::kStore && rng.Bernoulli(std::min(0.9, opt.damage_rate * boost));
  o.delivered_at = o.ordered_at + (promised_days + o.late_days) * 86400LL + rng.Between(3600, 36000);
}

void DrawStatus(Rng& rng, OrderRow& o) {
  if (o.status == OrderStatus::kCancelled) return;
  const double p_refund = (o.damaged || o.defective) ? 0.55 : o.late_days >= 5 ? 0.12 : 0.02;
  o.status = rng.Bernoulli(p_refund) ? OrderStatus::kRefunded : OrderStatus::kCompleted;
}

void SimulateCustomer(const SimContext& ctx, Rng& rng, const Account& a, int member, ShopBlock* b) {
  const GenOptions& opt = *ctx.options;
  CustomerState s;
  s.local = static_cast<int32_t>(b->customers.size());
  s.business = a.segment != "consumer";
  s.enterprise = a.segment == "enterprise";
  CustomerRow& c = b->customers.emplace_back();
  const int64_t number = b->first_customer + s.local + 1;
  const PersonName name = (s.business || member == 0) ? (s.business ? DrawName(rng) : a.family)
                                                      : DrawNameWithLast(rng, a.family);
  c.first_name = name.first;
  c.last_name = name.last;
  c.email = Email(name, number, s.business ? std::string_view(a.slug) : std::string_view());
  c.account_id = a.slug;
  c.segment = a.segment;
  c.region = a.region;
  const int64_t span = ctx.window_end - ctx.window_start;
  c.acquired_at = ctx.window_start + static_cast<int64_t>(rng.Uniform() * static_cast<double>(span));
  c.lambda = rng.Gamma(opt.bgnbd_r, opt.bgnbd_alpha);
  c.dropout_p = rng.Beta(opt.bgnbd_a, opt.bgnbd_b);
  c.nu = rng.Gamma(opt.spend_q, opt.spend_v);
  c.plan = DrawPlan(rng, a, c.lambda, opt.bgnbd_r / opt.bgnbd_alpha);
  DrawAffinity(ctx, rng, s);
  s.preferred_channel = DrawChannel(rng);
  s.mobile_user = s.preferred_channel == Channel::kMobile || rng.Bernoulli(0.2);
  s.engagement = rng.Gamma(2.0, 2.0);
  s.disposition = rng.Normal();
  DrawStaples(ctx, rng, s, c.lambda);
  SimulateOrders(ctx, rng, s, b);
  SimulateExperience(ctx, rng, s, b);
  SimulateEvents(ctx, rng, s, b);
  CustomerRow& done = b->customers[s.local];
  FormatStaplesTruth(s.staples, &done.staples);
  const auto& cats = ctx.catalog->categories();
  for (int k = 0; k < 3; ++k) {
    if (k) done.affinity.push_back(';');
    done.affinity.append(cats[s.categories[k]].slug);
  }
  if (rng.Bernoulli(opt.missing_last_active_share)) done.last_active_at = -1;
}

}  // namespace

void SimulateOrders(const SimContext& ctx, Rng& rng, CustomerState& s, ShopBlock* b) {
  CustomerRow& c = b->customers[s.local];
  std::vector<int64_t> times = DrawPurchaseTimes(ctx, rng, c);
  DrawHabitualTimes(ctx, static_cast<uint64_t>(b->first_customer + s.local), c, times);
  s.active_until = c.alive ? ctx.window_end : c.dropout_at;
  c.order_count = static_cast<int64_t>(times.size());
  const int64_t pre_window = static_cast<int64_t>(ctx.options->pre_dropout_weeks * kWeekSeconds);
  s.orders_begin = static_cast<int32_t>(b->orders.size());
  for (int64_t at : times) {
    OrderRow o{};
    o.customer = s.local;
    o.ordered_at = at;
    o.channel = rng.Bernoulli(0.7) ? s.preferred_channel : DrawChannel(rng);
    o.pre_dropout = !c.alive && c.dropout_at - at <= pre_window;
    o.target_value = rng.Gamma(ctx.options->spend_p, c.nu);
    o.items_begin = static_cast<int32_t>(b->items.size());
    FillItems(ctx, rng, s, at, o.target_value * 100.0, b);
    o.items_end = static_cast<int32_t>(b->items.size());
    for (int32_t i = o.items_begin; i < o.items_end; ++i)
      o.amount_cents += b->items[i].quantity * b->items[i].unit_cents;
    DrawDelivery(ctx, rng, o);
    const double quality = ctx.catalog->products()[b->items[o.items_begin].product].quality;
    o.defective = o.status != OrderStatus::kCancelled &&
                  rng.Bernoulli((0.015 + 0.05 * std::max(0.0, -quality)) *
                                                (o.pre_dropout ? ctx.options->pre_dropout_problem_multiplier : 1));
    DrawStatus(rng, o);
    b->orders.push_back(o);
  }
  s.orders_end = static_cast<int32_t>(b->orders.size());
}

void SimulateBlock(const SimContext& ctx, int64_t index, int64_t first, int64_t count, ShopBlock* out) {
  Rng rng = Rng::ForStream(ctx.options->seed, static_cast<uint64_t>(index));
  *out = ShopBlock{};
  out->index = index;
  out->first_customer = first;
  out->customers.reserve(count);
  int64_t done = 0;
  while (done < count) {
    const Account account = DrawAccount(rng, first + done);
    for (int m = 0; m < account.size && done < count; ++m, ++done) {
      SimulateCustomer(ctx, rng, account, m, out);
    }
  }
}

}  // namespace custintel::gen
