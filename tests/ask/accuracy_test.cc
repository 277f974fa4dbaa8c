// The labelled question set (tests/data/ask/questions.jsonl, written before the parser was
// tuned): exact-spec accuracy of the builtin parser on answerable questions and the rate at
// which unanswerable ones (out of model, prompt and SQL injection) are refused. The floors
// below are what the parser reaches; README.md records the figures.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "ask/compiler.h"
#include "ask/parser.h"
#include "ask/semantic_model.h"

namespace custintel::ask {
namespace {

struct Labelled {
  std::string question, tag;
  bool unanswerable = false;
  QuerySpec spec;
};

std::vector<Labelled> LoadQuestions(const SemanticModel& model, const std::string& file) {
  std::ifstream in(std::string(CUSTINTEL_SOURCE_DIR) + "/tests/data/ask/" + file);
  std::vector<Labelled> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    Labelled l{j["q"], j.value("tag", ""), j.value("unanswerable", false), {}};
    if (!l.unanswerable) {
      auto spec = SpecFromJson(j["spec"]);
      EXPECT_TRUE(spec.ok()) << line << ": " << spec.status().message();
      if (spec.ok()) l.spec = CanonicalSpec(*spec, model);
      EXPECT_TRUE(ValidateSpec(l.spec, model, 1000).ok()) << line;
    }
    out.push_back(std::move(l));
  }
  return out;
}

// Answerable by the parser and the model together: parsed, valid and compilable.
bool Answers(const ParseOutcome& p, const SemanticModel& model) {
  return p.answerable && ValidateSpec(p.spec, model, 1000).ok() && ChooseSource(p.spec, model, {}).ok();
}

struct Figures {
  int answerable = 0, exact = 0, unanswerable = 0, refused = 0;
  double accuracy() const { return 100.0 * exact / answerable; }
  double detection() const { return 100.0 * refused / unanswerable; }
};

// Prints every miss (so a regression shows what broke) and the two figures.
Figures Evaluate(const std::string& file, size_t min_questions) {
  auto model = DefaultSemanticModel();
  EXPECT_TRUE(model.ok()) << model.status().message();
  BuiltinParser parser(*model);
  std::vector<Labelled> set = LoadQuestions(*model, file);
  EXPECT_GE(set.size(), min_questions);
  Figures f;
  for (const Labelled& l : set) {
    ParseOutcome p = parser.Parse(l.question);
    bool answers = Answers(p, *model);
    if (l.unanswerable) {
      ++f.unanswerable;
      if (!answers) {
        ++f.refused;
      } else {
        std::cout << "[answered, should refuse] " << l.question << " -> " << SpecToJson(p.spec).dump() << "\n";
      }
      continue;
    }
    ++f.answerable;
    if (answers && p.spec == l.spec) {
      ++f.exact;
    } else {
      std::cout << "[" << l.tag << "] " << l.question << "\n   want " << SpecToJson(l.spec).dump() << "\n   got  "
                << (p.answerable ? SpecToJson(p.spec).dump() : "cannot answer: " + p.reason) << "\n";
    }
  }
  std::cout << file << ": exact-spec accuracy " << f.exact << "/" << f.answerable << " = " << f.accuracy()
            << "%; unanswerable detected " << f.refused << "/" << f.unanswerable << " = " << f.detection() << "%\n";
  return f;
}

// The set the parser was tuned on (written first, before any parser code).
TEST(AskAccuracy, BuiltinParserOnTheLabelledQuestionSet) {
  Figures f = Evaluate("questions.jsonl", 150);
  EXPECT_GE(f.accuracy(), 95.0);
  EXPECT_GE(f.detection(), 95.0);
}

// Written after the parser and never tuned on: the honest estimate for new questions.
TEST(AskAccuracy, BuiltinParserOnTheHeldOutSet) {
  Figures f = Evaluate("heldout.jsonl", 40);
  EXPECT_GE(f.accuracy(), 90.0);
  EXPECT_GE(f.detection(), 90.0);
}

}  // namespace
}  // namespace custintel::ask
