// Files compiled into the binary (SQL models, migrations, default config), by path under src/.
// The table is generated at build time by cmake/EmbedScript.cmake; nothing is copied by hand.
//
//   std::optional<std::string_view> sql = embedded::Find("features/sql/customer_features.sql");
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace custintel::embedded {

struct EmbeddedFile {
  std::string_view path;     // relative to src/, e.g. "store/migrations/0001_init.sql"
  std::string_view content;
};

std::span<const EmbeddedFile> Files();
std::optional<std::string_view> Find(std::string_view path);
// Every embedded file whose path starts with `prefix`, sorted by path.
std::vector<EmbeddedFile> List(std::string_view prefix);

}  // namespace custintel::embedded
