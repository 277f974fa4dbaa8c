// Names in an insight text: which segments, products, themes and categories it mentions, and
// which names it introduces that exist nowhere in the data (grounding rule 2).
//
//   text::TokenizedText tt = text::Tokenize(text);
//   EntityScan s = SpotEntities(tt, sheet, catalog);
//   for (const EntityMention& e : s.invented) ...   // "Cold Brew Concentrate" (product)
//
// Known names: every catalog name, the sheet's entities and title, matched case-insensitively
// on whole tokens (a possessive or a plural 's' on the last word is allowed). A shortened
// name ("Tea Bags" for "Tea Bags (80)") is known when all its words belong to one known name.
// Candidate names the text introduces:
//   1. runs of two or more capitalised words ("Trail Pro Jacket"), where a sentence's first
//      word joins a run only when it is not an ordinary word (stop words, "Top", "Send" ...);
//      weekdays, months and acronyms (LTV, NPS) are never names; a capitalised word glued to
//      a known name extends it ("Regular Plus");
//   2. quoted phrases of up to six words that start with a capital or stand next to a cue
//      word, unless the quote is taken from a snippet;
//   3. a capitalised word right after or before a cue word ("the product Nimbus", "the Nimbus
//      product"), and before "theme"/"category" also lower-case words after a determiner
//      ("the sustainability theme", not "most discussed theme"), which count as invented only
//      when none of their words occurs in any known name, snippet or fact label (so "the late
//      delivery theme" is not flagged).
// Headings ("# Actions", "Next Best Actions:") are not read for names.
//
// Thread safety: pure functions; a CatalogIndex or SheetNames is immutable after construction.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "insight/grounding/facts.h"
#include "insight/grounding/grounding_numbers.h"
#include "insight/grounding/grounding_words.h"
#include "text/tokenizer.h"

namespace custintel::insight {

struct EntityMention {
  size_t begin = 0, end = 0;  // byte range in the text
  std::string span;
  std::string kind;           // what the name was found as: "product", "segment", "theme", "category", "name"
  uint32_t sentence = 0;
  std::string closest;        // for an invented name: the known name sharing most words, if any
};

struct EntityScan {
  std::vector<EntityMention> known;     // names of the catalog / sheet found in the text
  std::vector<EntityMention> invented;  // names the text introduces that the data does not have
  SpanList name_spans;                  // byte ranges of known names (their digits are not numbers)
};

// The catalog's names tokenised once (and the stems of their words): build one per catalog
// and hand it to many checks through GroundingOptions::catalog_index. Immutable; share freely.
class CatalogIndex {
 public:
  struct Name {
    std::vector<std::string> keys;  // NameKeys(display)
    std::string display, kind;      // kind: "segment", "product", "theme", "category", "name"
  };
  using NameIndex = std::unordered_map<std::string, std::vector<const Name*>>;

  explicit CatalogIndex(const EntityCatalog& catalog);
  CatalogIndex(const CatalogIndex&) = delete;  // by_first_ points into names_
  CatalogIndex& operator=(const CatalogIndex&) = delete;

  const std::vector<Name>& names() const { return names_; }
  const NameIndex& by_first() const { return by_first_; }  // by first key, longest name first
  const NameIndex& by_key() const { return by_key_; }      // every key -> the names holding it
  const std::unordered_set<std::string>& stems() const { return stems_; }

 private:
  std::vector<Name> names_;
  NameIndex by_first_, by_key_;
  std::unordered_set<std::string> stems_;
};

// One sheet's side of the names, read once: its own names (entities, title, subject id)
// tokenised, the stems of every word of those names, its snippets and its fact labels, and its
// snippets lower-cased. Built per sheet by SheetIndex (grounding_sheet.h) for a batch of
// texts, or per call. Immutable; refers to `sheet`, which must outlive it.
class SheetNames {
 public:
  using Name = CatalogIndex::Name;

  explicit SheetNames(const FactSheet& sheet);
  SheetNames(const SheetNames&) = delete;  // by_first_ points into names_
  SheetNames& operator=(const SheetNames&) = delete;

  const FactSheet& sheet() const { return sheet_; }
  const std::vector<Name>& names() const { return names_; }
  const CatalogIndex::NameIndex& by_first() const { return by_first_; }  // longest name first
  const StemSet& stems() const { return stems_; }
  const std::vector<std::string>& snippets_lower() const { return snippets_lower_; }

 private:
  const FactSheet& sheet_;
  std::vector<Name> names_;
  CatalogIndex::NameIndex by_first_;
  StemSet stems_;
  std::vector<std::string> snippets_lower_;
};

EntityScan SpotEntities(const text::TokenizedText& tt, const SheetNames& sheet, const CatalogIndex& catalog);
EntityScan SpotEntities(const text::TokenizedText& tt, const FactSheet& sheet, const CatalogIndex& catalog);
EntityScan SpotEntities(const text::TokenizedText& tt, const FactSheet& sheet, const EntityCatalog& catalog);

}  // namespace custintel::insight
