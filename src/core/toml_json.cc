#include "core/toml_json.h"

#include <fmt/format.h>

#include <sstream>

// Errors as values, not exceptions: the same toml++ prelude as core/config.cc.
#undef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

namespace custintel {
namespace {

nlohmann::json ToJson(const toml::node& node) {
  if (const toml::table* t = node.as_table()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : *t) out[std::string(key.str())] = ToJson(value);
    return out;
  }
  if (const toml::array* a = node.as_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const toml::node& item : *a) out.push_back(ToJson(item));
    return out;
  }
  if (auto s = node.as_string()) return s->get();
  if (auto i = node.as_integer()) return i->get();
  if (auto f = node.as_floating_point()) return f->get();
  if (auto b = node.as_boolean()) return b->get();
  std::ostringstream text;  // dates, times, date-times: their TOML text
  node.visit([&](const auto& v) { text << v; });
  return text.str();
}

}  // namespace

Result<nlohmann::json> ParseTomlAsJson(std::string_view text, const std::string& source_name) {
  toml::parse_result parsed = toml::parse(text, source_name);
  if (!parsed) {
    const auto& err = parsed.error();
    return Status::InvalidArgument(fmt::format("{} line {}: {}", source_name, err.source().begin.line,
                                               std::string(err.description())));
  }
  return ToJson(parsed.table());
}

}  // namespace custintel
