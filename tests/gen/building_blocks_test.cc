// CSV formatting and phrase banks: the building blocks of the synthetic shop.
#include <gtest/gtest.h>

#include "gen/csv_buffer.h"
#include "gen/phrase_bank.h"
#include "gen/text_composer.h"

namespace custintel::gen {
namespace {

TEST(CsvBuffer, QuotesOnlyWhenNeededAndDoublesQuotes) {
  CsvBuffer b;
  b.Text("plain").Text("a,b").Text("say \"hi\"").Text("two\nlines").Money(1905).Money(7).EndRow();
  EXPECT_EQ(b.str(), "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",19.05,0.07\n");
}

TEST(CsvBuffer, TimestampsAreIsoUtcAndRoundTrip) {
  int64_t t = 0;
  ASSERT_TRUE(ParseTimestamp("2025-03-14T10:22:05Z", &t));
  EXPECT_EQ(t, 1741947725);
  CsvBuffer b;
  b.Timestamp(t).Date(t).Timestamp(951782400).EndRow();  // 2000-02-29: a leap day
  EXPECT_EQ(b.str(), "2025-03-14T10:22:05Z,2025-03-14,2000-02-29T00:00:00Z\n");
  EXPECT_FALSE(ParseTimestamp("2025-13-01T00:00:00Z", &t));
  EXPECT_FALSE(ParseTimestamp("yesterday", &t));
}

TEST(PhraseBank, EmbeddedBankCoversEveryThemeAndRootCause) {
  Result<PhraseBank> bank = PhraseBank::LoadEmbedded();
  ASSERT_TRUE(bank.ok()) << bank.status().message();
  for (int t = 0; t < kThemeCount; ++t) {
    const std::string_view theme = ThemeName(static_cast<Theme>(t));
    EXPECT_FALSE(bank->Get("clause", theme, -1).empty()) << theme;
    EXPECT_FALSE(bank->Get("clause", theme, 1).empty()) << theme;
  }
  for (int r = 0; r < kRootCauseCount; ++r) {
    const std::string_view rc = Info(static_cast<RootCause>(r)).name;
    EXPECT_FALSE(bank->Get("subject", rc).empty()) << rc;
    EXPECT_FALSE(bank->Get("issue", rc).empty()) << rc;
  }
}

TEST(PhraseBank, MalformedLineIsReportedWithItsNumber) {
  Result<PhraseBank> bank = PhraseBank::Parse("# comment\nclause\tshipping\tx\ttext\n");
  ASSERT_FALSE(bank.ok());
  EXPECT_NE(bank.status().message().find("line 2"), std::string::npos);
}

TEST(TextComposer, ContrastReviewCarriesBothThemesWithTheirPolarity) {
  Result<PhraseBank> bank = PhraseBank::LoadEmbedded();
  ASSERT_TRUE(bank.ok());
  const TextComposer composer(*bank);
  const ThemeMention drivers[] = {{Theme::kPackaging, -2}, {Theme::kShipping, 2}};
  const Theme topics[] = {Theme::kQuality};
  Rng rng(5);
  bool saw_contrast = false;
  for (int i = 0; i < 200 && !saw_contrast; ++i) {
    ComposedReview r = composer.Review(rng, -1, drivers, topics, {"Kettle", "Home & Kitchen", 4, {}});
    ASSERT_FALSE(r.text.empty());
    EXPECT_EQ(r.themes[0].theme, Theme::kPackaging);
    EXPECT_LT(r.themes[0].polarity, 0);
    if (r.themes.size() == 2) {
      EXPECT_EQ(r.themes[1].theme, Theme::kShipping);
      EXPECT_GT(r.themes[1].polarity, 0);
      EXPECT_EQ(FormatThemes(r.themes), "packaging:negative;shipping:positive");
      saw_contrast = true;
    }
  }
  EXPECT_TRUE(saw_contrast);
}

}  // namespace
}  // namespace custintel::gen
