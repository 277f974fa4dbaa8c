#include "core/embedded.h"

#include <algorithm>

namespace custintel::embedded {

std::optional<std::string_view> Find(std::string_view path) {
  for (const EmbeddedFile& f : Files()) {
    if (f.path == path) return f.content;
  }
  return std::nullopt;
}

std::vector<EmbeddedFile> List(std::string_view prefix) {
  std::vector<EmbeddedFile> out;
  for (const EmbeddedFile& f : Files()) {
    if (f.path.starts_with(prefix)) out.push_back(f);
  }
  std::sort(out.begin(), out.end(),
            [](const EmbeddedFile& a, const EmbeddedFile& b) { return a.path < b.path; });
  return out;
}

}  // namespace custintel::embedded
