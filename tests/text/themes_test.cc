#include "text/themes.h"

#include <gtest/gtest.h>

namespace custintel::text {
namespace {

const ThemeSummary* Find(const ThemeResult& r, const std::string& id) {
  for (const ThemeSummary& s : r.themes) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

TEST(Themes, MixedAspectsGetTheirOwnPolarity) {
  ThemeResult r = ThemeExtractor().Extract("Fast shipping but the case cracked");
  const ThemeSummary* shipping = Find(r, "shipping");
  const ThemeSummary* quality = Find(r, "quality");
  ASSERT_NE(shipping, nullptr);
  ASSERT_NE(quality, nullptr);
  EXPECT_EQ(shipping->polarity, "positive");
  EXPECT_EQ(quality->polarity, "negative");
  EXPECT_EQ(Find(r, "performance"), nullptr) << "weak 'fast' yields to the plain 'shipping'";
}

TEST(Themes, SynonymsAndPluralsMapToTaxonomy) {
  ThemeResult r = ThemeExtractor().Extract("Two invoices were wrong and the refunds took weeks.");
  EXPECT_NE(Find(r, "billing"), nullptr);
  EXPECT_NE(Find(r, "returns"), nullptr);
}

TEST(Themes, CustomTaxonomyIsUsed) {
  Result<Taxonomy> tax = Taxonomy::Parse("fit\tSize & fit\tsize|fits|runs small\n");
  ASSERT_TRUE(tax.ok());
  ThemeResult r = ThemeExtractor(*tax).Extract("Lovely dress but it runs small.");
  ASSERT_EQ(r.themes.size(), 1u);
  EXPECT_EQ(r.themes[0].id, "fit");
  EXPECT_EQ(r.themes[0].polarity, "negative");
  EXPECT_FALSE(Taxonomy::Parse("only-one-column\n").ok());
}

TEST(Themes, KeyPhrasesSkipStopWordsAndSentimentWords) {
  ThemeResult r = ThemeExtractor().Extract("The battery life is great and the charging cable is flimsy.");
  ASSERT_FALSE(r.keyphrases.empty());
  for (const std::string& k : r.keyphrases) {
    EXPECT_EQ(k.find("great"), std::string::npos);
    EXPECT_EQ(k.find("the "), std::string::npos);
  }
  EXPECT_NE(std::find(r.keyphrases.begin(), r.keyphrases.end(), "battery life"), r.keyphrases.end());
}

TEST(Themes, FrequentUnknownPhrasesSurfaceAsCandidates) {
  std::vector<std::string> texts = {"The dark mode is unreadable.", "Dark mode needs work.",
                                    "Love it, but dark mode is flaky.", "Great shipping.",
                                    "Fast shipping, great price."};
  std::vector<CandidateTheme> c = DiscoverCandidateThemes(texts, ThemeExtractor(), {.min_documents = 3});
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c[0].phrase, "dark mode");
  EXPECT_EQ(c[0].documents, 3);
  for (const CandidateTheme& t : c) EXPECT_NE(t.phrase, "shipping") << "known themes are not candidates";
}

}  // namespace
}  // namespace custintel::text
