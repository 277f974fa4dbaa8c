#include "text/language.h"

#include <array>
#include <set>

#include "text/clean.h"
#include "text/lexicon.h"
#include "text/tokenizer.h"

namespace custintel::text {
namespace {

struct Profile {
  const char* code;
  const char* name;
  std::set<std::string_view> words;  // frequent function words, lower case, as the tokenizer folds them
};

const std::array<Profile, 10>& Profiles() {
  static const std::array<Profile, 10> kProfiles = {{
      {"en", "English", {"the", "and", "is", "was", "it", "to", "of", "my", "i", "you", "this", "that", "in", "for",
                         "not", "with", "but", "have", "are", "be", "on", "at", "they", "we", "very", "after", "me"}},
      {"de", "German", {"der", "die", "das", "und", "ist", "nicht", "ich", "ein", "eine", "mit", "zu", "es", "war",
                        "sehr", "auf", "für", "den", "dem", "mein", "meine", "wir", "sie", "aber", "kein", "keine",
                        "noch", "auch", "wurde", "nach"}},
      {"fr", "French", {"le", "la", "les", "et", "est", "un", "une", "je", "pas", "ne", "des", "du", "il", "elle",
                        "très", "mais", "pour", "avec", "mon", "ma", "mes", "nous", "vous", "ce", "cette", "été",
                        "qui", "que", "au"}},
      {"es", "Spanish", {"el", "la", "los", "las", "y", "es", "un", "una", "no", "muy", "pero", "para", "con", "mi",
                         "que", "de", "del", "se", "lo", "por", "fue", "está", "yo", "su", "como", "al", "pedido"}},
      {"it", "Italian", {"il", "lo", "la", "gli", "le", "e", "è", "un", "una", "non", "molto", "ma", "per", "con",
                         "mio", "mia", "che", "di", "del", "della", "sono", "ho", "questo", "questa", "anche"}},
      {"nl", "Dutch", {"de", "het", "een", "en", "is", "niet", "ik", "van", "met", "zeer", "maar", "voor", "mijn",
                       "wij", "zijn", "was", "heel", "dat", "die", "geen", "nog", "ook", "werd", "op"}},
      {"pt", "Portuguese", {"o", "a", "os", "as", "e", "é", "um", "uma", "não", "muito", "mas", "para", "com", "meu",
                            "minha", "que", "de", "do", "da", "foi", "está", "eu", "seu", "pedido", "ao"}},
      {"sv", "Swedish", {"och", "är", "inte", "jag", "en", "ett", "med", "mycket", "men", "för", "min", "mitt",
                         "det", "som", "var", "har", "på", "till", "av", "vi"}},
      {"da", "Danish", {"og", "er", "ikke", "jeg", "en", "et", "med", "meget", "men", "for", "min", "mit", "det",
                        "som", "var", "har", "på", "til", "af", "vi"}},
      {"pl", "Polish", {"i", "jest", "nie", "się", "na", "w", "z", "że", "to", "bardzo", "ale", "dla", "mój", "moja",
                        "był", "była", "jak", "tak", "już", "po"}},
  }};
  return kProfiles;
}

}  // namespace

DetectedLanguage DetectLanguage(std::string_view text) {
  CleanedText clean = CleanText(text);
  TokenizedText t = Tokenize(clean.text);
  std::array<double, 10> votes{};
  int words = 0;
  for (const Token& tok : t.tokens) {
    if (tok.kind != TokenKind::kWord) continue;
    ++words;
    for (std::size_t p = 0; p < Profiles().size(); ++p) {
      // A word shared by several languages ("de", "en", "is") gives each a share of one vote.
      if (Profiles()[p].words.contains(tok.norm)) votes[p] += 1.0;
    }
    // English content words: the sentiment lexicon is English.
    if (Lexicon::Default().Find(tok.norm) != nullptr && !Profiles()[0].words.contains(tok.norm)) votes[0] += 0.5;
  }
  std::size_t best = 0, second = 1;
  for (std::size_t p = 0; p < votes.size(); ++p) {
    if (votes[p] > votes[best]) {
      second = best;
      best = p;
    } else if (p != best && votes[p] > votes[second]) {
      second = p;
    }
  }
  DetectedLanguage out;
  if (votes[best] < 2.0 || votes[best] == votes[second]) return out;
  out.code = Profiles()[best].code;
  out.name = Profiles()[best].name;
  out.share = words > 0 ? votes[best] / words : 0;
  return out;
}

}  // namespace custintel::text
