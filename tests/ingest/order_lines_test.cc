// Line-level sales (--kind order_lines) as a user loads them: the UCI "Online Retail" export's
// header mapped with --map, through the real binary. Derived orders, items, products and
// customers; cancellations and returns as refunds; anonymous sales kept and counted; bad lines
// quarantined; the same file twice a no-op; `custintel run` on the result.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "ingest/cli_db_fixture.h"

namespace custintel::ingest {
namespace {

// Online Retail's own rows (a few edited), line numbers as the file has them (header = 1).
constexpr char kOnlineRetail[] =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom\n"  // 2
    "536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom\n"
    "536365,84406B,CREAM CUPID HEARTS COAT HANGER,8,12/1/2010 8:26,2.75,17850,United Kingdom\n"
    "536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850,United Kingdom\n"  // 5
    "536366,22632,HAND WARMER RED POLKA DOT,6,12/1/2010 8:28,1.85,17850,United Kingdom\n"
    "536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,12/1/2010 8:34,1.69,13047,United Kingdom\n"
    "536367,22745,POPPY'S PLAYHOUSE BEDROOM ,6,12/1/2010 8:34,2.1,13047,United Kingdom\n"
    "536367,22748,POPPY'S PLAYHOUSE KITCHEN,6,12/1/2010 8:34,2.1,13047,United Kingdom\n"
    "536367,22749,FELTCRAFT PRINCESS CHARLOTTE DOLL,8,12/1/2010 8:34,3.75,13047,United Kingdom\n"  // 10
    "536367,84879,ASSORTED COLOUR BIRD ORNAMENT,8,12/1/2010 8:34,1.69,13047,United Kingdom\n"
    "536368,22960,JAM MAKING SET WITH JARS,6,12/1/2010 8:34,4.25,13047,United Kingdom\n"
    "536368,22913,RED COAT RACK PARIS FASHION,3,12/1/2010 8:34,4.95,13047,United Kingdom\n"
    "536370,22728,ALARM CLOCK BAKELIKE PINK,24,12/1/2010 8:45,3.75,12583,France\n"
    "536370,22727,ALARM CLOCK BAKELIKE RED ,24,12/1/2010 8:45,3.75,12583,France\n"  // 15
    "536370,POST,POSTAGE,3,12/1/2010 8:45,18,12583,France\n"
    "C536379,D,Discount,-1,12/1/2010 9:41,27.5,14527,United Kingdom\n"
    "C536383,35004C,SET OF 3 COLOURED  FLYING DUCKS,-1,12/1/2010 9:49,4.65,15311,United Kingdom\n"
    "536381,22719,GUMBALL MONOCHROME COAT RACK,-2,12/1/2010 9:41,1.25,15311,United Kingdom\n"
    "536414,22139,,56,12/1/2010 11:52,0,,United Kingdom\n"  // 20
    "536544,21773,DECORATIVE ROSE BATHROOM BOTTLE,1,12/1/2010 14:32,2.51,,United Kingdom\n"
    "536544,21774,DECORATIVE CATS BATHROOM BOTTLE,2,12/1/2010 14:32,2.51,,United Kingdom\n"
    "536544,21786,POLKADOT RAIN HAT ,4,12/1/2010 14:32,0.85,,United Kingdom\n"
    "536545,21800,STAR WOODEN CHRISTMAS DECORATION,1,12/1/2010 14:35,0.85,,United Kingdom\n"
    "536390,22941,CHRISTMAS LIGHTS 10 REINDEER,2,12/1/2010 10:19,abc,17511,United Kingdom\n"  // 25
    "536391,22945,CHRISTMAS CRAFT TREE TOP ANGEL,6,not a date,2.1,17511,United Kingdom\n"
    "A563185,B,Adjust bad debt,1,8/12/2011 14:50,-11062.06,,United Kingdom\n"
    "536392,22150,3 STRIPEY MICE FELTCRAFT,6,12/1/2010 10:29,1.65,13705,United Kingdom\n"
    "536392,22755,SMALL PURPLE BABUSHKA NOTEBOOK ,12,12/1/2010 10:29,0.85,13705,United Kingdom\n"
    "536395,85123A,CREAM HANGING HEART T-LIGHT HOLDER,32,12/1/2010 10:47,2.55,13767,United Kingdom\n"  // 30
    "536396,,NO PRODUCT,1,12/1/2010 10:51,2,17850,United Kingdom\n";

constexpr char kMap[] =
    "order_id=InvoiceNo,product_id=StockCode,description=Description,quantity=Quantity,"
    "ordered_at=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID,country=Country";

// The counts printed on the row of `kind`, space-separated, without the source column.
std::string CountsOf(const std::string& out, const std::string& kind) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string word, counts;
    if (!(words >> word) || word != kind) continue;
    while (words >> word && word.find('/') == std::string::npos) counts += (counts.empty() ? "" : " ") + word;
    return counts;
  }
  return "(no row " + kind + ")";
}

// What the output says order_lines derived into silver.<table> ("13 loaded, 0 updated, ...").
std::string DerivedOf(const std::string& out, const std::string& table) {
  const std::string prefix = "order_lines → silver." + table + ": ";
  auto at = out.find(prefix);
  if (at == std::string::npos) return "(no line for " + table + ")";
  at += prefix.size();
  return out.substr(at, out.find('\n', at) - at);
}

class OrderLinesTest : public testing::CliDbTest {
 protected:
  void SetUp() override {
    if (!std::getenv("CUSTINTEL_BIN")) GTEST_SKIP() << "CUSTINTEL_BIN is not set (run through ctest)";
    testing::WriteFile(Csv(), kOnlineRetail);
  }
  std::string Csv() const { return dir_.File("online_retail.csv"); }
  testing::CommandResult Ingest() {
    return testing::RunCli("ingest --db " + Db() + " --kind order_lines --map " + kMap + " " + Csv());
  }
};

TEST_F(OrderLinesTest, OnlineRetailExportDerivesOrdersItemsProductsAndRefunds) {
  auto run = Ingest();
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  // read, loaded (orders), updated, unchanged, rejected, orphans, anonymous, refunds
  EXPECT_EQ(CountsOf(run.out, "order_lines"), "30 13 0 0 4 0 3 3") << run.out;
  EXPECT_EQ(DerivedOf(run.out, "orders"), "13 loaded, 0 updated, 0 unchanged") << run.out;
  EXPECT_EQ(DerivedOf(run.out, "order_items"), "25 loaded, 0 updated, 0 unchanged") << run.out;
  EXPECT_EQ(DerivedOf(run.out, "products"), "24 loaded, 0 updated, 0 unchanged") << run.out;
  EXPECT_EQ(DerivedOf(run.out, "customers"), "7 loaded, 0 updated, 0 unchanged") << run.out;
  EXPECT_EQ(Rows("SELECT count(*) FROM bronze.order_lines"), "30\n");
  EXPECT_EQ(Rows("SELECT _line, column_name, reason FROM bronze.rejects ORDER BY _line"),
            "25|unit_price|unit_price 'abc' is not a number\n"
            "26|ordered_at|ordered_at 'not a date' is not a timestamp (ISO 8601, MM/DD/YYYY or DD.MM.YYYY, "
            "optional zone)\n"
            "27|unit_price|unit_price -11062.06 is negative\n"
            "31|product_id|product_id is missing\n");
  EXPECT_EQ(Rows("SELECT order_id, coalesce(customer_id, '-'), ordered_at::VARCHAR, amount, status, "
                 "attributes->>'country' FROM silver.orders ORDER BY order_id"),
            "536365|17850|2010-12-01 08:26:00+00|57.64|completed|United Kingdom\n"
            "536366|17850|2010-12-01 08:28:00+00|22.2|completed|United Kingdom\n"
            "536367|13047|2010-12-01 08:34:00+00|122.8|completed|United Kingdom\n"
            "536368|13047|2010-12-01 08:34:00+00|40.35|completed|United Kingdom\n"
            "536370|12583|2010-12-01 08:45:00+00|234.0|completed|France\n"
            "536381|15311|2010-12-01 09:41:00+00|-2.5|refunded|United Kingdom\n"
            "536392|13705|2010-12-01 10:29:00+00|20.1|completed|United Kingdom\n"
            "536395|13767|2010-12-01 10:47:00+00|81.6|completed|United Kingdom\n"
            "536414|-|2010-12-01 11:52:00+00|0.0|completed|United Kingdom\n"
            "536544|-|2010-12-01 14:32:00+00|10.93|completed|United Kingdom\n"
            "536545|-|2010-12-01 14:35:00+00|0.85|completed|United Kingdom\n"
            "C536379|14527|2010-12-01 09:41:00+00|-27.5|refunded|United Kingdom\n"
            "C536383|15311|2010-12-01 09:49:00+00|-4.65|refunded|United Kingdom\n");
  // The repeated line of a product is summed into one item.
  EXPECT_EQ(Rows("SELECT count(*), sum(quantity) FILTER (WHERE order_id = '536367' AND product_id = '84879'), "
                 "max(unit_price) FILTER (WHERE order_id = '536367' AND product_id = '84879') FROM silver.order_items"),
            "25|40.0|1.69\n");
  // Product names from descriptions, the later line winning; no positive price → NULL.
  EXPECT_EQ(Rows("SELECT count(*), max(name) FILTER (WHERE product_id = '85123A'), "
                 "count(*) FILTER (WHERE product_id = '22139' AND name IS NULL AND price IS NULL) FROM silver.products"),
            "24|CREAM HANGING HEART T-LIGHT HOLDER|1\n");
  // Every named customer exists (the one with only rejected lines does not), with the country.
  EXPECT_EQ(Rows("SELECT string_agg(customer_id || ':' || region, ',' ORDER BY customer_id) FROM silver.customers"),
            "12583:France,13047:United Kingdom,13705:United Kingdom,13767:United Kingdom,"
            "14527:United Kingdom,15311:United Kingdom,17850:United Kingdom\n");
}

TEST_F(OrderLinesTest, SameFileTwiceChangesNothing) {
  ASSERT_EQ(Ingest().exit_code, 0);
  const std::string silver =
      "SELECT (SELECT count(*) || ':' || sum(hash(o)) FROM silver.orders o), "
      "(SELECT count(*) || ':' || sum(hash(i)) FROM silver.order_items i), "
      "(SELECT count(*) || ':' || sum(hash(p)) FROM silver.products p), "
      "(SELECT count(*) || ':' || sum(hash(c)) FROM silver.customers c)";
  const std::string before = Rows(silver);
  auto again = Ingest();
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(CountsOf(again.out, "order_lines"), "30 0 0 13 4 0 3 3") << again.out;
  EXPECT_EQ(DerivedOf(again.out, "order_items"), "0 loaded, 0 updated, 25 unchanged") << again.out;
  EXPECT_EQ(DerivedOf(again.out, "products"), "0 loaded, 0 updated, 24 unchanged") << again.out;
  EXPECT_EQ(DerivedOf(again.out, "customers"), "0 loaded, 0 updated, 0 unchanged") << again.out;  // known now
  EXPECT_EQ(Rows(silver), before);
}

TEST_F(OrderLinesTest, ProductsFileKeepsItsCategoriesAndCustomersFileWins) {
  testing::WriteFile(dir_.File("products.csv"), "product_id,name,category,price\nPOST,Postage,shipping,18\n");
  testing::WriteFile(dir_.File("customers.csv"), "customer_id,email,region\n12583,a@example.fr,EU-West\n");
  for (const char* f : {"products.csv", "customers.csv"}) {
    ASSERT_EQ(testing::RunCli("ingest --db " + Db() + " " + dir_.File(f)).exit_code, 0) << f;
  }
  ASSERT_EQ(Ingest().exit_code, 0);
  EXPECT_EQ(Rows("SELECT name, category, price FROM silver.products WHERE product_id = 'POST'"),
            "POSTAGE|shipping|18.0\n");
  EXPECT_EQ(Rows("SELECT email, region FROM silver.customers WHERE customer_id = '12583'"),
            "a@example.fr|EU-West\n");
}

TEST_F(OrderLinesTest, RunLeavesRefundsAndAnonymousSalesOutOfPurchases) {
  ASSERT_EQ(Ingest().exit_code, 0);
  auto run = testing::RunCli("run --db " + Db());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  // 17850: two purchases (57.64 + 22.2); 15311 and 14527: only refunds, so no purchase at all.
  EXPECT_EQ(Rows("SELECT customer_id, frequency, round(lifetime_value, 2) FROM gold.customer_features "
                 "WHERE customer_id IN ('17850', '15311', '14527') ORDER BY customer_id"),
            "14527|0|0.0\n15311|0|0.0\n17850|2|79.84\n");
  EXPECT_EQ(Rows("SELECT count(*) FROM gold.customer_features"), "7\n");
}

TEST_F(OrderLinesTest, StatusAndCancelledColumnsMarkRefundsAndRejectsAreListed) {
  testing::WriteFile(dir_.File("order_lines.csv"),
                     "order_id,customer_id,ordered_at,product_id,quantity,unit_price,status,cancelled,channel\n"
                     "o1,c1,2026-01-02T10:00:00Z,p1,2,5,shipped,false,web\n"
                     "o2,c1,2026-01-03T10:00:00Z,p1,1,5,Cancelled by customer,,web\n"
                     "o3,c2,2026-01-04T10:00:00Z,p2,1,7.5,,true,store\n"
                     "o4,c2,2026-01-05T10:00:00Z,p2,two,7.5,,,store\n");
  auto run = testing::RunCli("ingest --db " + Db() + " " + dir_.File("order_lines.csv"));  // kind from the name
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(CountsOf(run.out, "order_lines"), "4 3 0 0 1 0 0 2") << run.out;
  EXPECT_EQ(Rows("SELECT order_id, amount, status, channel FROM silver.orders ORDER BY order_id"),
            "o1|10.0|shipped|web\no2|-5.0|Cancelled by customer|web\no3|-7.5|refunded|store\n");
  auto rejects = testing::RunCli("rejects --db " + Db() + " --kind order_lines --json");
  ASSERT_EQ(rejects.exit_code, 0) << rejects.err;
  EXPECT_NE(rejects.out.find("quantity 'two' is not a number"), std::string::npos) << rejects.out;
}

TEST_F(OrderLinesTest, AMissingRequiredColumnNamesItAndWritesNothing) {
  auto run = testing::RunCli("ingest --db " + Db() + " --kind order_lines --map order_id=InvoiceNo " + Csv());
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("required column 'ordered_at' is missing"), std::string::npos) << run.err;
  EXPECT_EQ(Rows("SELECT count(*) FROM silver.orders"), "0\n");
}

}  // namespace
}  // namespace custintel::ingest
