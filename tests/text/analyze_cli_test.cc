// `custintel analyze`: one text (readable and --json), --file (one JSON object per line, in
// input order), --triage, and errors as one line with the right exit code.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/strings.h"
#include "testing/testing.h"

namespace custintel::text {
namespace {

using testing::RunCli;
using testing::TempDir;

TEST(AnalyzeCli, ReadableReportShowsEverything) {
  auto r = RunCli("analyze --rating 4 '<p>Fast shipping but the case cracked!!</p> Support never replied.'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* part : {"score", "negative", "rating      4", "sentences", "Shipping & delivery",
                           "Product quality", "summary", "HTML stripped"}) {
    EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
  }
  EXPECT_EQ(r.err, "");
}

TEST(AnalyzeCli, JsonWithTriage) {
  auto r = RunCli("analyze --json --triage 'I was charged twice, refund me NOW or I cancel!'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_LT(j["score"].get<double>(), 0);
  EXPECT_TRUE(j["label"] == "negative" || j["label"] == "very_negative") << j["label"];
  EXPECT_EQ(j["triage"]["root_cause"], "billing");
  EXPECT_TRUE(j["triage"].contains("urgency"));
  EXPECT_TRUE(j["triage"].contains("suggested_resolution"));
  EXPECT_TRUE(j["triage"]["follow_up_needed"].is_boolean());
  EXPECT_FALSE(RunCli("analyze --json 'fine'").out.find("triage") != std::string::npos);
}

TEST(AnalyzeCli, FileGivesOneObjectPerLineInInputOrder) {
  TempDir dir;
  std::vector<std::string> lines;
  for (int i = 0; i < 600; ++i) {  // enough lines for several threads
    lines.push_back(i % 3 == 0 ? "Absolutely love it, works like a charm!"
                    : i % 3 == 1 ? "Never arrived and support ignored me. Waste of money."
                                 : "");
  }
  lines[7] = "line seven \xFF with bad UTF-8";
  testing::WriteFile(dir.File("in.txt"), Join(lines, "\r\n") + "\n");
  auto r = RunCli("analyze --file " + dir.File("in.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out = Split(r.out, '\n');
  ASSERT_EQ(out.back(), "");
  out.pop_back();
  ASSERT_EQ(out.size(), lines.size());
  for (size_t i = 0; i < out.size(); ++i) {
    nlohmann::json j = nlohmann::json::parse(out[i]);
    double score = j["score"].get<double>();
    ASSERT_TRUE(j.contains("label")) << i;
    if (i == 7) {
      EXPECT_EQ(j["input"]["invalid_utf8_replaced"], 1);
    } else if (i % 3 == 0) {
      ASSERT_GT(score, 0.3) << i;
    } else if (i % 3 == 1) {
      ASSERT_LT(score, -0.3) << i;
    } else {
      ASSERT_EQ(j["label"], "neutral") << i;
    }
  }
  auto stdin_run = testing::RunShell("printf 'good\\nbad\\n' | '" + std::string(std::getenv("CUSTINTEL_BIN")) + "' analyze --file -");
  EXPECT_EQ(Split(stdin_run.out, '\n').size(), 3u) << stdin_run.out;
}

TEST(AnalyzeCli, ErrorsAreOneLine) {
  auto none = RunCli("analyze");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(Split(none.err, '\n').size(), 2u) << none.err;
  EXPECT_NE(none.err.find("give either a TEXT or --file FILE"), std::string::npos);
  EXPECT_EQ(RunCli("analyze hello --file x.txt").exit_code, 2);
  EXPECT_EQ(RunCli("analyze --rating 9 hello").exit_code, 2);
  TempDir dir;
  auto missing = RunCli("analyze --file " + dir.File("nope.txt"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "custintel: error: " + dir.File("nope.txt") + ": cannot open for reading\n");
  EXPECT_EQ(missing.out, "");
}

}  // namespace
}  // namespace custintel::text
