// PhraseBank: the phrase banks the synthetic reviews, tickets and chats are composed from,
// parsed from the embedded asset gen/assets/phrases.tsv (kind, key, polarity, text).
//
//   CI_ASSIGN_OR_RETURN(PhraseBank bank, PhraseBank::LoadEmbedded());
//   auto shipping_bad = bank.Get("clause", "shipping", -2);
//
// The polarity of a phrase is what it truly says (a negated "not worth the money" is -1); it
// becomes the ground-truth label, never part of the generated input files.
// Thread safety: immutable after loading; share freely.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/status.h"

namespace custintel::gen {

struct Phrase {
  std::string text;
  int polarity = 0;
};

class PhraseBank {
 public:
  static Result<PhraseBank> LoadEmbedded();
  // Parses the TSV form; lines starting with '#' and blank lines are skipped.
  static Result<PhraseBank> Parse(std::string_view tsv);

  // Phrases of (kind, key) at exactly this polarity; empty when there are none.
  std::span<const Phrase> Get(std::string_view kind, std::string_view key, int polarity) const;
  // Phrases of (kind, key) at any polarity.
  std::span<const Phrase> Get(std::string_view kind, std::string_view key) const;
  size_t size() const { return size_; }

 private:
  using Key = std::tuple<std::string, std::string, int>;
  std::map<Key, std::vector<Phrase>, std::less<>> by_polarity_;
  std::map<std::pair<std::string, std::string>, std::vector<Phrase>, std::less<>> by_key_;
  size_t size_ = 0;
};

}  // namespace custintel::gen
