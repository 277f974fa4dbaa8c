// Real exports, first contact (issue 27), through the real binary: any subset of tables gives
// every output it can (orders only; dates only; customers with a churn label and no dates;
// reviews only; customers arriving after orders), each summary's figures checked against SQL
// over the inputs and never blank; whitespace-aligned purchase logs (CDNOW as published);
// nothing lost or guessed on a marketplace-shaped export; `custintel doctor`.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "ingest/cli_db_fixture.h"

namespace custintel::ingest {
namespace {

const std::string kCdnow = std::string(CUSTINTEL_SHARED_DIR) + "/datasets/cdnow/";

// A purchase history for `customers` customers over 2025: customer i buys 1 + i % 6 times,
// spaced 17 + i % 23 days apart, amounts varying by customer and order. Deterministic.
std::string Orders(int customers, bool with_ids, bool with_amounts) {
  std::ostringstream out;
  out << (with_ids ? "order_id," : "") << "customer_id,ordered_at" << (with_amounts ? ",amount" : "") << "\n";
  int n = 0;
  for (int i = 0; i < customers; ++i) {
    for (int k = 0; k < 1 + i % 6; ++k) {
      const int day = (i * 7 + k * (17 + i % 23)) % 360;
      const int month = 1 + day / 30, dom = 1 + day % 28;
      if (with_ids) out << "O" << ++n << ",";
      out << "C" << i << ",2025-" << (month < 10 ? "0" : "") << month << "-" << (dom < 10 ? "0" : "") << dom
          << "T1" << (i + k) % 10 << ":00:00Z";
      if (with_amounts) out << "," << 10 + (i * 13 + k * 7) % 90 << "." << (i + k) % 10 << "5";
      out << "\n";
    }
  }
  return out.str();
}

class FirstContactTest : public testing::CliDbTest {
 protected:
  // `summary` prints no blank figure: no "value ,", "(> )", "NULL" or empty cell of a number.
  void ExpectNoBlankFigure(const std::string& out) {
    EXPECT_EQ(out.find("NULL"), std::string::npos) << out;
    EXPECT_FALSE(std::regex_search(out, std::regex(R"((value|risk|of|is|>) [,.;)])"))) << out;
    EXPECT_EQ(out.find("(> )"), std::string::npos) << out;
  }
};

// An orders file alone: every customer implied, scored, segmented and notified; the summary's
// average lifetime value is the mean of each customer's total spend.
TEST_F(FirstContactTest, OrdersOnlyScoresEveryCustomer) {
  auto ingest = Cli("ingest " + File("orders.csv", Orders(60, true, true)));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_NE(ingest.out.find("60 customers named here are in no customers file"), std::string::npos) << ingest.out;
  EXPECT_EQ(Value("SELECT count(*), count(*) FILTER (WHERE implied_by = 'orders' AND email IS NULL AND plan IS NULL) "
                  "FROM silver.customers"), "60|60");
  EXPECT_EQ(Value("SELECT min(first_seen_at) = (SELECT min(ordered_at) FROM silver.orders WHERE customer_id = 'C5'), "
                  "max(last_seen_at) = (SELECT max(ordered_at) FROM silver.orders WHERE customer_id = 'C5') "
                  "FROM silver.customer_presence WHERE customer_id = 'C5'"), "true|true");
  auto run = Cli("run");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Value("SELECT count(*) FROM gold.customer_scores"), "60");
  EXPECT_EQ(Value("SELECT count(*) > 0 FROM gold.segments WHERE size > 0"), "true");
  EXPECT_EQ(Value("SELECT count(DISTINCT customer_id) > 0 FROM gold.notifications"), "true");
  EXPECT_NE(run.out.find("cannot build recommendations: needs order_items"), std::string::npos) << run.out;
  auto summary = Cli("summary");
  ASSERT_EQ(summary.exit_code, 0) << summary.err;
  const std::string avg = Value("SELECT round(avg(s), 2) FROM (SELECT sum(amount) s FROM silver.orders GROUP BY customer_id)");
  EXPECT_NE(summary.out.find("60 customers"), std::string::npos) << summary.out;
  EXPECT_NE(summary.out.find("average lifetime value " + avg), std::string::npos) << avg << "\n" << summary.out;
  ExpectNoBlankFigure(summary.out);
}

// A purchase log of dates only (customer, date; no order id, no amount — the CDNOW sample's
// first and third columns): BG/NBD and every count, no money anywhere — spend NULL and
// labelled, Gamma-Gamma skipped with the reason, never fitted on constants.
TEST_F(FirstContactTest, DatesOnlyGivesEverythingButSpend) {
  std::ifstream in(kCdnow + "CDNOW_sample.txt");
  ASSERT_TRUE(in);
  std::ostringstream log;
  log << "customer_id,ordered_at\n";
  int lines = 0;
  for (std::string id, sample_id, date, cds, dollars; in >> id >> sample_id >> date >> cds >> dollars; ++lines) {
    log << id << "," << date << "\n";
  }
  const std::string n = std::to_string(lines);
  auto ingest = Cli("ingest --kind orders " + File("purchases.csv", log.str()));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_NE(ingest.out.find("no order_id column; each row's order_id is <file>:<line>"), std::string::npos) << ingest.out;
  EXPECT_EQ(Value("SELECT count(*), count(DISTINCT order_id), min(order_id) FILTER (WHERE order_id LIKE '%:2'), "
                  "count(DISTINCT customer_id) FROM silver.orders"), n + "|" + n + "|purchases.csv:2|2357");
  auto run = Cli("run --as-of 1997-09-30");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("BG/NBD r=0.24"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Gamma-Gamma and CLV in money skipped: needs amounts"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("cannot build spend figures"), std::string::npos) << run.out;
  EXPECT_EQ(Value("SELECT count(*), count(f.lifetime_value), count(f.monetary), count(f.revenue_90d), "
                  "count(s.lifetime_value), count(s.p_alive) = count(*) FILTER (WHERE f.frequency > 0) "
                  "FROM gold.customer_features f JOIN gold.customer_scores s USING (customer_id)"),
            "2357|0|0|0|0|true");
  EXPECT_EQ(Value("SELECT p IS NULL AND q IS NULL AND v IS NULL, bgnbd_converged FROM gold.clv_model"), "true|true");
  EXPECT_EQ(Value("SELECT count(monetary_value), count(predicted_clv), count(expected_purchases_90d) > 0 "
                  "FROM gold.customer_clv"), "0|0|true");
  auto summary = Cli("summary");
  ASSERT_EQ(summary.exit_code, 0) << summary.err;
  EXPECT_NE(summary.out.find("average lifetime value needs amounts (the orders carry none)"), std::string::npos)
      << summary.out;
  ExpectNoBlankFigure(summary.out);
  auto customer = Cli("customer 00004");
  ASSERT_EQ(customer.exit_code, 0) << customer.err;
  EXPECT_NE(customer.out.find("NULL: needs amounts (the orders carry none)"), std::string::npos) << customer.out;
}

// A constant amount on every purchase (10 an order; a day's orders add up): Gamma-Gamma has
// next to no spread to fit, does not converge and is never used; BG/NBD is; gold.clv_model
// says how each fit went.
TEST_F(FirstContactTest, ConstantSpendIsNeverFitted) {
  std::ifstream in(kCdnow + "CDNOW_sample.txt");
  ASSERT_TRUE(in);
  std::ostringstream log;
  log << "customer_id,ordered_at,amount\n";
  for (std::string id, sample_id, date, cds, dollars; in >> id >> sample_id >> date >> cds >> dollars;) {
    log << id << "," << date << ",10\n";
  }
  ASSERT_EQ(Cli("ingest --kind orders " + File("purchases.csv", log.str())).exit_code, 0);
  auto run = Cli("run --as-of 1997-09-30");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Gamma-Gamma not used: "), std::string::npos) << run.out;
  EXPECT_EQ(Value("SELECT fitted, r IS NOT NULL, bgnbd_converged, bgnbd_iterations > 0, p IS NULL AND q IS NULL, "
                  "gamma_gamma_iterations > 0 FROM gold.clv_model"), "true|true|true|true|true|true");
  EXPECT_EQ(Value("SELECT count(*) FROM gold.clv_model WHERE gamma_gamma_converged"), "0");
  EXPECT_EQ(Value("SELECT count(predicted_clv), count(p_alive) > 0 FROM gold.customer_clv"), "0|true");
}

// A subscription table: customers with a churned flag and no dates anywhere. `run` and
// `evaluate churn --label` work as of the ingest time, and say so.
TEST_F(FirstContactTest, CustomersWithALabelAndNoDatesTakeTheSubscriptionPath) {
  std::ostringstream csv;
  csv << "customer_id,plan,monthly_fee,support_calls,churned\n";
  for (int i = 0; i < 600; ++i) {
    const int calls = i % 7, fee = 20 + (i * 37) % 60;
    const bool churned = (calls * 9 + (fee > 60 ? 25 : 0) + (i * 53) % 31) > 45;
    csv << "S" << i << "," << (i % 3 ? "basic" : "premium") << "," << fee << "," << calls << "," << churned << "\n";
  }
  ASSERT_EQ(Cli("ingest " + File("customers.csv", csv.str())).exit_code, 0);
  auto run = Cli("run");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("note: the data has no dates"), std::string::npos) << run.out;
  EXPECT_EQ(Value("SELECT count(*) FROM gold.customer_scores"), "600");
  auto eval = Cli("evaluate churn --label churned --json");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_NE(eval.err.find("as of its latest ingest"), std::string::npos) << eval.err;
  std::smatch m;  // the model's (top-level, two spaces in), not the heuristic's
  ASSERT_TRUE(std::regex_search(eval.out, m, std::regex(R"(\n  "roc_auc": ([0-9.]+))"))) << eval.out;
  EXPECT_GT(std::stod(m[1]), 0.75) << eval.out;
  auto summary = Cli("summary");
  ASSERT_EQ(summary.exit_code, 0) << summary.err;
  EXPECT_NE(summary.out.find("average lifetime value needs orders"), std::string::npos) << summary.out;
  ExpectNoBlankFigure(summary.out);
}

// Reviews only: the text outputs, the reviewers as customers; a review that is only a newline
// has no text.
TEST_F(FirstContactTest, ReviewsOnlyGiveTheTextOutputs) {
  std::ostringstream csv;
  csv << "review_id,customer_id,rating,review_text,created_at\n";
  const char* texts[] = {"\"Great quality, fast delivery, love it\"", "\"Terrible, it broke after two days\"",
                         "Okay product but the delivery was slow", "\"\n\""};
  for (int i = 0; i < 40; ++i) {
    csv << "R" << i << ",U" << i % 25 << "," << 1 + i % 5 << "," << texts[i % 4] << ",2025-0" << 1 + i % 9 << "-1"
        << i % 10 << "\n";
  }
  auto ingest = Cli("ingest " + File("reviews.csv", csv.str()));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_EQ(Value("SELECT count(*), count(review_text) FROM silver.reviews"), "40|30");
  auto run = Cli("run");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Value("SELECT count(*) FROM gold.customer_scores"), "25");
  EXPECT_EQ(Value("SELECT count(*) > 0 FROM gold.review_insights"), "true");
  auto summary = Cli("summary");
  ASSERT_EQ(summary.exit_code, 0) << summary.err;
  EXPECT_NE(summary.out.find("25 customers"), std::string::npos) << summary.out;
  ExpectNoBlankFigure(summary.out);
}

// A customers file after the orders enriches the very rows the orders implied: the same
// silver.customers as customers first.
TEST_F(FirstContactTest, CustomersArrivingLaterEnrichTheSameRows) {
  const std::string orders = File("orders.csv", Orders(30, true, true));
  std::ostringstream customers;
  customers << "customer_id,plan,region\n";
  for (int i = 0; i < 30; i += 2) customers << "C" << i << "," << (i % 4 ? "pro" : "free") << ",EU\n";
  const std::string people = File("customers.csv", customers.str());
  ASSERT_EQ(Cli("ingest " + orders).exit_code, 0);
  auto later = Cli("ingest " + people);
  ASSERT_EQ(later.exit_code, 0) << later.err;
  constexpr char kCustomers[] =
      "SELECT customer_id, plan, region, implied_by FROM silver.customers ORDER BY customer_id";
  const std::string orders_first = Rows(kCustomers);
  EXPECT_EQ(Value("SELECT count(*), count(plan), count(implied_by) FROM silver.customers"), "30|15|15");
  std::filesystem::remove(Db());
  ASSERT_EQ(Cli("ingest " + people).exit_code, 0);
  ASSERT_EQ(Cli("ingest " + orders).exit_code, 0);
  EXPECT_EQ(Rows(kCustomers), orders_first);
  ASSERT_EQ(Cli("run").exit_code, 0);
  EXPECT_EQ(Value("SELECT count(*), count(plan) FROM gold.customer_features"), "30|15");
}

// CDNOW_master.txt as published (whitespace-aligned, YYYYMMDD dates, CRLF, no order ids):
// sniffed, loaded whole, 23,570 customers scored; `doctor` lists what is missing.
TEST_F(FirstContactTest, CdnowMasterAsPublishedScoresEveryCustomer) {
  auto ingest = Cli("ingest --kind orders --map ordered_at=date,amount=dollar_value " + kCdnow + "CDNOW_master.txt");
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_NE(ingest.out.find("as whitespace-aligned columns"), std::string::npos) << ingest.out;
  EXPECT_EQ(Value("SELECT count(*), count(DISTINCT customer_id), min(ordered_at)::DATE, max(ordered_at)::DATE, "
                  "round(sum(amount), 2) FROM silver.orders"),
            "69659|23570|1997-01-01|1998-06-30|2500315.63");
  EXPECT_EQ(Value("SELECT count(*) FROM bronze.rejects"), "0");
  auto run = Cli("run");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Value("SELECT count(*) FROM gold.customer_scores"), "23570");
  auto doctor = Cli("doctor");
  ASSERT_EQ(doctor.exit_code, 0) << doctor.err;
  EXPECT_NE(doctor.out.find("recommendations: needs order_items"), std::string::npos) << doctor.out;
  EXPECT_NE(doctor.out.find("Next file to add: order_items"), std::string::npos) << doctor.out;
  auto json = Cli("doctor --json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find("\"customers\": 23570"), std::string::npos) << json.out;
}

// The published 1/10 sample (no header; five columns) fitted as of 1997-09-30 in weeks gives
// Fader, Hardie & Lee's BG/NBD estimates.
TEST_F(FirstContactTest, CdnowSampleGivesThePublishedBgNbd) {
  auto ingest = Cli("ingest --kind orders --map customer_id=column0,ordered_at=column2,amount=column4 " + kCdnow +
                    "CDNOW_sample.txt");
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_EQ(Value("SELECT count(DISTINCT customer_id) FROM silver.orders"), "2357");
  auto run = Cli("run --as-of 1997-09-30");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto r = Rows("SELECT r, alpha, a, b, bgnbd_converged FROM gold.clv_model");
  double got[4];
  char converged[8] = {0};
  ASSERT_EQ(std::sscanf(r.c_str(), "%lf|%lf|%lf|%lf|%7s", &got[0], &got[1], &got[2], &got[3], converged), 5) << r;
  const double want[] = {0.243, 4.414, 0.793, 2.426};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(got[i], want[i], want[i] * 0.01) << i << ": " << r;
  EXPECT_STREQ(converged, "true");
}

// A line with another number of fields names the file, the line and what was expected.
TEST_F(FirstContactTest, WhitespaceFileErrorsNameTheLine) {
  const std::string f = File("log.txt", " id  date  amount\n 1 19970101 1.5\n 2 19970102\n\n 3 19970103 2.5\n");
  auto ingest = Cli("ingest --kind orders --map customer_id=id,ordered_at=date " + f);
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_EQ(Rows("SELECT _line, reason FROM bronze.rejects"),
            "3|expected 3 whitespace-separated fields (id, date, amount), found 2\n");
  EXPECT_EQ(Rows("SELECT order_id, customer_id, amount FROM silver.orders ORDER BY order_id"),
            "log.txt:2|1|1.5\nlog.txt:5|3|2.5\n");
}

// A marketplace-shaped export: one item line per unit (they add up), reviews keyed by order
// (attributed to its customer), order amounts from the items, files named by the marketplace
// (per-file kinds, per-kind maps), a file that is not a kind (listed, the rest loaded).
TEST_F(FirstContactTest, MarketplaceExportLosesNothing) {
  const std::string dir = dir_.File("market");
  std::filesystem::create_directories(dir);
  testing::WriteFile(dir + "/mp_orders.csv",
                     "order_id,customer_id,order_purchase_timestamp,order_status\n"
                     "A1,K1,2018-01-02 10:00:00,delivered\nA2,K2,2018-01-03 11:00:00,delivered\n"
                     "A3,K1,2018-02-05 12:00:00,shipped\nA4,K3,2018-03-01 09:00:00,unavailable\n");
  testing::WriteFile(dir + "/mp_items.csv",
                     "order_id,order_item_id,product_id,price\n"
                     "A1,1,P1,10.5\nA1,2,P1,10.5\nA1,3,P2,4\nA2,1,P3,99.9\nA3,1,P1,10.5\nA3,2,P1,10.5\nA3,3,P1,10.5\n");
  testing::WriteFile(dir + "/mp_reviews.csv",
                     "review_id,order_id,review_score,review_comment_message,review_creation_date\n"
                     "V1,A1,5,ótimo,2018-01-10\nV2,A2,1,\"\n\",2018-01-11\n");
  testing::WriteFile(dir + "/geolocation.csv", "zip,lat,lng\n1,2,3\n");
  auto ingest = Cli("ingest --dir " + dir +
                    " --kind mp_orders.csv=orders,mp_items.csv=order_items,mp_reviews=reviews"
                    " --map orders:ordered_at=order_purchase_timestamp,orders:status=order_status,"
                    "order_items:unit_price=price,reviews:rating=review_score,reviews:review_text=review_comment_message,"
                    "reviews:created_at=review_creation_date");
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err << ingest.out;
  EXPECT_NE(ingest.out.find("not loaded: " + dir + "/geolocation.csv"), std::string::npos) << ingest.out;
  EXPECT_NE(ingest.out.find("3 repeated lines of a product in an order added"), std::string::npos) << ingest.out;
  EXPECT_NE(ingest.out.find("2 reviews/tickets naming an order were given the order's customer"), std::string::npos)
      << ingest.out;
  EXPECT_NE(ingest.out.find("3 orders without an amount took the sum of their items"), std::string::npos) << ingest.out;
  // Every unit line is a unit: 7 lines, 7 units, the same money.
  EXPECT_NE(ingest.out.find("5 summed lines had no quantity and counted as 1 unit"), std::string::npos) << ingest.out;
  EXPECT_EQ(Value("SELECT count(*), sum(coalesce(quantity, 1)), round(sum(coalesce(quantity, 1) * unit_price), 2) "
                  "FROM silver.order_items"), "4|7.0|156.4");
  EXPECT_EQ(Rows("SELECT order_id, amount, amount_source FROM silver.orders ORDER BY order_id"),
            "A1|25.0|items\nA2|99.9|items\nA3|31.5|items\nA4|NULL|NULL\n");
  EXPECT_NE(ingest.out.find("status 'unavailable': 1 orders — not counted as purchases"), std::string::npos)
      << ingest.out;
  EXPECT_EQ(Rows("SELECT review_id, customer_id, review_text FROM silver.reviews ORDER BY review_id"),
            "V1|K1|ótimo\nV2|K2|NULL\n");
  // The same folder again changes nothing.
  auto again = Cli("ingest --dir " + dir +
                   " --kind mp_orders.csv=orders,mp_items.csv=order_items,mp_reviews=reviews"
                   " --map orders:ordered_at=order_purchase_timestamp,orders:status=order_status,"
                   "order_items:unit_price=price,reviews:rating=review_score,"
                   "reviews:review_text=review_comment_message,reviews:created_at=review_creation_date");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Value("SELECT sum(loaded + updated) FROM meta.ingest_batches WHERE batch_id > 3"), "0");
  // A plain --map is ambiguous across a folder's kinds.
  auto plain = Cli("ingest --dir " + dir + " --map ordered_at=order_purchase_timestamp");
  EXPECT_EQ(plain.exit_code, 2) << plain.out;
  EXPECT_NE(plain.err.find("kind:target=source"), std::string::npos) << plain.err;
}

// Person ids (the Olist layout): the customers file maps each order-level customer_id to a
// customer_unique_id. Orders first, then customers: the implied order-level customers merge
// into their persons; customers first, then orders: orders are filed under the person on
// arrival. Both give the same silver, a re-ingest changes nothing, and `run` scores persons.
TEST_F(FirstContactTest, PersonIdsMergeAPersonsOrderLevelIds) {
  const std::string orders = File("orders.csv",
                                  "order_id,customer_id,ordered_at,amount\n"
                                  "O1,c1,2018-01-02 10:00:00,10\nO2,c2,2018-02-03 11:00:00,20\n"
                                  "O3,c3,2018-03-05 12:00:00,30\nO4,c4,2018-04-01 09:00:00,40\n");
  const std::string reviews = File("reviews.csv",
                                   "review_id,customer_id,rating,review_text,created_at\n"
                                   "R1,c2,4,fine,2018-02-10\nR2,c4,2,late,2018-04-09\n");
  // Person U1 ordered as c1 and c2, U2 as c3; c4 is its own person (U4) with no alias line.
  const std::string customers = File("customers.csv",
                                     "customer_id,customer_unique_id,customer_city\n"
                                     "c1,U1,recife\nc2,U1,recife\nc3,U2,natal\nc4,U4,sao paulo\n");
  const std::string map = " --kind customers --map customer_id=customer_unique_id,alias_id=customer_id";
  ASSERT_EQ(Cli("ingest " + orders).exit_code, 0);
  ASSERT_EQ(Cli("ingest " + reviews).exit_code, 0);
  EXPECT_EQ(Value("SELECT count(*) FROM silver.customers"), "4");  // c1..c4 implied
  auto ingest = Cli("ingest " + customers + map);
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err << ingest.out;
  EXPECT_NE(ingest.out.find("4 ids other tables carry (alias_id) mapped to their person's customer_id"),
            std::string::npos) << ingest.out;
  EXPECT_NE(ingest.out.find("6 rows naming an alias id were filed under its person"), std::string::npos) << ingest.out;
  EXPECT_NE(ingest.out.find("4 customers known only by an alias id were merged into their person"), std::string::npos)
      << ingest.out;
  EXPECT_NE(ingest.out.find("1 lines repeat an earlier line's customers key"), std::string::npos) << ingest.out;
  const std::string persons = "U1|2\nU2|1\nU4|1\n";
  EXPECT_EQ(Rows("SELECT customer_id, count(*) FROM silver.orders GROUP BY 1 ORDER BY 1"), persons);
  EXPECT_EQ(Rows("SELECT customer_id, implied_by IS NULL FROM silver.customers ORDER BY 1"), "U1|true\nU2|true\nU4|true\n");
  EXPECT_EQ(Rows("SELECT review_id, customer_id FROM silver.reviews ORDER BY 1"), "R1|U1\nR2|U4\n");
  // The same files again: nothing changes.
  ASSERT_EQ(Cli("ingest " + orders).exit_code, 0);
  ASSERT_EQ(Cli("ingest " + customers + map).exit_code, 0);
  EXPECT_EQ(Value("SELECT sum(loaded + updated) FROM meta.ingest_batches WHERE batch_id > 3"), "0");
  EXPECT_EQ(Rows("SELECT customer_id, count(*) FROM silver.orders GROUP BY 1 ORDER BY 1"), persons);
  auto run = Cli("run");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Value("SELECT count(*) FROM gold.customer_scores"), "3");
  EXPECT_EQ(Value("SELECT frequency FROM gold.customer_features WHERE customer_id = 'U1'"), "2");

  // The other order, in a fresh database: customers first, orders filed under persons on arrival.
  for (const std::string& p : {Db(), Db() + ".wal", Db() + ".bronze"}) std::filesystem::remove_all(p);
  ASSERT_EQ(Cli("ingest " + customers + map).exit_code, 0);
  auto later = Cli("ingest " + orders);
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_NE(later.out.find("4 rows naming an alias id were filed under its person"), std::string::npos) << later.out;
  EXPECT_EQ(later.out.find("in no customers file"), std::string::npos) << later.out;  // no alias implied
  EXPECT_EQ(Rows("SELECT customer_id, count(*) FROM silver.orders GROUP BY 1 ORDER BY 1"), persons);
  EXPECT_EQ(Value("SELECT count(*) FROM silver.customers"), "3");
  ASSERT_EQ(Cli("ingest " + orders).exit_code, 0);
  EXPECT_EQ(Value("SELECT loaded + updated FROM meta.ingest_batches ORDER BY batch_id DESC LIMIT 1"), "0");
}

}  // namespace
}  // namespace custintel::ingest
