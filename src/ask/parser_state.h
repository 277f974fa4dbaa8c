// Internal to the builtin parser: what the passes over one question find (parser.cc), and the
// step that turns it into a spec (parser_resolve.cc). Not part of the ask API.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "ask/parser.h"
#include "ask/tokens.h"

namespace custintel::ask::internal {


struct Mention {
  BuiltinParser::Kind kind;
  std::string name, value;
  size_t start = 0, end = 0;  // token range [start, end)
  std::string last_token;
  bool used_as_filter = false;
  // Other dimensions the same phrase names ("category": product or ticket); the one that fits
  // the question's measure is chosen when the measures are known.
  std::vector<std::string> alternatives = {};
};

struct Comparator {
  size_t start = 0, number = 0;  // comparator's first token, the number's token
  std::string op;
  double value = 0;
};

// Everything one question's passes find; the passes fill it left to right.
struct State {
  std::vector<Token> tokens;
  std::vector<bool> used;
  QuerySpec spec;
  std::vector<Mention> mentions;
  std::vector<Comparator> comparators;
  std::vector<Filter> id_filters;
  std::string superlative;
  size_t superlative_pos = 0;
  bool top_word = false;
  std::string top_dir;
  int64_t explicit_limit = 0;
  // "one star", "4 stars or more": filters on the rating, in question order.
  std::vector<Filter> star_filters;
  std::vector<size_t> star_pos;
  // "what share of ...": the share word's position (npos = not a share).
  size_t share_pos = std::string::npos;
  // A second time range ("this quarter vs last quarter").
  std::string second_time_range;

  std::string Word(size_t i) const { return i < tokens.size() ? tokens[i].text : ""; }
  bool Free(size_t i) const { return i < tokens.size() && !used[i]; }
  void Use(size_t from, size_t count) {
    for (size_t i = from; i < from + count && i < used.size(); ++i) used[i] = true;
  }
  bool Has(const std::string& w) const {
    return std::any_of(tokens.begin(), tokens.end(), [&](const Token& t) { return t.text == w; });
  }
};


// Mentions, comparators, superlatives and counts → the spec, or why it cannot be answered.
ParseOutcome Resolve(State s, ParseOutcome out, const SemanticModel& model);

}  // namespace custintel::ask::internal
