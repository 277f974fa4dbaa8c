#include "core/toml_json.h"

#include <gtest/gtest.h>

namespace custintel {
namespace {

TEST(TomlJson, TablesArraysAndScalarsBecomeJson) {
  auto doc = ParseTomlAsJson(
      "[model]\nname = \"shop\"\ndefault_top = 10\nratio = 0.5\nstrict = true\nsince = 2026-01-15\n"
      "[[measures]]\nname = \"revenue\"\non = [[\"orders\", \"sum(o.amount)\"]]\n"
      "[[measures]]\nname = \"customers\"\n",
      "m.toml");
  ASSERT_TRUE(doc.ok()) << doc.status().message();
  const nlohmann::json& j = *doc;
  EXPECT_EQ(j["model"]["name"], "shop");
  EXPECT_TRUE(j["model"]["default_top"].is_number_integer());
  EXPECT_EQ(j["model"]["default_top"], 10);
  EXPECT_DOUBLE_EQ(j["model"]["ratio"].get<double>(), 0.5);
  EXPECT_EQ(j["model"]["strict"], true);
  EXPECT_EQ(j["model"]["since"], "2026-01-15");
  ASSERT_EQ(j["measures"].size(), 2u);
  EXPECT_EQ(j["measures"][0]["on"][0][1], "sum(o.amount)");
  EXPECT_EQ(j["measures"][1]["name"], "customers");
}

TEST(TomlJson, AParseErrorNamesTheSourceAndLine) {
  auto bad = ParseTomlAsJson("[model]\nname = \"shop\"\nbroken = \n", "m.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("m.toml line 3"), std::string::npos) << bad.status().message();
}

}  // namespace
}  // namespace custintel
