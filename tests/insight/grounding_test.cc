// The groundedness evaluator, rule by rule: numbers in every surface form and their rounding
// edges, units, names (and ordinary words that are not names), sentence support, and a
// number that belongs to another segment.
#include "insight/grounding/grounding.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <random>

#include "ai/builtin_backend.h"
#include "ai/service.h"
#include "insight/grounding/evaluate_grounding.h"
#include "insight/grounding/grounding_entities.h"
#include "insight/grounding/grounding_numbers.h"
#include "insight/grounding/grounding_sheet.h"

namespace custintel::insight {
namespace {

FactSheet AtRisk() {
  FactSheet s;
  s.subject = {SubjectKind::kSegment, "At-risk churn"};
  s.title = "At-risk churn";
  s.facts = {
      {"size", 1035, FactUnit::kCount, "customers in the segment"},
      {"share", 0.3453, FactUnit::kPercent, "share of all customers"},
      {"avg_ltv", 1234.5, FactUnit::kMoney, "average lifetime value (spend to date)"},
      {"avg_order_value", 42.8, FactUnit::kMoney, "average order value"},
      {"avg_recency", 41.6, FactUnit::kDays, "average days since the last order"},
      {"avg_sentiment", -0.3384, FactUnit::kScore, "average review sentiment"},
      {"avg_churn_risk_vs_all", 0.123, FactUnit::kPercent,
       "how far the segment's average churn risk is above the average of all customers"},
      {"theme_shipping_mentions", 212, FactUnit::kCount, "mentions of Shipping & delivery in reviews and tickets"},
      {"avg_churn_risk", 0.713, FactUnit::kPercent, "average churn risk"},
      {"revenue_share", 0.412, FactUnit::kPercent, "share of all revenue"},
  };
  s.snippets = {{"playbook:shipping", "note", "Delivery recovery: Apologise for late deliveries and refund the shipping fee.", 1},
                {"review:R1", "review", "Arrived 9 days late and nobody answered my emails.", 0.4}};
  s.entities = {"At-risk churn", "Shipping & delivery", "Tea Bags (80)", "Coffee & Tea"};
  return s;
}

EntityCatalog Catalog() {
  return {{"High-value active", "At-risk churn", "Low-engagement new", "Regular"},
          {"Tea Bags (80)", "Dark Roast Coffee Beans 1kg", "Lavender Shampoo"},
          {"Shipping & delivery", "Packaging", "Price & value"},
          {"Coffee & Tea", "Personal Care"}};
}

GroundingReport Check(const std::string& text) { return CheckGrounding(text, AtRisk(), Catalog()); }

int Count(const GroundingReport& r, FlagKind k) {
  return static_cast<int>(std::count_if(r.flags.begin(), r.flags.end(), [&](const auto& f) { return f.kind == k; }));
}

bool NumberOk(const std::string& sentence) { return Count(Check(sentence), FlagKind::kNumber) == 0; }

TEST(GroundingNumbers, ExtractsEverySurfaceForm) {
  auto ns = ExtractNumbers("1,035 customers, 34.5% of all, $1.2k each, -0.34, 42 days, 12k views, $1.5M, 2.1x", {});
  ASSERT_EQ(ns.size(), 8u);
  EXPECT_DOUBLE_EQ(ns[0].value, 1035);
  EXPECT_EQ(ns[1].kind, NumberKind::kPercent);
  EXPECT_DOUBLE_EQ(ns[1].step, 0.1);
  EXPECT_EQ(ns[2].kind, NumberKind::kMoney);
  EXPECT_DOUBLE_EQ(ns[2].value, 1200);
  EXPECT_DOUBLE_EQ(ns[2].step, 100);
  EXPECT_DOUBLE_EQ(ns[3].value, -0.34);
  EXPECT_TRUE(ns[3].explicit_sign);
  EXPECT_EQ(ns[4].kind, NumberKind::kDays);
  EXPECT_DOUBLE_EQ(ns[5].value, 12000);
  EXPECT_DOUBLE_EQ(ns[6].value, 1.5e6);
  EXPECT_DOUBLE_EQ(ns[7].value, 2.1);
}

TEST(GroundingNumbers, SkipsOrdinalsYearsDatesTimesAndCodes) {
  std::string text =
      "1. Send it in 2025 on March 3, at 18:00 or 9 pm.\n2) Top 3 products, rated 4 out of 5, "
      "for customer C00042 who buys 500g packs, since 2024-03-15, #2 in line, three strategies.";
  auto ns = ExtractNumbers(text, {});
  ASSERT_EQ(ns.size(), 1u) << ns[1].surface;  // only the rating itself is a claim
  EXPECT_EQ(ns[0].surface, "4");
}

TEST(GroundingNumbers, PercentMatchesAtThePrecisionShown) {
  EXPECT_TRUE(NumberOk("They are 34.5% of all customers."));
  EXPECT_TRUE(NumberOk("They are 34% of all customers."));  // the printed 34.5% rounded down
  EXPECT_TRUE(NumberOk("They are 35% of all customers."));  // ... and half up
  EXPECT_TRUE(NumberOk("They are about 35% of all customers."));
  EXPECT_TRUE(NumberOk("They are 34.53 percent of all customers."));
  EXPECT_FALSE(NumberOk("They are 36% of all customers."));
  EXPECT_FALSE(NumberOk("They are 34.7% of all customers."));
  EXPECT_FALSE(NumberOk("They are nearly 50% of all customers."));
}

TEST(GroundingNumbers, MoneyMatchesRoundedAndScaled) {
  EXPECT_TRUE(NumberOk("Average lifetime value is $1,235."));
  EXPECT_TRUE(NumberOk("Average lifetime value is $1,234.50."));
  EXPECT_TRUE(NumberOk("Average lifetime value is $1.2k."));
  EXPECT_TRUE(NumberOk("Average lifetime value is about $1,200."));
  EXPECT_TRUE(NumberOk("The average order value is $42.80."));
  EXPECT_FALSE(NumberOk("Average lifetime value is $1,325."));
  EXPECT_FALSE(NumberOk("Average lifetime value is $1.4k."));
  EXPECT_FALSE(NumberOk("The average order value is $42.18."));
}

TEST(GroundingNumbers, CountsDaysScoresAndSigns) {
  EXPECT_TRUE(NumberOk("The segment holds 1,035 customers."));
  EXPECT_TRUE(NumberOk("The segment holds 1035 customers."));
  EXPECT_TRUE(NumberOk("The segment holds 1.0k customers."));
  EXPECT_TRUE(NumberOk("The segment holds more than 1,000 customers."));
  EXPECT_FALSE(NumberOk("The segment holds 1,053 customers."));
  EXPECT_FALSE(NumberOk("The segment holds more than 2,000 customers."));
  EXPECT_TRUE(NumberOk("They last ordered 42 days ago on average."));
  EXPECT_FALSE(NumberOk("They last ordered 48 days ago on average."));
  EXPECT_TRUE(NumberOk("Average sentiment is -0.34."));
  EXPECT_FALSE(NumberOk("Average sentiment is +0.34."));  // an explicit sign must agree
  EXPECT_TRUE(NumberOk("Churn risk is 12.3 points above the average."));
}

TEST(GroundingNumbers, UnitMismatchIsFlaggedWithAHint) {
  GroundingReport r = Check("The segment holds 1,035% of customers.");
  ASSERT_EQ(Count(r, FlagKind::kNumber), 1);
  EXPECT_NE(r.flags[0].detail.find("count fact 'size'"), std::string::npos) << r.flags[0].detail;
  EXPECT_FALSE(NumberOk("They are 34.5 of all customers."));  // a percent fact needs a percent
  GroundingReport money = Check("The segment holds $1,035 customers.");
  ASSERT_EQ(Count(money, FlagKind::kNumber), 1);
  EXPECT_NE(money.flags[0].detail.find("written as money"), std::string::npos) << money.flags[0].detail;
}

TEST(GroundingNumbers, SnippetNumbersAreSupported) {
  EXPECT_TRUE(NumberOk("One customer wrote that the parcel arrived 9 days late."));
}

TEST(GroundingNumbers, NumberOfAnotherSegmentIsFlagged) {
  // 2,310 customers and 18.2% are the High-value active segment's facts, not this one's.
  GroundingReport r = Check("The At-risk churn segment holds 2,310 customers, 18.2% of all customers.");
  EXPECT_EQ(Count(r, FlagKind::kNumber), 2);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.flags[0].detail.find("closest: size = 1,035"), std::string::npos) << r.flags[0].detail;
}

// A number that equals a fact of the sheet, written where another fact belongs.
TEST(GroundingNumbers, NumberInTheWrongPlaceIsFlagged) {
  EXPECT_TRUE(NumberOk("They bring 41.2% of all revenue, and their average churn risk is 71%."));
  GroundingReport r = Check("They bring 71.3% of all revenue.");
  ASSERT_EQ(Count(r, FlagKind::kNumber), 1) << r.FlagsText();
  EXPECT_NE(r.flags[0].detail.find("but the sentence is about revenue_share"), std::string::npos) << r.flags[0].detail;
  EXPECT_FALSE(NumberOk("Their average churn risk is 41.2%."));
  // The subject's own name is no context: "At-risk churn" does not make a sentence about churn.
  EXPECT_TRUE(NumberOk("At-risk churn brings 41.2% of all revenue."));
  // A clause that names no fact is not judged.
  EXPECT_TRUE(NumberOk("Overall, 41.2% is the figure to watch."));
}

TEST(GroundingEntities, KnownNamesInAnyCasePass) {
  GroundingReport r = Check(
      "The at-risk churn segment buys Tea Bags (80) and tea bags from Coffee & Tea. Shipping & delivery is their "
      "main theme, and the late delivery theme keeps coming back. Regular customers buy Tea Bags too.");
  EXPECT_EQ(Count(r, FlagKind::kEntity), 0) << r.FlagsText();
}

TEST(GroundingEntities, OrdinarySentencesAreNotNames) {
  GroundingReport r = Check(
      "Customers in this segment order less often. Send a reminder on Monday morning. Their LTV and NPS dropped in "
      "March. Top products sell well. Apologise for late deliveries. The largest segment is not this one. "
      "What might help: refund the shipping fee. One customer wrote: \u201cArrived 9 days late and nobody answered "
      "my emails.\u201d\n# Next Best Actions\nNext Best Actions: refund the shipping fee.");
  EXPECT_EQ(Count(r, FlagKind::kEntity), 0) << r.FlagsText();
}

TEST(GroundingEntities, InventedNamesAreFlagged) {
  for (const std::string text :
       {"Many of them also buy Cold Brew Concentrate with their order.",
        "They resemble the Dormant Big Spenders segment.", "Suggest the \u201cvanilla oat granola\u201d product to them.",
        "The sustainability theme comes up often.", "They also shop in the Garden category.",
        "Offer them the Tea Bags (80) Deluxe Edition.", "Customers often move on to the product Nimbus."}) {
    GroundingReport r = Check(text);
    EXPECT_EQ(Count(r, FlagKind::kEntity), 1) << text << "\n" << r.FlagsText();
    EXPECT_FALSE(r.passed) << text;
  }
}

TEST(GroundingSupport, UnsupportedSentenceIsFlagged) {
  GroundingReport r = Check(
      "The At-risk churn segment holds 1,035 customers. Most of them live in coastal cities and shop on their "
      "phones late at night.");
  ASSERT_EQ(Count(r, FlagKind::kUnsupported), 1) << r.FlagsText();
  EXPECT_EQ(r.flags[0].sentence, 1);
  EXPECT_DOUBLE_EQ(r.score, 0.5);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.flags[0].detail.find("coastal"), std::string::npos);
}

TEST(GroundingSupport, EmbeddingSimilarityCanRescueASentence) {
  ai::AiService embedder(ai::MakeBuiltinBackend(), nullptr, nullptr);
  const std::string text = "The At-risk churn segment holds 1,035 customers. Most of them appreciate thoughtful gestures.";
  GroundingOptions options;
  options.embedder = &embedder;
  options.min_embedding_similarity = 1.01;  // nothing is that similar: the lexical verdict stands
  GroundingReport strict = CheckGrounding(text, AtRisk(), Catalog(), options);
  ASSERT_EQ(Count(strict, FlagKind::kUnsupported), 1) << strict.FlagsText();
  EXPECT_NE(strict.flags[0].detail.find("embedding similarity"), std::string::npos) << strict.flags[0].detail;
  options.min_embedding_similarity = -1;  // any similarity supports
  GroundingReport lenient = CheckGrounding(text, AtRisk(), Catalog(), options);
  EXPECT_EQ(Count(lenient, FlagKind::kUnsupported), 0) << lenient.FlagsText();
  // A claim (a place, a habit) needs its words in the sheet: similarity does not make it so.
  GroundingReport claim = CheckGrounding(
      "The At-risk churn segment holds 1,035 customers. Most of them live in coastal cities.", AtRisk(), Catalog(), options);
  EXPECT_EQ(Count(claim, FlagKind::kUnsupported), 1) << claim.FlagsText();
}

TEST(GroundingClaims, ClaimsOutsideTheSheetsVocabularyAreFlagged) {
  const std::string base = "The At-risk churn segment holds 1,035 customers. ";
  // The issue's case: a segment's own text plus a claim with no number and no catalogue name.
  GroundingReport r = Check(base + "Most of them live in Norway and shop at night.");
  ASSERT_EQ(Count(r, FlagKind::kUnsupported), 1) << r.FlagsText();
  EXPECT_NE(r.flags[0].detail.find("'Norway' (name)"), std::string::npos) << r.flags[0].detail;
  EXPECT_NE(r.flags[0].detail.find("'night' (habit)"), std::string::npos) << r.flags[0].detail;
  EXPECT_FALSE(r.passed);
  for (const char* claim : {"Most of them are students.", "They mostly order through Instagram.",
                            "Their orders peak every December.", "They left because the loyalty scheme ended.",
                            "Many of them are retirees in rural towns."}) {
    GroundingReport c = Check(base + claim);
    EXPECT_EQ(Count(c, FlagKind::kUnsupported), 1) << claim << "\n" << c.FlagsText();
  }
  // The same kind of word is fine when a fact or snippet of the sheet says it.
  FactSheet sheet = AtRisk();
  sheet.snippets.push_back({"review:R2", "review", "Ordered at the weekend, and it arrived late again.", 0.4});
  GroundingReport ok = CheckGrounding(base + "Some of them order at the weekend.", sheet, Catalog());
  EXPECT_TRUE(ok.passed) << ok.FlagsText();
  EXPECT_FALSE(CheckGrounding(base + "Some of them order at the weekend.", AtRisk(), Catalog()).passed);
}

TEST(GroundingReport, GroundedTextPassesWithFullScore) {
  GroundingReport r = Check(
      "The At-risk churn segment holds 1,035 customers (34.5% of all). Their average lifetime value is $1,235, and "
      "they last ordered 42 days ago on average. Shipping & delivery comes up most: 212 mentions. What might help: "
      "apologise for late deliveries and refund the shipping fee.");
  EXPECT_TRUE(r.passed) << r.FlagsText();
  EXPECT_EQ(r.sentences, 4);
  EXPECT_DOUBLE_EQ(r.score, 1.0);
  nlohmann::json j = r.ToJson();
  EXPECT_EQ(j["passed"], true);
  EXPECT_TRUE(j["flags"].empty());
}

TEST(GroundingReport, JsonAndTextCarryEveryFlag) {
  GroundingReport r = Check("The segment holds 2,000 customers who love Moonbeam Coffee Pods.");
  nlohmann::json j = r.ToJson();
  ASSERT_EQ(j["flags"].size(), 2u) << r.FlagsText();
  EXPECT_EQ(j["flags"][0]["kind"], "number");
  EXPECT_EQ(j["flags"][0]["span"], "2,000");
  EXPECT_EQ(j["flags"][1]["kind"], "entity");
  EXPECT_EQ(j["flags"][1]["span"], "Moonbeam Coffee Pods");
  EXPECT_NE(r.FlagsText().find("number: sentence 1: '2,000'"), std::string::npos) << r.FlagsText();
}

// Odd input never breaks the evaluator: fragments of numbers, quotes, units and names.
TEST(GroundingReport, SurvivesArbitraryFragments) {
  const std::vector<std::string> parts = {"1", "0", ",", ".", "$", "%", "-", "+", "k", "M", " ", "\n", "(", ")", "\"",
                                          "'", "\xE2\x80\x9C", "\xE2\x80\x9D", "#", ":", "Tea", "Bags", "theme",
                                          "the", "Regular", "days", "x", "\xE2\x88\x92", "~", "/", "pm"};
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    for (int n = rng() % 24; n > 0; --n) text += parts[rng() % parts.size()];
    GroundingReport r = Check(text);
    EXPECT_GE(r.score, 0.0);
    EXPECT_LE(r.score, 1.0);
    for (const auto& f : r.flags) EXPECT_LT(f.sentence, std::max(1, r.sentences)) << text;
  }
}

// A prebuilt CatalogIndex gives the same verdicts as indexing the catalog on every call.
TEST(GroundingReport, CatalogIndexGivesTheSameReports) {
  EntityCatalog big = Catalog();
  for (int i = 0; i < 5000; ++i) big.products.push_back(fmt::format("Brand{} Item{} Refill", i, i % 97));
  CatalogIndex index(big);
  GroundingOptions with_index;
  with_index.catalog_index = &index;
  const std::vector<std::string> texts = {
      "The At-risk churn segment holds 1,035 customers who buy Brand42 Item42 Refill and Tea Bags (80).",
      "They love Moonbeam Coffee Pods and Brand77 Item77 Deluxe.", "Churn risk is 12.3 points above average."};
  auto time = [&](const GroundingOptions& o) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) {
      for (const auto& t : texts) CheckGrounding(t, AtRisk(), big, o);
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 60;
  };
  for (const auto& t : texts) {
    EXPECT_EQ(CheckGrounding(t, AtRisk(), big).ToJson(), CheckGrounding(t, AtRisk(), big, with_index).ToJson()) << t;
  }
  std::cout << "ms per text with 5,000 products: " << time({}) << " indexed on each call, " << time(with_index)
            << " with a CatalogIndex\n";
}

// One SheetIndex reused for many texts gives the same reports as reading the sheet on every
// call: every text of the labelled set (grounded and faulty, builtin and LLM manner) checked
// against every sheet of its shop, so each index serves dozens of texts that fit it or not.
TEST(GroundingReport, SheetIndexGivesTheSameReports) {
  Result<GroundingEvalSet> set = LoadGroundingEvalSet("");
  ASSERT_TRUE(set.ok()) << set.status().message();
  std::vector<const GroundingEvalCase*> sheets;  // one case per distinct sheet
  for (const GroundingEvalCase& c : set->cases) {
    bool seen = std::any_of(sheets.begin(), sheets.end(), [&](const GroundingEvalCase* s) {
      return s->sheet.ToJson() == c.sheet.ToJson();
    });
    if (!seen) sheets.push_back(&c);
  }
  ASSERT_GE(sheets.size(), 12u);
  int checks = 0, flagged = 0;
  for (const GroundingEvalCase* s : sheets) {
    SheetIndex index(s->sheet);
    GroundingOptions with_index;
    with_index.sheet_index = &index;
    for (const GroundingEvalCase& c : set->cases) {
      if (c.catalog.segments != s->catalog.segments) continue;  // texts of the same shop
      nlohmann::json plain = CheckGrounding(c.text, s->sheet, s->catalog).ToJson();
      ASSERT_EQ(plain, CheckGrounding(c.text, s->sheet, s->catalog, with_index).ToJson()) << c.id << "\n" << c.text;
      ++checks;
      flagged += plain["passed"].get<bool>() ? 0 : 1;
    }
  }
  EXPECT_GT(checks, 800);
  EXPECT_GT(flagged, checks / 2) << "most texts are checked against a sheet they do not fit";
  EXPECT_LT(flagged, checks);
}

// An index is used only for the sheet it was built from; another sheet is read as usual.
TEST(GroundingReport, SheetIndexOfAnotherSheetIsIgnored) {
  FactSheet at_risk = AtRisk(), other = AtRisk();
  other.facts[0].value = 2000;
  other.entities.push_back("Moonbeam Coffee Pods");
  SheetIndex index(other);
  GroundingOptions o;
  o.sheet_index = &index;
  const std::string text = "The At-risk churn segment holds 1,035 customers who love Moonbeam Coffee Pods.";
  GroundingReport with = CheckGrounding(text, at_risk, Catalog(), o);
  EXPECT_EQ(with.ToJson(), CheckGrounding(text, at_risk, Catalog()).ToJson());
  EXPECT_FALSE(with.passed) << "the invented product is flagged against at_risk's own names";
  EXPECT_FALSE(CheckGrounding(text, other, Catalog(), o).passed) << "1,035 is not other's size";
}

TEST(GroundingReport, EmptyTextPasses) {
  GroundingReport r = Check("");
  EXPECT_TRUE(r.passed);
  EXPECT_EQ(r.sentences, 0);
}

}  // namespace
}  // namespace custintel::insight
