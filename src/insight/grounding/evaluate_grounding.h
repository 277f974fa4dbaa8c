// Measuring the groundedness evaluator on a labelled set (issue 7, Show: `custintel evaluate
// grounding`): every case is a text, the fact sheet and entity catalog it is checked against,
// and its labels — grounded, or the faults injected into it.
//
//   CI_ASSIGN_OR_RETURN(GroundingEvalSet set, LoadGroundingEvalSet(""));  // "" = the embedded set
//   GroundingEvalReport r = EvaluateGrounding(set);
//   std::cout << r.ToText();        // precision / recall per fault kind, overall, confusion
//
// Set format (JSON; src/insight/assets/grounding_eval.json is the project's set):
//   {"shops": [{"id", "catalog": {"segments","products","themes","categories"},
//               "sheets": [FactSheet::ToJson shape, ...]}],
//    "cases": [{"id", "shop", "subject": "<sheet subject id>", "text", "faults": [...], "note"}]}
// A case names its shop and subject instead of repeating them, so a wrong_subject_number case
// can take its number from another sheet of the same shop. Fault kinds and the flag that
// catches each: wrong_number and wrong_subject_number -> number, invented_entity -> entity,
// unsupported_claim -> unsupported.
//
// Scoring: a case is flagged when its report did not pass (flag_recall also shows how often the
// matching flag was raised at all, passed or not). Overall precision = flagged cases
// with a fault / flagged cases; recall = flagged faulty cases / faulty cases. Per fault kind:
// recall = cases with that fault that are flagged AND carry the matching flag kind / cases
// with that fault; precision = flagged cases carrying that flag kind whose faults include one
// that flag kind catches / flagged cases carrying that flag kind.
//
// Thread safety: functions of their arguments.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "insight/grounding/facts.h"
#include "insight/grounding/grounding.h"

namespace custintel::insight {

struct GroundingEvalCase {
  std::string id;
  std::vector<std::string> faults;  // empty: grounded
  std::string text, note;
  FactSheet sheet;
  EntityCatalog catalog;
};

struct GroundingEvalSet {
  std::vector<GroundingEvalCase> cases;
};

// The fault kinds of the set, in report order, and the flag kind that catches each.
const std::vector<std::string>& GroundingFaultKinds();
Result<FlagKind> FlagForFault(const std::string& fault);

Result<GroundingEvalSet> ParseGroundingEvalSet(const nlohmann::json& j);
// `path` "" loads the set compiled into the binary (insight/assets/grounding_eval.json).
Result<GroundingEvalSet> LoadGroundingEvalSet(const std::string& path);

struct FaultKindScore {
  std::string fault;
  std::string flag;            // the flag kind that catches it
  int cases = 0;               // cases labelled with this fault
  int detected = 0;            // of those: flagged, with the matching flag kind
  int flag_raised = 0;         // of those: carrying the matching flag kind, whether or not the text passed
  int flagged_with_flag = 0;   // flagged cases carrying that flag kind
  int correct_flag = 0;        // of those: labelled with a fault that flag kind catches
  double recall = 0, precision = 0;
  double flag_recall = 0;      // flag_raised / cases: differs from recall only for unsupported claims,
                               // which fail a text only when they pull its score below pass_score
};

struct GroundingEvalCaseResult {
  std::string id;
  std::vector<std::string> faults;
  bool passed = true;
  double score = 1;
  std::vector<std::string> flag_kinds;  // distinct, in FlagKind order
  std::string first_flag;               // FlagsText's first line, for the misses list
};

struct GroundingEvalReport {
  int cases = 0, grounded = 0, faulty = 0;
  int true_positive = 0, false_positive = 0, true_negative = 0, false_negative = 0;
  double precision = 0, recall = 0;
  std::vector<FaultKindScore> kinds;
  std::vector<GroundingEvalCaseResult> results;

  nlohmann::json ToJson() const;
  std::string ToText() const;
};

GroundingEvalReport EvaluateGrounding(const GroundingEvalSet& set, const GroundingOptions& options = {});

}  // namespace custintel::insight
