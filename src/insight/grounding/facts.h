// Facts and snippets: what an insight may state (DESIGN.md §6, issue 7).
//
// A FactSheet is everything one subject (a segment, a customer, an account, the whole run) is
// allowed to say: named numbers built from gold tables, snippets retrieved from notes, reviews
// and tickets, and the names of things (segments, products, themes, categories) it may mention.
// Writers (builtin or LLM) turn a sheet into text; the grounding evaluator checks a text
// against the sheet and the entity catalog.
//
//   FactSheet sheet = ...;                       // insight/fact_builders.h builds them
//   const Fact* f = sheet.Find("size");          // {"size", 1035, kCount, "customers"}
//   std::string s = FormatFact(*f);              // "1,035"
//   std::string h = sheet.InputHash();           // changes when any fact or snippet changes
//
// Number formatting is one door: writers print every number with FormatFact, and the
// evaluator accepts a number in a text when it equals a fact formatted at the precision the
// text shows (the rounding rules of FormatFact, see facts.cc).
//
// Thread safety: plain values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace custintel::insight {

// How a fact's value is read and printed.
//   kCount   integer, thousands separators            1035      -> "1,035"
//   kMoney   in the fact's currency (core/money.h),   1234.5    -> "$1,235" (USD), "BRL 1,235",
//            no decimals from 100 up, two below 100              "1,235" (unknown); 12.34 -> "$12.34"
//   kPercent a fraction printed as a percentage       0.3453    -> "34.5%"
//   kDays    a duration in whole days                 41.6      -> "42 days"
//   kScore   a unitless score, two decimals           -0.3384   -> "-0.34"
enum class FactUnit { kCount, kMoney, kPercent, kDays, kScore };

std::string_view FactUnitName(FactUnit unit);  // "count", "money", "percent", "days", "score"
Result<FactUnit> ParseFactUnit(std::string_view name);

struct Fact {
  std::string name;   // stable key within the sheet: "size", "avg_clv", "churn_delta_vs_all"
  double value = 0;   // as stored (percent facts hold the fraction: 0.345 is 34.5%)
  FactUnit unit = FactUnit::kCount;
  std::string label;  // what it measures, in words: "customers in the segment"
  std::string currency;  // kMoney: the data's currency (features::DataCurrency); "" = unknown, printed bare
};

// A retrieved passage a text may cite, e.g. {"review:R00042", "review", "Arrived late ...", 0.031}.
// Review and ticket text is untrusted: it is PII-masked before it is stored in a sheet.
struct Snippet {
  std::string id;      // "<source>:<natural key>"
  std::string source;  // "note" | "review" | "ticket"
  std::string text;
  double score = 0;    // retrieval score (higher is more relevant)
  std::string topic;   // what it was retrieved for (e.g. a theme key); "" when not retrieved for one
};

enum class SubjectKind { kSegment, kCustomer, kAccount, kRun };
std::string_view SubjectKindName(SubjectKind kind);  // "segment", "customer", "account", "run"

struct Subject {
  SubjectKind kind = SubjectKind::kSegment;
  std::string id;  // segment name, customer_id, account_id; "" for the run
};

struct FactSheet {
  Subject subject;
  std::string title;                  // how texts name the subject: the segment name, "customer C00042"
  std::vector<Fact> facts;
  std::vector<Snippet> snippets;
  std::vector<std::string> entities;  // segment, product, theme, category names this subject may mention

  const Fact* Find(std::string_view name) const;  // null when absent
  // sha256 over the subject, every fact (name, unit, value at print precision) and every
  // snippet (id, text): equal hashes mean a writer would be given the same input.
  std::string InputHash() const;
  nlohmann::json ToJson() const;
  static Result<FactSheet> FromJson(const nlohmann::json& j);
};

// Every name that exists in the data; a text naming something outside it invented it.
struct EntityCatalog {
  std::vector<std::string> segments, products, themes, categories;
};

// The fact printed the way every writer prints it (see FactUnit).
std::string FormatFact(const Fact& fact);

}  // namespace custintel::insight
