// Send times (models/timing/send_time.h, models/send_times.h, issue 27 item 6): the method's
// behaviour on hand-made histories, the [notifications] settings, the step over the store, and
// `custintel evaluate notifications` on a generated shop against the modal weekday/hour baseline.
#include "models/send_times.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/config.h"
#include "model_fixture.h"
#include "models/timing/send_time.h"

namespace custintel::models {
namespace {

SendTimeOptions NoQuiet() {
  SendTimeOptions o;
  o.quiet = {0, 0};
  return o;
}

TimeHistogram Purchases(std::initializer_list<std::pair<int, int>> weekday_hour, double age_days = 10) {
  TimeHistogram h;
  for (auto [wd, hr] : weekday_hour) h.Add(wd, hr, RecencyWeight(age_days, SendTimeOptions{}));
  return h;
}

// A shop whose customers buy on Saturdays at 11 h.
TimeProfile ShopAtSaturday11(const SendTimeOptions& o) {
  TimeHistogram all;
  for (int i = 0; i < 100; ++i) all.Add(5, 11, 1);
  for (int h = 0; h < 24; ++h) all.Add(h % 7, h, 1);  // a little of everything
  return Smooth(all, o);
}

TEST(SendTimeTest, HoursAreCircular) {
  const SendTimeOptions o = NoQuiet();
  TimeHistogram late;
  for (int i = 0; i < 6; ++i) late.Add(2, i % 2 ? 23 : 1, 1);  // 23 h and 1 h: midnight lies between
  auto t = ChooseSendTime(late, ShopAtSaturday11(o), o);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->hour, 0);
  EXPECT_EQ(t->weekday, 2);
  EXPECT_EQ(t->basis, SendBasis::kOwn);
  EXPECT_EQ(HourDistance(23, 1), 2);
  EXPECT_EQ(HourDistance(3, 15), 12);
}

TEST(SendTimeTest, TiesDoNotFallToTheEarliestHour) {
  const SendTimeOptions o = NoQuiet();
  const TimeHistogram two = Purchases({{5, 2}, {5, 12}});
  const ModalTime modal = ModalSendTime(two);
  EXPECT_EQ(modal.hour, 2);  // the baseline's tie-break
  auto t = ChooseSendTime(two, ShopAtSaturday11(o), o);
  ASSERT_TRUE(t.ok());
  EXPECT_LE(HourDistance(t->hour, 12), 1);  // the tie goes to the purchase hour nearer the shop's pattern
  EXPECT_EQ(t->weekday, 5);
}

TEST(SendTimeTest, AStrongHabitDecidesAWeakOneLeansOnTheShop) {
  const SendTimeOptions o = NoQuiet();
  const TimeProfile shop = ShopAtSaturday11(o);
  auto strong = ChooseSendTime(Purchases({{1, 19}, {1, 19}, {1, 20}, {1, 19}, {1, 18}, {1, 19}}), shop, o);
  ASSERT_TRUE(strong.ok());
  EXPECT_EQ(strong->hour, 19);
  EXPECT_EQ(strong->weekday, 1);
  EXPECT_GT(strong->own_weight, 0.7);
  auto weak = ChooseSendTime(Purchases({{1, 3}}), shop, o);
  ASSERT_TRUE(weak.ok());
  EXPECT_EQ(weak->hour, 11);
  EXPECT_EQ(weak->weekday, 5);
  EXPECT_EQ(weak->basis, SendBasis::kBlend);
  auto none = ChooseSendTime(TimeHistogram{}, shop, o);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->hour, 11);
  EXPECT_EQ(none->basis, SendBasis::kPopulation);
  EXPECT_EQ(ModalSendTime(TimeHistogram{}).hour, -1);
}

TEST(SendTimeTest, RecentPurchasesOutweighOldOnes) {
  SendTimeOptions o = NoQuiet();
  o.prior_weight = 0;
  TimeHistogram h;
  for (int i = 0; i < 3; ++i) h.Add(0, 9, RecencyWeight(3 * 365, o));  // three years ago at 9 h
  for (int i = 0; i < 2; ++i) h.Add(3, 17, RecencyWeight(30, o));      // last month at 17 h
  auto t = ChooseSendTime(h, ShopAtSaturday11(o), o);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->hour, 17);
  EXPECT_EQ(t->weekday, 3);
  EXPECT_EQ(ModalSendTime(h).hour, 9);  // the baseline counts the old habit
}

TEST(SendTimeTest, NeverInsideTheQuietHours) {
  SendTimeOptions o;  // 21:00–08:00
  EXPECT_TRUE(o.quiet.Contains(21));
  EXPECT_TRUE(o.quiet.Contains(0));
  EXPECT_TRUE(o.quiet.Contains(7));
  EXPECT_FALSE(o.quiet.Contains(8));
  EXPECT_FALSE(o.quiet.Contains(20));
  EXPECT_EQ(o.quiet.Text(), "21:00–08:00");
  const TimeHistogram night = Purchases({{4, 23}, {4, 23}, {4, 22}, {4, 23}});
  auto t = ChooseSendTime(night, Smooth(TimeHistogram{}, o), o);  // a shop without a pattern
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->hour, 20);  // the allowed hour nearest their late-night habit
  t = ChooseSendTime(night, ShopAtSaturday11(o), o);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(o.quiet.Contains(t->hour)) << t->hour;
  o.quiet = {8, 7};        // 23 quiet hours
  t = ChooseSendTime(Purchases({{4, 23}}), ShopAtSaturday11(o), o);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->hour, 7);
  EXPECT_EQ(QuietHours({0, 0}).Text(), "none");
}

TEST(SendTimeTest, NotificationSettings) {
  auto c = ParseConfig("[notifications]\nquiet_hours = \"22-6\"\nhalf_life_days = 90\n", "t.toml", DefaultConfig());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->notifications.quiet_start, 22);
  EXPECT_EQ(c->notifications.quiet_end, 6);
  EXPECT_EQ(c->notifications.half_life_days, 90);
  EXPECT_EQ(DefaultConfig().notifications.quiet_start, 21);
  EXPECT_EQ(DefaultConfig().notifications.quiet_end, 8);
  c = ParseConfig("[notifications]\nquiet_hours = \"none\"\n", "t.toml", DefaultConfig());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(SendTimeOptionsFrom(c->notifications).quiet.Text(), "none");
  for (const char* bad : {"25-3", "9", "evening", "8-8"}) {
    c = ParseConfig(fmt::format("[notifications]\nquiet_hours = \"{}\"\n", bad), "t.toml", DefaultConfig());
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.status().message().find("notifications.quiet_hours '" + std::string(bad) + "'"), std::string::npos)
        << c.status().message();
  }
  c = ParseConfig("[notifications]\nhalf_life_days = 0\n", "t.toml", DefaultConfig());
  EXPECT_FALSE(c.ok());
  // The hour for dates-only data: 10 by default, set with default_hour, never in the quiet hours
  // (an explicit one there is an error; the default moves to where the quiet hours end).
  EXPECT_EQ(DefaultConfig().notifications.default_hour, 10);
  c = ParseConfig("[notifications]\ndefault_hour = 18\n", "t.toml", DefaultConfig());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->notifications.default_hour, 18);
  c = ParseConfig("[notifications]\nquiet_hours = \"8-12\"\n", "t.toml", DefaultConfig());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->notifications.default_hour, 12);
  c = ParseConfig("[notifications]\ndefault_hour = 23\n", "t.toml", DefaultConfig());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("default_hour 23 lies inside the quiet hours 21:00-08:00"), std::string::npos)
      << c.status().message();
  c = ParseConfig("[notifications]\ndefault_hour = 24\n", "t.toml", DefaultConfig());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("expected a whole hour 0..23"), std::string::npos) << c.status().message();
}

TEST(SendTimeTest, DatesOnlyDataHasNoTimeOfDay) {
  EXPECT_FALSE(HasTimeOfDay(1000, 1.0, true));     // every order at 00:00:00
  EXPECT_FALSE(HasTimeOfDay(1000, 0.97, false));   // a batch stamp at 02:13:07 on nearly all
  EXPECT_TRUE(HasTimeOfDay(1000, 0.30, true));
  EXPECT_TRUE(HasTimeOfDay(3, 1.0, false));        // three orders at one odd second: too few to say
  EXPECT_FALSE(HasTimeOfDay(3, 1.0, true));        // ... but at midnight they are dates
  EXPECT_FALSE(HasTimeOfDay(0, 0, false));
  // The fixed hour replaces the learned one; the weekday is still the customer's.
  SendTimeOptions o;
  o.fixed_hour = 10;
  auto t = ChooseSendTime(Purchases({{2, 0}, {2, 0}, {2, 0}, {2, 0}}), ShopAtSaturday11(o), o);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->hour, 10);
  EXPECT_FALSE(t->hour_learned);
  EXPECT_EQ(t->weekday, 2);
  o.fixed_hour = 22;
  EXPECT_FALSE(ChooseSendTime(TimeHistogram{}, ShopAtSaturday11(o), o).ok());
}

class SendTimesStoreTest : public InMemoryDbTest {};

TEST_F(SendTimesStoreTest, TheStepWritesEveryBuyerAndAScopedRunOnlyItsCustomers) {
  // 2026-06-06 is a Saturday. A: four Saturday-evening purchases; B: one Tuesday 3 h purchase;
  // C: cancelled orders only (no purchase: no row); D: after the as-of (not seen).
  Exec("INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) VALUES "
       "('a1', 'A', '2026-06-06 18:10:00+00', 10, 'completed'), ('a2', 'A', '2026-06-13 18:40:00+00', 10, 'completed'),"
       "('a3', 'A', '2026-06-20 19:05:00+00', 10, 'completed'), ('a4', 'A', '2026-05-30 18:20:00+00', 10, 'completed'),"
       "('b1', 'B', '2026-06-02 03:15:00+00', 10, 'completed'), ('c1', 'C', '2026-06-03 12:00:00+00', 10, 'cancelled'),"
       "('d1', 'D', '2026-07-03 12:00:00+00', 10, 'completed')");
  NotificationsConfig config;
  ASSERT_TRUE(BuildSendTimes(*conn_, "2026-06-30 00:00:00+00", config).ok());
  auto r = Query("SELECT customer_id, send_weekday, send_hour, basis, purchases FROM gold.send_times ORDER BY 1");
  ASSERT_EQ(r.row_count(), 2u);
  EXPECT_EQ(r.GetString(0, 0), "A");
  EXPECT_EQ(r.GetString(1, 0), "Saturday");
  EXPECT_EQ(r.GetInt64(2, 0), 18);
  EXPECT_EQ(r.GetString(3, 0), "own");
  EXPECT_EQ(r.GetInt64(4, 0), 4);
  EXPECT_EQ(r.GetString(0, 1), "B");
  EXPECT_FALSE(config.quiet_start <= r.GetInt64(2, 1) || r.GetInt64(2, 1) < config.quiet_end);  // 3 h is quiet
  EXPECT_EQ(r.GetString(3, 1), "blend");

  // A scoped run: B buys at 14 h; only B is redone.
  Exec("INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) VALUES "
       "('b2', 'B', '2026-06-25 14:00:00+00', 10, 'completed'), ('b3', 'B', '2026-06-26 14:30:00+00', 10, 'completed')");
  Exec("UPDATE gold.send_times SET send_hour = 9 WHERE customer_id = 'A'");  // a marker the scoped run must keep
  Exec("CREATE TEMP TABLE scope_b AS SELECT 'B' AS customer_id");
  ASSERT_TRUE(BuildSendTimes(*conn_, "2026-06-30 00:00:00+00", config, features::Scope::Customers("scope_b")).ok());
  r = Query("SELECT customer_id, send_hour, purchases FROM gold.send_times ORDER BY 1");
  ASSERT_EQ(r.row_count(), 2u);
  EXPECT_EQ(r.GetInt64(1, 0), 9);
  EXPECT_EQ(r.GetInt64(1, 1), 14);
  EXPECT_EQ(r.GetInt64(2, 1), 3);
}

TEST_F(SendTimesStoreTest, DatesOnlyOrdersGetTheDefaultHourAndTheStepSaysSo) {
  // 2026-06-05 is a Friday: A buys on Fridays, B on Tuesdays, every order stamped midnight.
  Exec("INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) VALUES "
       "('a1', 'A', '2026-06-05', 10, 'completed'), ('a2', 'A', '2026-06-12', 10, 'completed'),"
       "('a3', 'A', '2026-06-19', 10, 'completed'), ('b1', 'B', '2026-06-02', 10, 'completed'),"
       "('b2', 'B', '2026-06-09', 10, 'completed'), ('b3', 'B', '2026-06-16', 10, 'completed')");
  NotificationsConfig config;
  config.default_hour = 9;
  std::string note;
  ASSERT_TRUE(BuildSendTimes(*conn_, "2026-06-30 00:00:00+00", config, features::Scope::All(), &note).ok());
  EXPECT_NE(note.find("100% of the 6 purchases are stamped 00:00:00"), std::string::npos) << note;
  EXPECT_NE(note.find("every send hour is the default 09:00"), std::string::npos) << note;
  auto r = Query("SELECT customer_id, send_weekday, send_hour, hour_basis FROM gold.send_times ORDER BY 1");
  ASSERT_EQ(r.row_count(), 2u);
  EXPECT_EQ(r.GetString(1, 0), "Friday");
  EXPECT_EQ(r.GetString(1, 1), "Tuesday");
  EXPECT_EQ(r.GetInt64(2, 0), 9);
  EXPECT_EQ(r.GetInt64(2, 1), 9);
  EXPECT_EQ(r.GetString(3, 0), "default (dates only)");
  // One order with a real time does not make the data timed; many do.
  Exec("INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) VALUES "
       "('a4', 'A', '2026-06-26 15:42:10+00', 10, 'completed')");
  note.clear();
  ASSERT_TRUE(BuildSendTimes(*conn_, "2026-06-30 00:00:00+00", config, features::Scope::All(), &note).ok());
  EXPECT_EQ(note, "");  // 6 of 7 at midnight is 86%: times are real
  EXPECT_EQ(Query("SELECT count(*) FROM gold.send_times WHERE hour_basis = 'learned'").GetInt64(0, 0), 2);
}

TEST_F(SendTimesStoreTest, EvaluationNeedsPurchasesOnBothSidesOfTheCutoff) {
  Exec("INSERT INTO silver.orders(order_id, customer_id, ordered_at, amount, status) VALUES "
       "('a1', 'A', '2026-06-06 18:10:00+00', 10, 'completed')");
  auto e = EvaluateSendTimes(*conn_, "", 30, NotificationsConfig{});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("no customer has a purchase both before"), std::string::npos);
  e = EvaluateSendTimes(*conn_, "", 0, NotificationsConfig{});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("--holdout-days"), std::string::npos);
}

// The generated shop (customers with habits of varying strength over the shop's daily and weekly
// curves), through the real binary: the send time beats the modal weekday/hour, never lands in
// the quiet hours, and the notifications the run wrote use it.
class SendTimesShopTest : public GeneratedShopTest {};

TEST_F(SendTimesShopTest, EvaluateNotificationsBeatsTheModalBaseline) {
  auto run = testing::RunCli("evaluate notifications --json --db " + Db());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json e = nlohmann::json::parse(run.out);
  EXPECT_EQ(e["quiet_hours"], "21:00–08:00");
  const nlohmann::json& all = e["groups"][0];
  EXPECT_EQ(all["group"], "all");
  EXPECT_GT(all["customers"].get<int64_t>(), 500);
  const nlohmann::json& mine = all["methods"][0];
  const nlohmann::json& modal = all["methods"][1];
  ASSERT_EQ(mine["method"], "custintel");
  ASSERT_EQ(modal["method"], "modal weekday/hour");
  EXPECT_GT(mine["weekday_hit_rate"].get<double>(), modal["weekday_hit_rate"].get<double>());
  EXPECT_GT(mine["hour_hit_rate_2h"].get<double>(), modal["hour_hit_rate_2h"].get<double>());
  EXPECT_GT(mine["both_hit_rate"].get<double>(), modal["both_hit_rate"].get<double>());
  EXPECT_EQ(mine["in_quiet_hours"].get<int64_t>(), 0);
  // Every group sums to "all".
  int64_t parts = 0;
  for (size_t g = 1; g < e["groups"].size(); ++g) parts += e["groups"][g]["customers"].get<int64_t>();
  EXPECT_EQ(parts, all["customers"].get<int64_t>());
}

TEST_F(SendTimesShopTest, TheRunsNotificationsUseTheSendTimes) {
  testing::TempDir dir;
  OpenCopy(dir);
  // Every notification's time is its customer's send time; none in the quiet hours; hours spread
  // as the shop's orders do (no pile at midnight).
  EXPECT_EQ(Query("SELECT count(*) FROM gold.notifications n JOIN gold.send_times t USING (customer_id) "
                  "WHERE n.send_hour <> t.send_hour OR n.send_weekday <> t.send_weekday").GetInt64(0, 0), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM gold.notifications WHERE send_hour >= 21 OR send_hour < 8").GetInt64(0, 0), 0);
  const int64_t n = Query("SELECT count(*) FROM gold.notifications").GetInt64(0, 0);
  ASSERT_GT(n, 200);  // the due customers (insight/notification_due.h)
  const int64_t top = Query("SELECT max(c) FROM (SELECT count(*) AS c FROM gold.notifications GROUP BY send_hour)")
                          .GetInt64(0, 0);
  EXPECT_LT(double(top) / double(n), 0.35);
  // The generator's orders follow a daily curve: the afternoon is busier than the small hours.
  const auto r = Query("SELECT count(*) FILTER (WHERE hour(ordered_at) BETWEEN 10 AND 16), "
                       "count(*) FILTER (WHERE hour(ordered_at) BETWEEN 1 AND 5), "
                       "count(*) FILTER (WHERE isodow(ordered_at) >= 6) / 2.0, "
                       "count(*) FILTER (WHERE isodow(ordered_at) BETWEEN 2 AND 4) / 3.0 FROM silver.orders");
  EXPECT_GT(r.GetInt64(0, 0), 10 * r.GetInt64(1, 0));
  EXPECT_GT(r.GetDouble(2, 0), 1.2 * r.GetDouble(3, 0));  // a weekend day is busier than a midweek one
}

}  // namespace
}  // namespace custintel::models
