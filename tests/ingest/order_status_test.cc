// Which orders are purchases (issue 27): one configurable rule ([orders] in custintel.toml,
// core/order_status.h) applied by every consumer, statuses it does not plainly call purchases
// reported by ingest, doctor and run; and money in the data's currency in every generated text.
// Through the real binary.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "ingest/cli_db_fixture.h"

namespace custintel::ingest {
namespace {

// K1 buys three times, K2 once plus an 'unavailable' order, K3 has only an order 'on_hold' (a
// status the default rule does not know), K4 only a cancelled one.
constexpr char kOrders[] =
    "order_id,customer_id,ordered_at,amount,currency,status\n"
    "O1,K1,2025-01-05,10.00,BRL,delivered\nO2,K1,2025-02-05,20.00,BRL,delivered\n"
    "O3,K1,2025-03-05,30.00,BRL,shipped\nO4,K2,2025-01-10,40.00,BRL,delivered\n"
    "O5,K2,2025-02-10,50.00,BRL,unavailable\nO6,K3,2025-02-20,60.00,BRL,on_hold\n"
    "O7,K4,2025-03-01,70.00,BRL,canceled\n";

class OrderStatusTest : public testing::CliDbTest {
 protected:
  std::string Frequencies() {
    return Value("SELECT string_agg(customer_id || '=' || frequency, ' ' ORDER BY customer_id) "
                 "FROM gold.customer_features");
  }
};

TEST_F(OrderStatusTest, DefaultRuleCountsKnownPurchasesAndSaysHowEveryOtherStatusCounts) {
  auto ingest = Cli("ingest " + File("orders.csv", kOrders));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_NE(ingest.out.find("status 'unavailable': 1 orders — not counted as purchases; remove its word from "
                            "[orders] excluded_statuses"), std::string::npos) << ingest.out;
  EXPECT_NE(ingest.out.find("status 'on_hold': 1 orders — a status [orders] does not know, counted as purchases; "
                            "add it to excluded_statuses"), std::string::npos) << ingest.out;
  EXPECT_NE(ingest.out.find("status 'canceled': 1 orders — not counted"), std::string::npos) << ingest.out;
  EXPECT_EQ(ingest.out.find("status 'delivered'"), std::string::npos) << ingest.out;

  auto run = Cli("run");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("status 'on_hold': 1 orders"), std::string::npos) << run.out;
  EXPECT_EQ(Frequencies(), "K1=3 K2=1 K3=1 K4=0");
  // Every consumer applies the same rule: lifetime value and cohorts count the same orders.
  EXPECT_EQ(Value("SELECT sum(lifetime_value) FROM gold.customer_features"), "160.0");
  EXPECT_EQ(Value("SELECT sum(revenue) FROM gold.cohorts"), "160.0");

  auto doctor = Cli("doctor --json");
  ASSERT_EQ(doctor.exit_code, 0) << doctor.err;
  const nlohmann::json profile = nlohmann::json::parse(doctor.out);
  std::map<std::string, nlohmann::json> by;
  for (const auto& s : profile["order_statuses"]) by[s["status"].get<std::string>()] = s;
  ASSERT_EQ(by.size(), 5u) << doctor.out;
  EXPECT_EQ(by["delivered"]["orders"], 3);
  EXPECT_EQ(by["delivered"]["class"], "purchase");
  EXPECT_EQ(by["unavailable"]["class"], "excluded");
  EXPECT_EQ(by["unavailable"]["counted_as_purchase"], false);
  EXPECT_EQ(by["on_hold"]["class"], "unknown");
  EXPECT_EQ(by["on_hold"]["counted_as_purchase"], true);
  auto text = Cli("doctor");
  EXPECT_NE(text.out.find("status 'on_hold': 1 orders"), std::string::npos) << text.out;

  // The macros are there for a user's own SQL too.
  auto sql = Cli("sql --csv \"SELECT is_purchase('Cancelled'), is_purchase(NULL), order_status_class('weird')\"");
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  EXPECT_NE(sql.out.find("false,true,unknown"), std::string::npos) << sql.out;
}

TEST_F(OrderStatusTest, ConfiguredRuleChangesEveryFigureAndForcesAFullRun) {
  ASSERT_EQ(Cli("ingest " + File("orders.csv", kOrders)).exit_code, 0);
  ASSERT_EQ(Cli("run").exit_code, 0);
  // 'unavailable' orders are purchases here; unknown statuses are not.
  File("strict.toml", "[orders]\nexcluded_statuses = [\"cancel\", \"refund\", \"return\"]\n"
       "purchase_statuses = [\"deliver\", \"ship\", \"unavailable\"]\nunknown_statuses = \"excluded\"\n");
  const std::string config = " --config " + dir_.File("strict.toml");
  auto run = Cli("run" + config);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.find("incremental"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("status 'on_hold': 1 orders — a status [orders] does not know, not counted as purchases"),
            std::string::npos) << run.out;
  EXPECT_EQ(Frequencies(), "K1=3 K2=2 K3=0 K4=0");
  EXPECT_EQ(Value("SELECT sum(revenue) FROM gold.cohorts"), "150.0");
  auto sql = Cli("sql --csv \"SELECT is_purchase('unavailable'), is_purchase('on_hold')\"" + config);
  EXPECT_NE(sql.out.find("true,false"), std::string::npos) << sql.out << sql.err;

  auto bad = Cli("run --config " + File("bad.toml", "[orders]\nunknown_statuses = \"maybe\"\n"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("orders.unknown_statuses 'maybe' is not one of purchase, excluded"), std::string::npos)
      << bad.err;
  auto empty = Cli("run --config " + File("empty.toml", "[orders]\nexcluded_statuses = [\"cancel\", \" \"]\n"));
  EXPECT_NE(empty.exit_code, 0);
  EXPECT_NE(empty.err.find("excluded_statuses must be a list of non-empty strings"), std::string::npos) << empty.err;
}

// A shop whose orders are in BRL: no generated text — insight facts and texts, summaries,
// notifications, the summary command, ask answers — shows a dollar sign; amounts say BRL.
TEST_F(OrderStatusTest, MoneyInEveryGeneratedTextIsInTheDataCurrency) {
  auto gen = testing::RunCli("gen-data --customers 1000 --seed 11 --out " + dir_.File("shop"));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  auto sed = testing::RunShell("sed -i 's/,USD,/,BRL,/' " + dir_.File("shop/orders.csv") + " && grep -c ',BRL,' " +
                               dir_.File("shop/orders.csv"));
  ASSERT_EQ(sed.exit_code, 0) << sed.err;
  ASSERT_GT(std::stoi(sed.out), 100) << sed.out;
  ASSERT_EQ(Cli("ingest --dir " + dir_.File("shop")).exit_code, 0);
  auto run = Cli("run");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // Every text column of every gold table.
  const std::string columns = Value(
      "SELECT string_agg(table_name || '.' || column_name, ' ') FROM information_schema.columns "
      "WHERE table_schema = 'gold' AND data_type IN ('VARCHAR', 'JSON')");
  ASSERT_NE(columns.find("executive_summary."), std::string::npos) << columns;
  size_t texts = 0;
  for (size_t b = 0; b < columns.size();) {
    size_t e = columns.find(' ', b);
    if (e == std::string::npos) e = columns.size();
    const std::string tc = columns.substr(b, e - b), table = tc.substr(0, tc.find('.')), col = tc.substr(tc.find('.') + 1);
    EXPECT_EQ(Value("SELECT count(*) FROM gold." + table + " WHERE \"" + col + "\"::VARCHAR LIKE '%$%'"), "0") << tc;
    texts += std::stoul(Value("SELECT count(*) FROM gold." + table + " WHERE \"" + col + "\"::VARCHAR LIKE '%BRL %'"));
    b = e + 1;
  }
  EXPECT_GT(texts, 10u) << "amounts in texts name BRL";
  auto summary = Cli("summary");
  ASSERT_EQ(summary.exit_code, 0) << summary.err;
  EXPECT_EQ(summary.out.find('$'), std::string::npos) << summary.out;
  EXPECT_NE(summary.out.find("BRL"), std::string::npos) << summary.out;
  auto ask = Cli("ask \"what is the total revenue\"");
  ASSERT_EQ(ask.exit_code, 0) << ask.err;
  EXPECT_NE(ask.out.find("in BRL"), std::string::npos) << ask.out;
  EXPECT_EQ(ask.out.find('$'), std::string::npos) << ask.out;
}

}  // namespace
}  // namespace custintel::ingest
