// The builtin parser: question → query spec, from the semantic model's synonyms and sample
// values plus closed word classes (time phrases, superlatives, comparatives, top N). It
// answers only when it understood every content word: a word it cannot place (after spelling
// correction against the model's vocabulary) makes the question unanswerable rather than
// guessed. No model, no network, deterministic.
//
//   BuiltinParser parser(model);
//   ParseOutcome p = parser.Parse("top 10 customers by churn risk");
//   if (p.answerable) ... p.spec ...
//
// Thread safety: a BuiltinParser is immutable after construction; Parse may run on many threads.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ask/semantic_model.h"
#include "ask/spec.h"

namespace custintel::ask {

struct ParseOutcome {
  bool answerable = false;
  QuerySpec spec;
  std::string reason;               // why not, when !answerable (names words, never numbers)
  std::vector<std::string> tokens;  // the question's words after spelling correction
};

class BuiltinParser {
 public:
  // REQUIRES: `model` outlives the parser.
  explicit BuiltinParser(const SemanticModel& model);
  ParseOutcome Parse(const std::string& question) const;

  // One meaning of a model phrase.
  // kVerb: a verb of a source's rows ("written", "signed up"); name = the source.
  enum class Kind { kMeasure, kDimension, kValue, kCondition, kVerb };
  struct Entry {
    Kind kind;
    std::string name;   // measure / dimension / condition / source name
    std::string value;  // canonical sample value (kValue)
  };
  // The phrases a value of the data is also known by: "email_click" → "email click", "email
  // clicks", "emails clicked", "emails were clicked", "clicked an email"; for a one-word
  // value its plural. With `verbs` false, only the spaced form and the plural.
  static std::vector<std::string> WordForms(const std::string& value, bool verbs);

 private:
  std::string Correct(const std::string& word) const;

  const SemanticModel& model_;
  std::map<std::string, std::vector<Entry>> lexicon_;  // phrase (tokens joined by ' ') → meanings
  size_t longest_phrase_ = 1;
  std::vector<std::string> vocabulary_;  // correction targets
};

}  // namespace custintel::ask
