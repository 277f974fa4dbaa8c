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
  if (!s.star_filters.empty() && model.FindMeasure("reviews")) return "reviews";
  for (const Mention& m : s.mentions) {
    if (m.kind == Kind::kVerb) {
      const Source* source = model.FindSource(m.name);
      if (source && !source->count_measure.empty()) return source->count_measure;
      continue;
    }
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

bool HasCompareWord(const State& s) {
  for (const char* w : {"compared", "compare", "comparing", "comparison", "vs", "versus", "against", "differ",
                        "difference", "relative"}) {
    if (s.Has(w)) return true;
  }
  return false;
}

// "premium plan", "marketplace channel", "smb segment": a dimension word right after a value
// names the value's kind; it is not a grouping.
bool QualifiesValue(const State& s, const Mention& dim) {
  return std::any_of(s.mentions.begin(), s.mentions.end(),
                     [&](const Mention& v) { return v.kind == Kind::kValue && v.end == dim.start; });
}

// Named together, a measure or a condition with `combine` turns another measure into a third
// ("sentiment" + "reviews" → review_sentiment; "refunded" + "revenue" → refund_amount).
void Combine(std::vector<std::string>* measures, std::vector<std::string>* conditions, const SemanticModel& model) {
  for (size_t i = 0; i < measures->size(); ++i) {
    const Measure* m = model.FindMeasure((*measures)[i]);
    for (size_t j = 0; j < measures->size(); ++j) {
      auto it = m->combine.find((*measures)[j]);
      if (j == i || it == m->combine.end()) continue;
      (*measures)[i] = it->second;
      measures->erase(measures->begin() + static_cast<long>(j));
      return Combine(measures, conditions, model);
    }
  }
  for (size_t c = 0; c < conditions->size(); ++c) {
    const Condition* cond = model.FindCondition((*conditions)[c]);
    for (auto& name : *measures) {
      auto it = cond->combine.find(name);
      if (it == cond->combine.end()) continue;
      name = it->second;
      conditions->erase(conditions->begin() + static_cast<long>(c));
      return Combine(measures, conditions, model);
    }
  }
}

// "satisfaction score of tickets": a source's count after "of"/"in"/"for", next to another
// measure of that source, names where the other is measured — not a second measure.
void DropSourceCounts(State& s, const SemanticModel& model) {
  std::vector<Mention*> measures;
  for (Mention& m : s.mentions) {
    if (m.kind == Kind::kMeasure && !m.used_as_filter) measures.push_back(&m);
  }
  if (measures.size() < 2) return;
  for (Mention* count : measures) {
    const std::string before = count->start > 0 ? s.Word(count->start - 1) : "";
    if (before != "of" && before != "in" && before != "for" && before != "on") continue;
    const Source* source = nullptr;
    for (const Source& src : model.sources) {
      if (src.count_measure == count->name) source = &src;
    }
    if (!source) continue;
    bool other_there = std::any_of(measures.begin(), measures.end(), [&](const Mention* other) {
      return other != count && other->name != count->name &&
             SqlOn(model.FindMeasure(other->name)->aggregate, source->name).has_value();
    });
    if (other_there) count->used_as_filter = true;  // consumed
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
  DropSourceCounts(s, model);
  PickDimensions(s, model);

  // A share: the rows it counts are named after its base ("what share of [enterprise]
  // customers are [high risk]"); what qualifies the base before it stays a filter of the whole.
  const bool share = s.share_pos != std::string::npos;
  size_t base_start = s.tokens.size(), base_end = s.tokens.size();
  if (share) {
    for (const Mention& m : s.mentions) {
      if (m.kind == Kind::kMeasure && !m.used_as_filter && m.start > s.share_pos) {
        base_start = m.start;
        base_end = m.end;
        break;
      }
    }
    if (base_end == s.tokens.size()) base_start = base_end = s.share_pos + 1;
  }
  bool parts_after = false;
  for (const Mention& m : s.mentions) {
    parts_after = parts_after || ((m.kind == Kind::kValue || m.kind == Kind::kCondition) && m.start >= base_end);
  }
  for (size_t p : s.star_pos) parts_after = parts_after || p >= base_end;
  // "percentage of high risk customers": nothing after the base, so what is between the share
  // word and the base is the part.
  auto in_share = [&](size_t start) {
    if (!share) return false;
    return parts_after ? start >= base_end : start > s.share_pos && start < base_start;
  };

  std::vector<std::string> measures;
  const Mention* customers_entity = nullptr;
  std::map<std::string, std::vector<nlohmann::json>> values, share_values;
  std::vector<const Mention*> group_dims;
  for (const Mention& m : s.mentions) {
    if (m.kind == Kind::kMeasure && !m.used_as_filter) {
      if (m.name == "customers" && m.end - m.start == 1) {
        customers_entity = &m;
      } else {
        AddUnique(&measures, m.name);
      }
    } else if (m.kind == Kind::kValue) {
      (in_share(m.start) ? share_values : values)[m.name].push_back(m.value);
    } else if (m.kind == Kind::kCondition) {
      AddUnique(in_share(m.start) ? &spec.share.conditions : &spec.conditions, m.name);
    }
  }
  for (const Mention& m : s.mentions) {
    if (m.kind == Kind::kDimension && !values.count(m.name) && !share_values.count(m.name) && !QualifiesValue(s, m)) {
      group_dims.push_back(&m);
      AddUnique(&spec.dimensions, m.name);
    }
  }
  for (auto& [dim, vals] : values) spec.filters.push_back({dim, "=", vals});
  for (auto& [dim, vals] : share_values) spec.share.filters.push_back({dim, "=", vals});
  for (size_t k = 0; k < s.star_filters.size(); ++k) {
    (in_share(s.star_pos[k]) ? spec.share.filters : spec.filters).push_back(s.star_filters[k]);
  }
  for (const Filter& f : s.id_filters) spec.filters.push_back(f);
  // "uk compared to eu": two values of one dimension, compared — one row each.
  if (HasCompareWord(s) || !s.second_time_range.empty()) {
    for (const auto& [dim, vals] : values) {
      if (vals.size() >= 2) AddUnique(&spec.dimensions, dim);
    }
  }

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
  Combine(&measures, &spec.conditions, model);
  spec.measures = measures;
  if (share) {
    if (spec.share.empty()) return Fail(std::move(out), "the question asks for a share but not of which rows");
    if (spec.measures.size() != 1) return Fail(std::move(out), "a share is asked of one measure");
    if (model.FindMeasure(spec.measures[0])->is_ratio()) spec.share = {};  // "percentage ... rate"
  }
  if (!s.second_time_range.empty()) {
    if (spec.time_grain.empty() && !spec.measures.empty() && spec.dimensions.empty()) {
      spec.compare_time_range = s.second_time_range;
    } else {
      return Fail(std::move(out), "two periods are compared only for figures without a breakdown");
    }
  }

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
