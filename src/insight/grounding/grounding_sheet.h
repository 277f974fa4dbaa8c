// One fact sheet prepared for many grounding checks: everything CheckGrounding reads from the
// sheet (its names, the stems of its words, its numbers, the words of each fact), built once.
//
//   SheetIndex index(sheet);                  // once per subject
//   GroundingOptions o;
//   o.sheet_index = &index;
//   for (const std::string& text : texts) reports.push_back(CheckGrounding(text, sheet, catalog, o));
//
// A customer's summary, retention strategy, recommendations and notification are all checked
// against the same sheet; without an index each check reads the sheet again, which was most of
// the insights step's time. The reports are the same with or without one (tested on the
// labelled set and on a shop's texts).
//
// Invariants:
//  1. The index refers to `sheet` (no copy): the sheet must outlive it and must not change.
//  2. CheckGrounding uses it only for the very sheet object it was built from; given another
//     sheet it reads that sheet as if no index were given.
//
// Thread safety: immutable after construction; share it across threads freely.
#pragma once

#include "insight/grounding/facts.h"
#include "insight/grounding/grounding_context.h"
#include "insight/grounding/grounding_entities.h"
#include "insight/grounding/grounding_numbers.h"
#include "insight/grounding/grounding_support.h"

namespace custintel::insight {

class SheetIndex {
 public:
  explicit SheetIndex(const FactSheet& sheet);
  SheetIndex(const SheetIndex&) = delete;  // the parts refer to one another's sheet
  SheetIndex& operator=(const SheetIndex&) = delete;

  const FactSheet& sheet() const { return sheet_; }
  const SheetNames& names() const { return names_; }        // rule 2: the sheet's own names
  const SheetNumbers& numbers() const { return numbers_; }  // rule 1: prints and snippet numbers
  const FactContext& context() const { return context_; }   // rule 1: the words of each fact
  const SupportIndex& support() const { return support_; }  // rule 3: the sheet's vocabulary

 private:
  const FactSheet& sheet_;
  SheetNames names_;
  SheetNumbers numbers_;
  FactContext context_;
  SupportIndex support_;
};

}  // namespace custintel::insight
