// GenerateShop end to end: determinism, the silver contract, referential sanity, and that the
// truth folder describes the population the files were drawn from.
#include "gen/gen_data.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "gen/csv_reader.h"
#include "testing/testing.h"

namespace custintel::gen {
namespace {

using custintel::testing::ReadFile;
using custintel::testing::TempDir;
using testing::ParseTable;
using testing::Table;

const char* const kAllFiles[] = {
    "customers.csv", "orders.csv", "order_items.csv", "products.csv", "events.csv", "reviews.csv",
    "tickets.csv", "notes.csv", "truth/population.json", "truth/customers.csv", "truth/orders.csv",
    "truth/reviews.csv", "truth/tickets.csv", "truth/products.csv"};

GenReport Generate(const std::string& dir, int64_t customers, uint64_t seed, int threads) {
  GenOptions o;
  o.customers = customers;
  o.seed = seed;
  o.threads = threads;
  o.out_dir = dir;
  Result<GenReport> r = GenerateShop(o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : GenReport{};
}

std::string HeaderOf(const std::string& path) {
  const std::string s = ReadFile(path);
  return s.substr(0, s.find('\n'));
}

// One 5,000-customer shop shared by the read-only checks.
class GenDataShop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    report_ = Generate(dir_->path(), 5000, 11, 2);
  }
  static void TearDownTestSuite() { delete dir_; }
  static Table Load(const std::string& name) { return ParseTable(ReadFile(dir_->File(name))); }

  static TempDir* dir_;
  static GenReport report_;
};
TempDir* GenDataShop::dir_ = nullptr;
GenReport GenDataShop::report_;

TEST(GenData, SameSeedGivesIdenticalBytes) {
  TempDir a, b;
  Generate(a.path(), 2000, 42, 2);
  Generate(b.path(), 2000, 42, 2);
  for (const char* f : kAllFiles) {
    const std::string x = ReadFile(a.File(f));
    ASSERT_FALSE(x.empty()) << f;
    EXPECT_EQ(x, ReadFile(b.File(f))) << f;
  }
}

TEST(GenData, DifferentSeedGivesDifferentShop) {
  TempDir a, b;
  Generate(a.path(), 1000, 1, 1);
  Generate(b.path(), 1000, 2, 1);
  EXPECT_NE(ReadFile(a.File("customers.csv")), ReadFile(b.File("customers.csv")));
  EXPECT_NE(ReadFile(a.File("orders.csv")), ReadFile(b.File("orders.csv")));
}

TEST(GenData, ThreadCountDoesNotChangeOutput) {
  TempDir one, two, many;
  Generate(one.path(), 3500, 9, 1);  // 4 blocks, the last one partial
  Generate(two.path(), 3500, 9, 2);
  Generate(many.path(), 3500, 9, 5);
  for (const char* f : kAllFiles) {
    const std::string x = ReadFile(one.File(f));
    EXPECT_EQ(x, ReadFile(two.File(f))) << f;
    EXPECT_EQ(x, ReadFile(many.File(f))) << f;
  }
}

TEST(GenData, RejectsBadOptions) {
  TempDir dir;
  GenOptions o;
  o.out_dir = dir.path();
  for (int64_t n : {0, 999, 1000001}) {
    o.customers = n;
    Result<GenReport> r = GenerateShop(o);
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << n;
    EXPECT_NE(r.status().message().find("customers"), std::string::npos);
  }
  o.customers = 1000;
  o.window_end = "2026-02-30";
  EXPECT_EQ(GenerateShop(o).status().code(), StatusCode::kInvalidArgument);
  o.window_end = "2026-06-30T23:59:59Z";
  o.out_dir = "";
  EXPECT_EQ(GenerateShop(o).status().code(), StatusCode::kInvalidArgument);
}

TEST(GenData, UnwritableOutDirIsAnIoError) {
  TempDir dir;
  custintel::testing::WriteFile(dir.File("plain_file"), "x");
  GenOptions o;
  o.customers = 1000;
  o.out_dir = dir.File("plain_file") + "/shop";  // a folder cannot live under a file, even for root
  Result<GenReport> r = GenerateShop(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find("plain_file"), std::string::npos);
}

TEST_F(GenDataShop, HeadersAreExactlyTheSilverContract) {
  const std::map<std::string, std::string> expected = {
      {"customers.csv",
       "customer_id,email,first_name,last_name,segment,plan,region,account_id,acquisition_date,last_active_date"},
      {"orders.csv", "order_id,customer_id,ordered_at,amount,currency,status,channel"},
      {"order_items.csv", "order_id,product_id,quantity,unit_price"},
      {"products.csv", "product_id,name,category,price"},
      {"events.csv", "event_id,customer_id,event_type,channel,occurred_at,content,properties"},
      {"reviews.csv",
       "review_id,customer_id,product_id,rating,title,review_text,verified_purchase,helpful_count,created_at"},
      {"tickets.csv",
       "ticket_id,customer_id,category,priority,subject,description,resolution,satisfaction_score,created_at,"
       "resolved_at"},
      {"notes.csv", "note_id,title,body,tags"},
  };
  for (const auto& [file, header] : expected) {
    EXPECT_EQ(HeaderOf(dir_->File(file)), header) << file;
  }
}

TEST_F(GenDataShop, ReportCountsMatchTheFiles) {
  EXPECT_EQ(report_.customers, 5000);
  EXPECT_EQ(static_cast<int64_t>(Load("customers.csv").rows.size()), report_.customers);
  EXPECT_EQ(static_cast<int64_t>(Load("orders.csv").rows.size()), report_.orders);
  EXPECT_EQ(static_cast<int64_t>(Load("order_items.csv").rows.size()), report_.order_items);
  EXPECT_EQ(static_cast<int64_t>(Load("events.csv").rows.size()), report_.events);
  EXPECT_EQ(static_cast<int64_t>(Load("reviews.csv").rows.size()), report_.reviews);
  EXPECT_EQ(static_cast<int64_t>(Load("tickets.csv").rows.size()), report_.tickets);
  EXPECT_EQ(static_cast<int64_t>(Load("products.csv").rows.size()), report_.products);
  EXPECT_GE(report_.notes, 20);
  EXPECT_LE(report_.notes, 40);
  // A plausible shop: a few orders per customer, some reviews and tickets, more events.
  const double orders_per_customer = static_cast<double>(report_.orders) / report_.customers;
  EXPECT_GT(orders_per_customer, 2.0);
  EXPECT_LT(orders_per_customer, 8.0);
  EXPECT_GT(report_.reviews, report_.customers / 20);
  EXPECT_GT(report_.tickets, report_.customers / 20);
  EXPECT_GT(report_.events, report_.orders * 2);
}

TEST_F(GenDataShop, EveryRowHasItsColumnsAndKeysAreUnique) {
  for (const char* f : kAllFiles) {
    if (std::string(f).ends_with(".json")) continue;
    const Table t = Load(f);
    std::set<std::string> keys;
    for (const auto& row : t.rows) {
      ASSERT_EQ(row.size(), t.header.size()) << f << " row " << row[0];
      if (std::string(f) != "order_items.csv") {
        EXPECT_TRUE(keys.insert(row[0]).second) << f << " " << row[0];
      }
    }
  }
}

TEST_F(GenDataShop, ReferencesResolveAndAmountsAreTheItemsSum) {
  std::set<std::string> customers, products;
  for (const auto& r : Load("customers.csv").rows) customers.insert(r[0]);
  for (const auto& r : Load("products.csv").rows) products.insert(r[0]);
  std::map<std::string, int64_t> amount_cents;
  for (const auto& r : Load("orders.csv").rows) {
    EXPECT_TRUE(customers.count(r[1])) << r[0];
    amount_cents[r[0]] = std::llround(std::stod(r[3]) * 100);
    EXPECT_TRUE(r[5] == "completed" || r[5] == "refunded" || r[5] == "cancelled") << r[5];
  }
  std::map<std::string, int64_t> items_cents;
  for (const auto& r : Load("order_items.csv").rows) {
    ASSERT_TRUE(amount_cents.count(r[0])) << r[0];
    EXPECT_TRUE(products.count(r[1])) << r[1];
    EXPECT_GE(std::stoi(r[2]), 1);
    items_cents[r[0]] += std::stoi(r[2]) * std::llround(std::stod(r[3]) * 100);
  }
  for (const auto& [order, cents] : amount_cents) {
    EXPECT_LE(std::abs(cents - items_cents[order]), 1) << order;
  }
  for (const char* f : {"events.csv", "reviews.csv", "tickets.csv"}) {
    for (const auto& r : Load(f).rows) EXPECT_TRUE(customers.count(r[1])) << f << " " << r[0];
  }
  for (const auto& r : Load("reviews.csv").rows) {
    EXPECT_TRUE(products.count(r[2])) << r[0];
    const int rating = std::stoi(r[3]);
    EXPECT_TRUE(rating >= 1 && rating <= 5) << r[0];
  }
  for (const auto& r : Load("tickets.csv").rows) {
    if (r[7].empty()) continue;  // open, or no survey answer
    const int sat = std::stoi(r[7]);
    EXPECT_TRUE(sat >= 1 && sat <= 5) << r[0];
    EXPECT_FALSE(r[9].empty()) << "rated ticket " << r[0] << " must be resolved";
  }
}

TEST_F(GenDataShop, NothingHappensAfterTheWindowAndTheLast90DaysAreBusy) {
  const std::string end = "2026-06-30T23:59:59Z", recent = "2026-04-01T23:59:59Z";
  int recent_orders = 0, recent_events = 0, recent_tickets = 0;
  for (const auto& r : Load("orders.csv").rows) {
    EXPECT_LE(r[2], end);
    recent_orders += r[2] > recent;
  }
  for (const auto& r : Load("events.csv").rows) {
    EXPECT_LE(r[4], end);
    recent_events += r[4] > recent;
  }
  for (const auto& r : Load("tickets.csv").rows) {
    EXPECT_LE(r[8], end);
    recent_tickets += r[8] > recent;
  }
  EXPECT_GT(recent_orders, 500);
  EXPECT_GT(recent_events, 2000);
  EXPECT_GT(recent_tickets, 20);
}

TEST_F(GenDataShop, TextFieldsCarryQuotesCommasAndUtf8) {
  const std::string events = ReadFile(dir_->File("events.csv"));
  EXPECT_NE(events.find("\"{\"\"page\"\":"), std::string::npos);  // JSON quoted RFC 4180 style
  const std::string customers = ReadFile(dir_->File("customers.csv"));
  EXPECT_NE(customers.find(",acme,"), std::string::npos);
  const bool has_utf8 = std::any_of(customers.begin(), customers.end(),
                                    [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  EXPECT_TRUE(has_utf8);
  EXPECT_EQ(ReadFile(dir_->File("tickets.csv")).find("{order}"), std::string::npos);
}

TEST_F(GenDataShop, LateDeliveriesRaiseShippingTicketsAndLowerRatings) {
  std::map<std::string, bool> late;
  for (const auto& r : Load("truth/orders.csv").rows) late[r[0]] = r[3] != "0";
  std::map<std::string, std::string> review_order;
  for (const auto& r : Load("truth/reviews.csv").rows) review_order[r[0]] = r[1];
  double sum[2] = {0, 0};
  int n[2] = {0, 0};
  for (const auto& r : Load("reviews.csv").rows) {
    const std::string& order = review_order[r[0]];
    if (order.empty()) continue;
    const int k = late[order] ? 1 : 0;
    sum[k] += std::stoi(r[3]);
    ++n[k];
  }
  ASSERT_GT(n[0], 50);
  ASSERT_GT(n[1], 20);
  EXPECT_LT(sum[1] / n[1], sum[0] / n[0] - 0.5) << "late orders should be rated clearly lower";
  std::set<std::string> shipping_ticket_orders;
  for (const auto& r : Load("truth/tickets.csv").rows)
    if (r[2] == "carrier_delay" || r[2] == "lost_package") shipping_ticket_orders.insert(r[1]);
  int late_orders = 0, late_with_ticket = 0;
  for (const auto& [order, is_late] : late) {
    if (!is_late) {
      EXPECT_FALSE(shipping_ticket_orders.count(order)) << order;
      continue;
    }
    ++late_orders;
    late_with_ticket += shipping_ticket_orders.count(order) > 0;
  }
  EXPECT_GT(late_with_ticket, late_orders / 3);
}

TEST_F(GenDataShop, TruthLabelsCoverTheScale) {
  std::map<std::string, int> sentiments;
  for (const auto& r : Load("truth/reviews.csv").rows) ++sentiments[r[2]];
  for (const char* s : {"very_negative", "negative", "neutral", "positive", "very_positive"}) {
    EXPECT_GT(sentiments[s], 5) << s;
  }
  const Table tickets = Load("truth/tickets.csv");
  std::set<std::string> causes;
  for (const auto& r : tickets.rows) causes.insert(r[2]);
  EXPECT_GE(causes.size(), 10u);
}

TEST(GenData, SampleStatisticsMatchThePopulation) {
  TempDir dir;
  GenOptions o;
  o.customers = 20000;
  o.out_dir = dir.path();
  ASSERT_TRUE(GenerateShop(o).ok());
  const std::string population = ReadFile(dir.File("truth/population.json"));
  EXPECT_NE(population.find("\"r\": 0.750000"), std::string::npos);
  EXPECT_NE(population.find("\"time_unit\": \"week\""), std::string::npos);
  const Table truth = ParseTable(ReadFile(dir.File("truth/customers.csv")));
  ASSERT_EQ(truth.rows.size(), 20000u);
  const size_t lambda = truth.Col("lambda_per_week"), p = truth.Col("dropout_p"),
               mov = truth.Col("mean_order_value"), alive = truth.Col("alive_at_window_end");
  double sum_lambda = 0, sum_p = 0, sum_mov = 0;
  int alive_count = 0;
  for (const auto& r : truth.rows) {
    sum_lambda += std::stod(r[lambda]);
    sum_p += std::stod(r[p]);
    sum_mov += std::stod(r[mov]);
    alive_count += r[alive] == "true";
  }
  const double n = 20000;
  EXPECT_NEAR(sum_lambda / n, o.bgnbd_r / o.bgnbd_alpha, 0.03 * o.bgnbd_r / o.bgnbd_alpha);
  EXPECT_NEAR(sum_p / n, o.bgnbd_a / (o.bgnbd_a + o.bgnbd_b), 0.03 * 0.25);
  const double mean_value = o.spend_p * o.spend_v / (o.spend_q - 1);
  EXPECT_NEAR(sum_mov / n, mean_value, 0.04 * mean_value);
  EXPECT_GT(alive_count, 20000 / 5);
  EXPECT_LT(alive_count, 20000 * 9 / 10);
  // Order amounts follow the Gamma-Gamma targets closely on average.
  const Table orders = ParseTable(ReadFile(dir.File("orders.csv")));
  const Table targets = ParseTable(ReadFile(dir.File("truth/orders.csv")));
  ASSERT_EQ(orders.rows.size(), targets.rows.size());
  double amount = 0, target = 0;
  for (size_t i = 0; i < orders.rows.size(); ++i) {
    amount += std::stod(orders.rows[i][3]);
    target += std::stod(targets.rows[i][2]);
  }
  EXPECT_NEAR(amount / target, 1.0, 0.12);
}

}  // namespace
}  // namespace custintel::gen

namespace custintel::gen {
namespace {

TEST_F(GenDataShop, CustomersWhoLeaveHaveWorseDeliveriesBeforeLeaving) {
  int n[2] = {0, 0}, late[2] = {0, 0};
  for (const auto& r : Load("truth/orders.csv").rows) {
    const int k = r[6] == "true" ? 1 : 0;  // pre_dropout
    ++n[k];
    late[k] += r[3] != "0";
  }
  ASSERT_GT(n[1], 100);
  EXPECT_GT(static_cast<double>(late[1]) / n[1], 2.0 * late[0] / n[0]);
  int pre_tickets = 0;
  for (const auto& r : Load("truth/tickets.csv").rows) pre_tickets += r[5] == "true";
  EXPECT_GT(pre_tickets, 50);
}

TEST_F(GenDataShop, StaplesAreReboughtByTheirCustomers) {
  std::map<std::string, std::vector<std::string>> staples;  // customer → staple product ids
  for (const auto& r : Load("truth/customers.csv").rows) {
    if (r[9].empty() || std::stoi(r[8]) < 3) continue;
    for (size_t at = 0; at < r[9].size(); at = r[9].find(';', at) + 1) {
      staples[r[0]].push_back(r[9].substr(at, 5));
      if (r[9].find(';', at) == std::string::npos) break;
    }
  }
  ASSERT_GT(staples.size(), 100u);
  std::map<std::string, std::string> order_customer;
  for (const auto& r : Load("orders.csv").rows) order_customer[r[0]] = r[1];
  std::map<std::pair<std::string, std::string>, int> bought;  // (customer, product) → orders
  for (const auto& r : Load("order_items.csv").rows) ++bought[{order_customer[r[0]], r[1]}];
  int rebought = 0, total = 0;
  for (const auto& [customer, products] : staples) {
    for (const std::string& p : products) {
      ++total;
      rebought += bought[{customer, p}] >= 2;
    }
  }
  EXPECT_GT(rebought, total * 3 / 4);
}

}  // namespace
}  // namespace custintel::gen
