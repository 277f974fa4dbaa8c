// Shared writer helpers (writer.h).
#include "insight/writer.h"

#include <cctype>

namespace custintel::insight {

std::string FactText(const FactSheet& sheet, std::string_view name) {
  const Fact* f = sheet.Find(name);
  return f ? FormatFact(*f) : std::string();
}

size_t Variant(std::string_view key, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  return n ? static_cast<size_t>(h % n) : 0;
}

std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) out += i + 1 == words.size() ? " and " : ", ";
    out += words[i];
  }
  return out;
}

std::string Capitalized(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

std::string Uncapitalized(std::string s) {
  if (s.size() > 1 && std::islower(static_cast<unsigned char>(s[1]))) {
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  }
  return s;
}

}  // namespace custintel::insight
