// Ask's accuracy by value: each question of a held-out set (tests/data/ask/shop_questions.jsonl,
// written before the parser was changed, each with an independent SQL answer over silver/gold)
// is asked through Ask() and its rows compared with the rows of its SQL on the same database;
// out-of-scope questions must be refused. Reported per family and overall.
//
//   CI_ASSIGN_OR_RETURN(auto set, ask::LoadAskEvalSet("tests/data/ask/shop_questions.jsonl"));
//   CI_ASSIGN_OR_RETURN(ask::AskEvalReport r, ask::EvaluateAsk(conn, set));
//   r.ToJson();   // {overall, families: {shares: {correct, answerable, accuracy}, ...}, refusals, misses}
//
// A set line: {"q": "...", "family": "shares", "sql": "SELECT ..."} or {"q": "...", "family":
// "refusal", "refuse": true}. The SQL is the set author's, run as given (a trusted file).
//
// An answer is right when every row of the SQL answer is found in the answer's rows: its text
// cells among the row's key cells (case-insensitive), its numbers among the row's figures, each
// within the rounding of the answer's column (half a unit of its last decimal). An SQL answer
// without text cells (one number, or several numbers in one row) only needs each number in
// some figure of the answer. The answer may hold one row more (a comparison's difference).
//
// Thread safety: uses `conn` for its duration.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ask/ask.h"
#include "core/status.h"
#include "store/database.h"

namespace custintel::ask {

struct AskEvalQuestion {
  std::string question, family, sql;
  bool refuse = false;
};

Result<std::vector<AskEvalQuestion>> LoadAskEvalSet(const std::string& path);

struct AskEvalOutcome {
  AskEvalQuestion q;
  bool passed = false;
  std::string why;              // what differed (empty when passed)
  nlohmann::json expected;      // the SQL answer's rows
  nlohmann::json answer;        // AskAnswer::ToJson() (rows, spec, text)
};

struct AskEvalReport {
  struct Tally {
    int total = 0, passed = 0;
    double rate() const { return total ? 100.0 * passed / total : 0; }
  };
  std::vector<AskEvalOutcome> outcomes;
  std::map<std::string, Tally> families;  // answerable questions per family
  Tally overall;                          // every answerable question
  Tally refusals;                         // out-of-scope questions refused

  nlohmann::json ToJson() const;
  std::string ToText() const;
};

// `options.audit` is turned off (an evaluation is not a user's question).
Result<AskEvalReport> EvaluateAsk(store::Connection& conn, const std::vector<AskEvalQuestion>& set,
                                  AskOptions options = {});

// The comparison above, on its own (tested directly). `columns` names the answer's columns.
bool AnswerMatches(const nlohmann::json& expected_rows, const AskAnswer& answer, const SemanticModel& model,
                   std::string* why);

}  // namespace custintel::ask
