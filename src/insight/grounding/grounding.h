// The groundedness evaluator (DESIGN.md §6, issue 7 item 5): checks a text against the facts
// and snippets of its subject and against everything that exists in the data.
//
//   GroundingReport g = CheckGrounding(text, sheet, catalog);
//   if (!g.passed) std::cerr << g.FlagsText();   // "number: '41.2%' matches no fact ..."
//
// Rules:
//  1. Every number in the text equals a fact of the sheet printed by FormatFact at the
//     precision the text shows (e.g. "34%" or "34.5%" for 0.3453; "$1.2k" for 1234), or
//     appears in a cited snippet. A number that only matches another subject's fact is wrong.
//  2. Every named segment, product, theme or category exists in the catalog.
//  3. Every sentence has support: lexical overlap with a fact label, a snippet, or the
//     sheet's entities (and, given an embedder, embedding similarity) above a threshold.
// The score is the share of sentences with no flag; a text passes when it has no number or
// entity flag and its score reaches GroundingOptions::pass_score.
//
// Thread safety: reentrant.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "insight/grounding/facts.h"

namespace custintel::ai {
class AiService;
}

namespace custintel::insight {

class CatalogIndex;
class SheetIndex;

enum class FlagKind {
  kNumber,       // "number": a number no fact or cited snippet supports
  kEntity,       // "entity": a segment, product, theme or category that does not exist
  kUnsupported,  // "unsupported": a sentence with no support in facts or snippets
};
std::string_view FlagKindName(FlagKind kind);

struct GroundingFlag {
  FlagKind kind = FlagKind::kUnsupported;
  int sentence = 0;     // 0-based index of the sentence
  std::string span;     // the offending number, name, or sentence
  std::string detail;   // why, in words a writer can act on
};

struct GroundingReport {
  double score = 1;     // share of sentences without a flag, in [0, 1]
  bool passed = true;
  std::vector<GroundingFlag> flags;
  int sentences = 0;

  nlohmann::json ToJson() const;   // {"score","passed","sentences","flags":[{"kind","sentence","span","detail"}]}
  std::string FlagsText() const;   // one line per flag, for retry prompts and the CLI
};

struct GroundingOptions {
  // Lowest score that passes (with no number/entity flag). 1: every sentence needs support
  // (DESIGN.md §6); lower it only to tolerate filler sentences in model output.
  double pass_score = 1.0;
  double min_sentence_support = 0.2;   // lowest lexical support of a sentence
  // When set, a sentence below the lexical threshold may still be supported by embedding
  // similarity to a snippet or fact label. Null: lexical only.
  ai::AiService* embedder = nullptr;
  double min_embedding_similarity = 0.55;
  // When set, the catalog's names tokenised once (CatalogIndex in insight/grounding_entities.h,
  // built from the same catalog passed to CheckGrounding): saves re-reading a large catalog
  // for every text of a batch. Null: the catalog is indexed on each call.
  const CatalogIndex* catalog_index = nullptr;
  // When set, the sheet read once (SheetIndex in insight/grounding_sheet.h, built from the same
  // FactSheet object passed to CheckGrounding): for the several texts checked against one
  // subject's sheet. Null, or built from another sheet: the sheet is read on each call.
  const SheetIndex* sheet_index = nullptr;
};

GroundingReport CheckGrounding(std::string_view text, const FactSheet& sheet, const EntityCatalog& catalog,
                               const GroundingOptions& options = {});

}  // namespace custintel::insight
