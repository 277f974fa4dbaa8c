// The compiler: a validated query spec → one parameterised SELECT over one source of the
// semantic model. Only the model's SQL fragments and validated integers (limit, window
// lengths) are written into the text; every value from the question is a bound parameter.
// The caller's scope is always AND-ed in first; a source that cannot apply a scope key is
// refused, so a scoped caller never reads rows outside the scope (aggregates included).
//
//   CI_ASSIGN_OR_RETURN(CompiledQuery q, CompileSpec(spec, model, {{"account_id", "acme"}}, 1000));
//   conn.Query(q.sql, q.params);
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ask/semantic_model.h"
#include "ask/spec.h"
#include "core/status.h"
#include "store/database.h"

namespace custintel::ask {

using Scope = std::map<std::string, std::string>;

struct CompiledQuery {
  std::string source;               // the model source the query reads
  std::string sql;                  // one SELECT with `?` placeholders
  std::vector<store::Param> params;
  std::vector<std::string> columns; // output column names, in order
  int64_t limit = 0;                // the LIMIT written into the SQL
};

// The first source (in the first measure's order of preference, else model order) on which
// every measure, dimension, filter, condition, scope key and the time column are defined.
// NotFound (with what could not be combined) when there is none.
Result<std::string> ChooseSource(const QuerySpec& spec, const SemanticModel& model, const Scope& scope);

// A rate (a ratio measure) or a share: compiled as part over whole, with columns
// [keys..., value, part, whole].
bool IsRatioSpec(const QuerySpec& spec, const SemanticModel& model);

// REQUIRES: ValidateSpec(spec, model, row_limit) is ok.
Result<CompiledQuery> CompileSpec(const QuerySpec& spec, const SemanticModel& model, const Scope& scope,
                                  int64_t row_limit);

}  // namespace custintel::ask
