// The builtin parser's last step: what the passes found → a spec, or why not.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>

#include "ask/parser_state.h"
#include "core/strings.h"

namespace custintel::ask::internal {
namespace {

using Kind = BuiltinParser::Kind;

void AddUnique(std::vector<std::string>* v, const std::string& x) {
  if (std::find(v->begin(), v->end(), x) == v->end()) v->push_back(x);
}

ParseOutcome Fail(ParseOutcome out, std::string reason) {
  out.answerable = false;
  out.reason = std::move(reason);
  return out;
}

// The measure a comparison is about: right after the number ("more than 5 orders"), else the
// nearest one before the comparator with only filler words between ("churn risk above 0.9").
Mention* FindMeasureNear(State& s, const Comparator& c) {
  for (Mention& m : s.mentions) {
    if (m.kind == Kind::kMeasure && m.start == c.number + 1) return &m;
  }
  Mention* best = nullptr;
  for (Mention& m : s.mentions) {
    if (m.kind != Kind::kMeasure || m.end > c.start) continue;
    bool only_fillers = true;
    for (size_t k = m.end; k < c.start; ++k) only_fillers = only_fillers && !s.used[k] && IsFiller(s.Word(k));
    if (only_fillers) best = &m;
  }
  return best;
}

// "most likely to churn": a superlative right before a condition that thresholds a measure
// asks to rank by that measure.
void SuperlativeConditions(State& s, const SemanticModel& model) {
  if (s.superlative.empty()) return;
  for (Mention& m : s.mentions) {
    if (m.kind != Kind::kCondition || m.start != s.superlative_pos + 1) continue;
    const Condition* c = model.FindCondition(m.name);
    if (c->measure.empty()) continue;
    m.kind = Kind::kMeasure;
    m.name = c->measure;
    m.end = m.start + 2;  // no longer a one-word entity
  }
}

// Words nobody placed: they decide that the question is not understood.
std::vector<std::string> UnknownWords(const State& s) {
  std::vector<std::string> unknown;
  for (size_t i = 0; i < s.tokens.size(); ++i) {
    if (!s.used[i] && !IsFiller(s.Word(i))) unknown.push_back(s.Word(i));
  }
  return unknown;
}

std::string DescribeUnknown(const std::vector<std::string>& words) {
  static const std::regex kHasDigit(".*[0-9].*");
  std::vector<std::string> shown;
  for (const auto& w : words) {
    if (!std::regex_match(w, kHasDigit)) shown.push_back("'" + w + "'");
  }
  if (shown.empty()) return "the question has numbers the data model cannot place";
  return "the data model has nothing for " + Join(shown, ", ");
}

bool ListWordBefore(const State& s, const Mention& entity) {
  for (size_t i = 0; i < entity.start; ++i) {
    if (!IsListWord(s.Word(i))) continue;
    bool dimension_between = std::any_of(s.mentions.begin(), s.mentions.end(), [&](const Mention& m) {
      return m.kind == Kind::kDimension && m.start > i && m.start < entity.start;
    });
    if (!dimension_between) return true;
  }
  return false;
}

// Without a measure: "how much did we sell" is revenue; otherwise count the rows of the
// source the first filter, condition or dimension lives on ("negative reviews by category").
std::string FallbackMeasure(const State& s, const SemanticModel& model) {
  if (s.Has("much") && (s.Has("sell") || s.Has("sold") || s.Has("make") || s.Has("made") || s.Has("earn"))) {
    return "revenue";
  }
  for (const Mention& m : s.mentions) {
    const SourceSql* sql = nullptr;
    if (m.kind == Kind::kCondition) sql = &model.FindCondition(m.name)->predicate;
    if (m.kind == Kind::kValue || m.kind == Kind::kDimension) sql = &model.FindDimension(m.name)->column;
    if (!sql || sql->empty()) continue;
    const Source* source = model.FindSource(sql->front().first);
    if (!source->count_measure.empty()) return source->count_measure;
  }
  return "";
}

std::string Direction(const State& s, const Measure& m) {
  if (s.superlative == "desc" || s.superlative == "asc") return s.superlative;
  if (s.superlative == "best") return m.higher_is_better ? "desc" : "asc";
  if (s.superlative == "worst") return m.higher_is_better ? "asc" : "desc";
  return s.top_dir.empty() ? "desc" : s.top_dir;
}

int64_t RankLimit(const State& s, const QuerySpec& spec, const std::vector<const Mention*>& group_dims,
                  const SemanticModel& model) {
  if (s.explicit_limit > 0) return s.explicit_limit;
  if (s.top_word) return model.default_top;
  for (const auto& d : spec.dimensions) {
    if (d == "customer" || d == "product" || d == "account") return model.default_top;
  }
  bool asks_which = s.Has("which") || s.Has("what");
  if (asks_which && !group_dims.empty() && group_dims.front()->last_token.back() != 's') return 1;
  return 0;
}

// "web orders", "premium customers": a one-word measure right after a value names what the
// value qualifies, not a second measure — when the question has another measure.
void DropEntityMeasures(State& s) {
  size_t measures = 0;
  for (const Mention& m : s.mentions) measures += m.kind == Kind::kMeasure && !m.used_as_filter ? 1 : 0;
  if (measures < 2) return;
  for (Mention& m : s.mentions) {
    if (m.kind != Kind::kMeasure || m.end - m.start != 1 || m.name == "customers") continue;
    bool after_value = std::any_of(s.mentions.begin(), s.mentions.end(), [&](const Mention& v) {
      return (v.kind == Kind::kValue || v.kind == Kind::kCondition) && v.end == m.start;
    });
    if (after_value) m.used_as_filter = true;  // consumed, contributes nothing
  }
}

// A phrase naming several dimensions takes the one defined where the first measure is.
void PickDimensions(State& s, const SemanticModel& model) {
  std::string first_measure;
  for (const Mention& m : s.mentions) {
    if (m.kind == Kind::kMeasure && !m.used_as_filter && first_measure.empty()) first_measure = m.name;
  }
  if (first_measure.empty()) return;
  const Measure* measure = model.FindMeasure(first_measure);
  auto fits = [&](const std::string& dim) {
    for (const auto& [source, sql] : measure->aggregate) {
      if (SqlOn(model.FindDimension(dim)->column, source)) return true;
    }
    return false;
  };
  for (Mention& m : s.mentions) {
    if ((m.kind != Kind::kDimension && m.kind != Kind::kValue) || fits(m.name)) continue;
    for (const auto& alt : m.alternatives) {
      if (fits(alt)) {
        m.name = alt;
        break;
      }
    }
  }
}

}  // namespace

ParseOutcome Resolve(State s, ParseOutcome out, const SemanticModel& model) {
  QuerySpec& spec = s.spec;
  for (const Comparator& c : s.comparators) {
    Mention* m = FindMeasureNear(s, c);
    if (!m) return Fail(std::move(out), "a comparison names no measure to compare");
    m->used_as_filter = true;
    spec.filters.push_back({m->name, c.op, {c.value}});
  }
  SuperlativeConditions(s, model);
  DropEntityMeasures(s);
  PickDimensions(s, model);

  std::vector<std::string> measures;
  const Mention* customers_entity = nullptr;
  std::map<std::string, std::vector<nlohmann::json>> values;
  std::vector<const Mention*> group_dims;
  for (const Mention& m : s.mentions) {
    if (m.kind == Kind::kMeasure && !m.used_as_filter) {
      if (m.name == "customers" && m.end - m.start == 1) {
        customers_entity = &m;
      } else {
        AddUnique(&measures, m.name);
      }
    } else if (m.kind == Kind::kValue) {
      values[m.name].push_back(m.value);
    } else if (m.kind == Kind::kCondition) {
      AddUnique(&spec.conditions, m.name);
    }
  }
  for (const Mention& m : s.mentions) {
    if (m.kind == Kind::kDimension && !values.count(m.name)) {
      group_dims.push_back(&m);
      AddUnique(&spec.dimensions, m.name);
    }
  }
  for (auto& [dim, vals] : values) spec.filters.push_back({dim, "=", vals});
  for (const Filter& f : s.id_filters) spec.filters.push_back(f);

  const bool ranked = !s.superlative.empty() || s.top_word || s.explicit_limit > 0;
  if (customers_entity) {
    const bool listing = ListWordBefore(s, *customers_entity) || (ranked && group_dims.empty() && !measures.empty());
    if (listing) {
      spec.dimensions.insert(spec.dimensions.begin(), "customer");
    } else if (measures.empty()) {
      measures.push_back("customers");
    }
  }
  if (measures.empty() && spec.dimensions.empty()) {
    std::string fallback = FallbackMeasure(s, model);
    if (!fallback.empty()) measures.push_back(fallback);
  } else if (measures.empty() && !customers_entity && (ranked || !group_dims.empty())) {
    std::string fallback = FallbackMeasure(s, model);
    if (!fallback.empty()) measures.push_back(fallback);
  }
  spec.measures = measures;

  std::vector<std::string> unknown = UnknownWords(s);
  if (!unknown.empty()) return Fail(std::move(out), DescribeUnknown(unknown));
  if (spec.measures.empty() && spec.dimensions.empty()) {
    return Fail(std::move(out), "the question names nothing the data model measures");
  }

  if (ranked && !spec.measures.empty() && (!spec.dimensions.empty() || !spec.time_grain.empty())) {
    spec.order_by = spec.measures.front();
    spec.order_dir = Direction(s, *model.FindMeasure(spec.order_by));
    spec.limit = RankLimit(s, spec, group_dims, model);
  }
  out.spec = CanonicalSpec(spec, model);
  out.answerable = true;
  return out;
}

}  // namespace custintel::ask::internal
