// TOML documents as JSON values: the one door to toml++ besides the config parser (config.cc),
// for parts that read their own TOML assets (the ask semantic model). Tables become objects,
// arrays arrays, strings, integers, floats and booleans themselves, dates and times their TOML
// text.
//
//   CI_ASSIGN_OR_RETURN(nlohmann::json doc, ParseTomlAsJson(text, "semantic_model.toml"));
//   doc["measures"][0]["name"]  // "revenue"
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace custintel {

// A parse error names the source and line: "semantic_model.toml line 3: ...".
Result<nlohmann::json> ParseTomlAsJson(std::string_view text, const std::string& source_name);

}  // namespace custintel
