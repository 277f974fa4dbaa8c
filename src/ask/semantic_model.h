// The semantic model: the only tables, columns and expressions a natural-language question can
// reach. Loaded from TOML (the embedded default is src/ask/assets/semantic_model.toml); its
// SQL fragments are trusted configuration, like the segment rules — user text never enters
// SQL except as bound parameters.
//
//   CI_ASSIGN_OR_RETURN(ask::SemanticModel model, ask::DefaultSemanticModel());
//   CI_RETURN_IF_ERROR(ask::LoadSampleValues(conn, &model));   // optional: values from the data
//   const ask::Measure* m = model.FindMeasure("revenue");
//
// Thread safety: a loaded SemanticModel is immutable and may be shared by threads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace custintel::ask {

// Per-source SQL of a measure, dimension or condition: source name → expression.
using SourceSql = std::vector<std::pair<std::string, std::string>>;

struct Source {
  std::string name;
  std::string from;        // FROM clause with fixed aliases
  std::string time;        // the time column of its rows ("" = none)
  std::string time_label;  // "order date"
  // Measures that may be combined with the time column; empty = all. (Customers carry their
  // acquisition date: "new customers per month" is right, "churn risk per month" is not.)
  std::vector<std::string> time_measures;
  std::map<std::string, std::string> scope;  // scope key (account_id) → column expression
  // What "how many ..." counts when a question names only filters of this source.
  std::string count_measure;
  // Row predicate every query on this source gets: rows up to the run's as-of time (the
  // model's reference time), so an all-time figure is "as of the run" like every gold number.
  std::string as_of;
  // Verbs of this source's rows ("written" for reviews, "signed up" for customers): words a
  // question may use about them; they name the source's count when nothing else is measured.
  std::vector<std::string> verbs;
};

struct Measure {
  std::string name, label, description;
  std::vector<std::string> synonyms;
  SourceSql aggregate;  // in order of preference
  SourceSql row;        // per-row value for comparison filters
  bool higher_is_better = true;
  int round = 2;
  bool money = false;  // an amount: answers name the data's currency in its label (InCurrency)
  // A ratio measure (kind = "ratio"): numerator / denominator, two other measures, each
  // computed on its own source; `percent` multiplies by 100. The answer shows both parts
  // ("67.0% — 2,011 of 3,000 customers"). A ratio has no `aggregate` of its own.
  std::string numerator, denominator;
  bool percent = false;
  // Named together with another measure, this one turns it into a third: "sentiment" with
  // "reviews" is review_sentiment (other measure → resulting measure).
  std::map<std::string, std::string> combine;

  bool is_ratio() const { return !numerator.empty(); }
};

struct Dimension {
  std::string name, label;
  std::vector<std::string> synonyms;
  SourceSql column;
  std::vector<std::string> values;         // sample values (file + data)
  std::vector<std::string> value_context;  // a bare value counts only next to one of these words
  bool sample_from_data = false;
  // Values are also known by their word forms: "email_click" as "email clicks", "emails
  // clicked", "clicked an email" (the parser generates them; see parser.cc).
  bool word_forms = false;
};

struct Condition {
  std::string name, label, description;
  std::vector<std::string> synonyms;
  SourceSql predicate;
  // The measure the condition thresholds: "most likely to churn" orders by it instead.
  std::string measure;
  // Named together with a measure, the condition turns it into another: "refunded" with
  // "revenue" is refund_amount (measure → resulting measure; the condition is then dropped).
  std::map<std::string, std::string> combine;
};

struct VerifiedQuestion {
  std::string question;
  std::string spec_json;
};

struct SemanticModel {
  std::string name;
  std::string reference_time;  // SQL expression: "now" for relative time phrases
  int default_top = 10;
  std::vector<Source> sources;
  std::vector<Measure> measures;
  std::vector<Dimension> dimensions;
  std::vector<Condition> conditions;
  std::vector<VerifiedQuestion> verified;

  const Source* FindSource(const std::string& name) const;
  const Measure* FindMeasure(const std::string& name) const;
  const Dimension* FindDimension(const std::string& name) const;
  const Condition* FindCondition(const std::string& name) const;
  // Position in the model's own order (for canonical specs); -1 when absent.
  int MeasureIndex(const std::string& name) const;
  int DimensionIndex(const std::string& name) const;
  int ConditionIndex(const std::string& name) const;
};

// The SQL of `name` on `source`, or nullopt when it is not defined there.
std::optional<std::string> SqlOn(const SourceSql& sql, const std::string& source);

// Parses a model from TOML text. Every reference (source names, measure names in
// time_measures, ratio parts, combine targets) is checked; errors name the entry.
// In SQL fragments, `{ref}` is the model's reference time (the run's as-of) and
// `{kpi NAME ALIAS}` is the business figure NAME of features/kpis.h over rows aliased ALIAS
// (an aggregate with its as-of filter) and `{kpi_rows NAME ALIAS}` the rows it counts: each
// figure is defined once, there.
Result<SemanticModel> ParseSemanticModel(const std::string& text, const std::string& source_name);
// The embedded default model.
Result<SemanticModel> DefaultSemanticModel();
// A model file (for --model / config).
Result<SemanticModel> LoadSemanticModel(const std::string& path);

// Adds the distinct values found in the data to every dimension with sample_from_data (at most
// `max_values` per dimension; a dimension with more keeps its file values only). Runs one
// SELECT DISTINCT per such dimension at load time — never per question. A source whose tables
// are missing (no run yet) is skipped silently: the file's values remain.
Status LoadSampleValues(store::Connection& conn, SemanticModel* model, int max_values = 60);

// Names the data's currency (features/currency.h) in the label of every money measure:
// "revenue (completed orders) in BRL", so an answer's amounts are never read as dollars. Labels
// stay as they are when the orders name no currency.
Status NameCurrency(store::Connection& conn, SemanticModel* model);

}  // namespace custintel::ask
