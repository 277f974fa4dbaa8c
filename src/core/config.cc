#include "core/config.h"

#include <fmt/format.h>

#include <filesystem>
// Errors as values, not exceptions (the door to toml++ is this file only).
#undef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include "core/embedded.h"
#include "core/strings.h"

namespace custintel {
namespace {

Status ParseSegments(const toml::table& root, const std::string& source, Config* config) {
  const toml::node* node = root.get("segments");
  if (!node) return Status::Ok();
  const toml::array* arr = node->as_array();
  if (!arr) return Status::InvalidArgument(source + ": 'segments' must be an array of tables ([[segments]])");
  std::vector<SegmentRule> rules;
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::table* t = arr->get(i)->as_table();
    auto name = t ? t->get_as<std::string>("name") : nullptr;
    auto when = t ? t->get_as<std::string>("when") : nullptr;
    if (!name || !when) {
      return Status::InvalidArgument(
          fmt::format("{}: segments[{}] needs both name = \"...\" and when = \"<SQL predicate>\"", source, i));
    }
    rules.push_back({name->get(), when->get()});
  }
  if (rules.empty()) return Status::InvalidArgument(source + ": segments is empty");
  config->segments = std::move(rules);
  return Status::Ok();
}

}  // namespace

Result<Config> ParseConfig(const std::string& text, const std::string& source, Config base) {
  toml::parse_result parsed = toml::parse(text, source);
  if (!parsed) {
    const auto& err = parsed.error();
    return Status::InvalidArgument(fmt::format("{} line {}: {}", source, err.source().begin.line,
                                               std::string(err.description())));
  }
  CI_RETURN_IF_ERROR(ParseSegments(parsed.table(), source, &base));
  base.source = source;
  return base;
}

Config DefaultConfig() {
  auto text = embedded::Find("core/default_config.toml");
  auto config = ParseConfig(std::string(text.value_or("")), "default_config.toml", Config{});
  // The defaults are part of the binary; failing to parse them is a bug caught by tests.
  if (!config.ok()) return Config{};
  config->source.clear();
  return *config;
}

Result<Config> LoadConfig(const std::string& path) {
  std::string text;
  if (!std::filesystem::exists(path)) return Status::NotFound(path + ": no such config file");
  if (!ReadFileToString(path, &text)) return Status::IoError(path + ": cannot be read");
  return ParseConfig(text, path, DefaultConfig());
}

}  // namespace custintel
