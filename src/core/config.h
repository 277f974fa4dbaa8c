// Configuration: custintel.toml, layered over the embedded defaults
// (src/core/default_config.toml). Options are plain structs with in-class defaults; CLI flags
// override them in cli/ — that is the one place flags, file keys and environment meet.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace custintel {

struct SegmentRule {
  std::string name;
  std::string when;  // SQL predicate over customer features and scores
};

struct Config {
  // Ordered; first match wins. The last rule should be a catch-all ("TRUE").
  std::vector<SegmentRule> segments;
  // The file the config came from ("" = defaults only).
  std::string source;
};

// The embedded defaults.
Config DefaultConfig();
// Defaults overlaid with the TOML file at `path`. A missing file is NotFound; a malformed one
// is InvalidArgument naming the line.
Result<Config> LoadConfig(const std::string& path);
// Parses TOML text (for tests and for the defaults).
Result<Config> ParseConfig(const std::string& text, const std::string& source, Config base);

}  // namespace custintel
