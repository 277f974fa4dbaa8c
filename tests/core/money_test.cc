// Money as text in the data's currency (core/money.h) and the [orders] purchase rule as SQL
// macros (core/order_status.h): the one formatter and the one rule every consumer uses.
#include "core/money.h"

#include <gtest/gtest.h>

#include "core/config.h"
#include "core/order_status.h"

namespace custintel {
namespace {

TEST(MoneyText, InTheDataCurrencyNeverADollarByDefault) {
  EXPECT_EQ(MoneyText(1234.5, "USD", 0), "$1,235");
  EXPECT_EQ(MoneyText(1234.5, "brl", 0), "BRL 1,235");
  EXPECT_EQ(MoneyText(-12.5, "EUR", 2), "-\xE2\x82\xAC" "12.50");
  EXPECT_EQ(MoneyText(-0.001, "GBP", 2), "\xC2\xA3" "0.00");  // no "-0"
  EXPECT_EQ(MoneyText(99, "", 2), "99.00");
  EXPECT_EQ(MoneyText(1500000, "R$", 0), "BRL 1,500,000");
  EXPECT_EQ(MoneyText(7, "Kr", 0), "Kr7");  // a symbol it does not know stays as given
  EXPECT_EQ(CurrencyCode(" $ "), "USD");
  EXPECT_TRUE(IsCurrencyCode("BRL"));
  EXPECT_FALSE(IsCurrencyCode("NPS"));
}

TEST(OrdersRule, DefaultsAndConfiguredWordsBecomeTheMacros) {
  const OrdersConfig defaults = DefaultConfig().orders;
  EXPECT_TRUE(defaults.unknown_is_purchase);
  const std::string sql = OrderStatusMacrosSql(defaults);
  for (const char* word : {"'cancel'", "'refund'", "'return'", "'unavailable'", "'deliver'"}) {
    EXPECT_NE(sql.find(word), std::string::npos) << word;
  }
  EXPECT_NE(sql.find("IN ('purchase', 'unknown')"), std::string::npos) << sql;
  auto strict = ParseConfig("[orders]\nexcluded_statuses = [\"On Hold\", \"it's\"]\nunknown_statuses = \"excluded\"\n",
                            "t.toml", DefaultConfig());
  ASSERT_TRUE(strict.ok()) << strict.status().message();
  EXPECT_EQ(strict->orders.excluded_statuses, (std::vector<std::string>{"on hold", "it's"}));
  const std::string strict_sql = OrderStatusMacrosSql(strict->orders);
  EXPECT_NE(strict_sql.find("'it''s'"), std::string::npos) << strict_sql;  // quoted as SQL
  EXPECT_NE(strict_sql.find("IN ('purchase')"), std::string::npos) << strict_sql;
  EXPECT_NE(DescribeOrdersRule(strict->orders), DescribeOrdersRule(defaults));
  EXPECT_FALSE(ParseConfig("[orders]\npurchase_statuses = \"paid\"\n", "t.toml", DefaultConfig()).ok());
}

}  // namespace
}  // namespace custintel
