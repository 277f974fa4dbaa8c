// detail::MaskedText (fact_builders_util.cc) skips the masker's name pass when a text cannot
// contain the customer's names; these tests hold it to the masker's own output.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "insight/fact_builders_internal.h"
#include "text/pii.h"

namespace custintel::insight {
namespace {

// What MaskedText must equal: the masker with every name, whitespace collapsed (no cut).
std::string Reference(const std::string& text, const std::vector<std::string>& names) {
  text::PiiOptions opts;
  for (const std::string& n : names) {
    if (n.size() >= 2) opts.names.push_back(n);
  }
  std::string masked = text::MaskPii(text, opts).text, out;
  for (char c : masked) {
    bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

TEST(MaskedText, EqualsTheMaskerWithNamesWhetherOrNotTheTextNamesThem) {
  const std::vector<std::vector<std::string>> names = {
      {"Jane", "Doe"}, {"Mary Ann", "O'Neil"}, {"Émile", "Zola"}, {"Kate", "Smith-Jones"}, {"Al", "X"}};
  const std::vector<std::string> texts = {
      "Arrived late, the lid cracked. Call me on +44 20 7946 0958.",
      "JANE here: the kettle is great, ask doe@example.com",
      "Thanks, Mary Ann! Ann from support helped.  Mary   too.",
      "Émile says the ZOLA edition was missing pages",
      "zola and emile, lower case, no accents",
      "Love it — the KATE bag from smith-jones fits",
      "The \u212Aate case: a Kelvin sign, not a K",
      "",
  };
  for (const auto& n : names) {
    for (const std::string& t : texts) {
      EXPECT_EQ(detail::MaskedText(t, n, 10000), Reference(t, n)) << t << " / " << n[0] << " " << n[1];
    }
  }
}

TEST(MaskedText, MasksTheWritersOwnNames) {
  std::string out = detail::MaskedText("Hi, jane DOE writing. Jane's order", {"Jane", "Doe"});
  EXPECT_EQ(out.find("jane"), std::string::npos) << out;
  EXPECT_EQ(out.find("DOE"), std::string::npos) << out;
  EXPECT_NE(out.find("[NAME_"), std::string::npos) << out;
}

}  // namespace
}  // namespace custintel::insight
