#include "gen/phrase_bank.h"

#include <charconv>

#include "core/embedded.h"
#include "core/strings.h"

namespace custintel::gen {

Result<PhraseBank> PhraseBank::LoadEmbedded() {
  constexpr std::string_view kPath = "gen/assets/phrases.tsv";
  std::optional<std::string_view> tsv = embedded::Find(kPath);
  if (!tsv) return Status::Internal(std::string(kPath) + " is not embedded in this build");
  Result<PhraseBank> bank = Parse(*tsv);
  if (!bank.ok()) return bank.status().WithContext(std::string(kPath));
  return bank;
}

Result<PhraseBank> PhraseBank::Parse(std::string_view tsv) {
  PhraseBank bank;
  int line_no = 0;
  for (const std::string& line : Split(tsv, '\n')) {
    ++line_no;
    if (Trim(line).empty() || line[0] == '#') continue;
    std::vector<std::string> f = Split(line, '\t');
    int polarity = 0;
    if (f.size() != 4 ||
        std::from_chars(f[2].data(), f[2].data() + f[2].size(), polarity).ec != std::errc()) {
      return Status::Corruption("line " + std::to_string(line_no) +
                                ": expected kind<TAB>key<TAB>polarity<TAB>text");
    }
    Phrase p{f[3], polarity};
    bank.by_polarity_[{f[0], f[1], polarity}].push_back(p);
    bank.by_key_[{f[0], f[1]}].push_back(std::move(p));
    ++bank.size_;
  }
  return bank;
}

std::span<const Phrase> PhraseBank::Get(std::string_view kind, std::string_view key,
                                        int polarity) const {
  auto it = by_polarity_.find(Key{std::string(kind), std::string(key), polarity});
  if (it == by_polarity_.end()) return {};
  return it->second;
}

std::span<const Phrase> PhraseBank::Get(std::string_view kind, std::string_view key) const {
  auto it = by_key_.find(std::pair<std::string, std::string>{std::string(kind), std::string(key)});
  if (it == by_key_.end()) return {};
  return it->second;
}

}  // namespace custintel::gen
