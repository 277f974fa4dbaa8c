// Tokenizer shared by every analyzer: one pass over cleaned UTF-8 that yields word, number,
// punctuation, emoji and emoticon tokens with case-folded forms, sentence and clause ids.
// Analyzers tokenise once and share the result (the hot path has no regex).
//
//   TokenizedText t = Tokenize("Fast shipping, but the case CRACKED :(");
//   // t.tokens[0].norm == "fast"; t.tokens[6].all_caps; t.tokens.back().kind == kEmoticon
//
// Thread safety: pure function; a TokenizedText views the string it was built from, which
// must outlive it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace custintel::text {

enum class TokenKind : std::uint8_t { kWord, kNumber, kPunct, kEmoji, kEmoticon };

struct Token {
  std::string norm;          // case-folded word; the character itself for punct/emoji/emoticon
  std::uint32_t begin = 0;   // byte offsets into the tokenised text
  std::uint32_t end = 0;
  std::uint32_t sentence = 0;
  std::uint32_t clause = 0;  // increases at , ; : ( ) dashes and sentence ends
  TokenKind kind = TokenKind::kWord;
  bool all_caps = false;     // a word of two or more letters, all upper case
};

struct Sentence {
  std::uint32_t first_token = 0;  // [first_token, end_token)
  std::uint32_t end_token = 0;
  std::uint32_t begin = 0;        // byte range in the text, trimmed
  std::uint32_t end = 0;
  std::uint32_t exclamations = 0; // '!' marks that end or sit inside the sentence
  bool question = false;
  bool all_caps = false;          // every word with letters is upper case (shouting sentence)
};

struct TokenizedText {
  std::string_view text;
  std::vector<Token> tokens;
  std::vector<Sentence> sentences;
  std::uint32_t clause_count = 0;

  std::string_view Surface(const Token& t) const { return text.substr(t.begin, t.end - t.begin); }
  std::string_view SentenceText(const Sentence& s) const { return text.substr(s.begin, s.end - s.begin); }
};

// REQUIRES: `text` is valid UTF-8 (see CleanText) and smaller than 4 GiB.
TokenizedText Tokenize(std::string_view text);

// True for clause-breaking punctuation tokens (, ; : ( ) - – —).
bool IsClauseBreak(const Token& t);

}  // namespace custintel::text
