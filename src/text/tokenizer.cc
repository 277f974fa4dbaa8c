#include "text/tokenizer.h"

#include <utf8proc.h>

#include <array>
#include <cstdlib>

namespace custintel::text {
namespace {

// Emoticons recognised as single tokens; longest first so ":-)" wins over ":-".
constexpr std::array<std::string_view, 44> kEmoticons = {
    ">:-(", "(^_^)", "<333", "</3", ">:(", ":-)", ":-(", ":-D", ":-P", ";-)", ":-*", ":-/",
    ":-\\", ":o)", "^_^", "-_-", ":'(", ":,(", ";-(", "<33", ":)", "(:", "=)", ":]", ":}",
    ":>", ":D", "=D", "xD", "XD", ":P", ";)", "<3", ":*", ":(", "):", "=(", ":[", ":{",
    ":/", ":\\", ":|", "D:", "^^"};

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

struct Decoded {
  utf8proc_int32_t cp = 0;
  std::size_t len = 1;
  utf8proc_category_t cat = UTF8PROC_CATEGORY_CN;
};

Decoded DecodeAt(std::string_view s, std::size_t i) {
  Decoded d;
  utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                                        static_cast<utf8proc_ssize_t>(s.size() - i), &d.cp);
  if (n <= 0) return d;  // cannot happen after CleanText; treated as one unknown byte
  d.len = static_cast<std::size_t>(n);
  d.cat = utf8proc_category(d.cp);
  return d;
}

bool IsWordCategory(utf8proc_category_t c) {
  return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_MC) ||
         c == UTF8PROC_CATEGORY_ND || c == UTF8PROC_CATEGORY_ME;
}

// Variation selectors, zero-width joiners and skin tones decorate an emoji; never tokens.
bool IsEmojiDecoration(utf8proc_int32_t cp) {
  return cp == 0xFE0F || cp == 0xFE0E || cp == 0x200D || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
         cp == 0x20E3;
}

bool IsApostrophe(std::string_view s, std::size_t i, std::size_t* len) {
  if (s[i] == '\'') { *len = 1; return true; }
  if (s.compare(i, 3, "\xE2\x80\x99") == 0) { *len = 3; return true; }  // ’
  return false;
}

std::string FoldCase(std::string_view word) {
  utf8proc_uint8_t* mapped = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(word.data()),
                                    static_cast<utf8proc_ssize_t>(word.size()), &mapped,
                                    static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                                                   UTF8PROC_CASEFOLD));
  std::string out = (n >= 0 && mapped) ? std::string(reinterpret_cast<char*>(mapped), static_cast<std::size_t>(n))
                                       : std::string(word);
  std::free(mapped);
  return out;
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) { out_.text = s; }

  TokenizedText Run() {
    while (i_ < s_.size()) Step();
    CloseSentence();
    out_.clause_count = clause_ + 1;
    return std::move(out_);
  }

 private:
  void Step() {
    char c = s_[i_];
    if (IsSpace(c)) { ++i_; return; }
    if (c == '\n') { ++i_; CloseSentence(); return; }
    if (TryEmoticon()) return;
    auto uc = static_cast<unsigned char>(c);
    if (IsAsciiAlpha(c) || IsAsciiDigit(c)) { Word(); return; }
    if (c == '-' && i_ > 0 && i_ + 1 < s_.size() && IsAsciiAlpha(s_[i_ - 1]) && IsAsciiAlpha(s_[i_ + 1])) {
      ++i_;  // "well-made" reads as "well made"; lexicon phrases are written with spaces
      return;
    }
    if (uc < 0x80) { Punct(1); return; }
    Decoded d = DecodeAt(s_, i_);
    if (IsWordCategory(d.cat)) { Word(); return; }
    if (IsEmojiDecoration(d.cp) || d.cat == UTF8PROC_CATEGORY_ZS || d.cat == UTF8PROC_CATEGORY_CF) {
      i_ += d.len;
      return;
    }
    if (d.cat == UTF8PROC_CATEGORY_SO || d.cat == UTF8PROC_CATEGORY_SK) {
      Emit(i_, i_ + d.len, std::string(s_.substr(i_, d.len)), TokenKind::kEmoji);
      i_ += d.len;
      return;
    }
    Punct(d.len);
  }

  bool TryEmoticon() {
    char c = s_[i_];
    if (c != ':' && c != ';' && c != '=' && c != '<' && c != '>' && c != '^' && c != '(' &&
        c != ')' && c != '-' && c != 'x' && c != 'X' && c != 'D') {
      return false;
    }
    bool at_start = i_ == 0 || IsSpace(s_[i_ - 1]) || s_[i_ - 1] == '\n';
    for (std::string_view e : kEmoticons) {
      if (s_.compare(i_, e.size(), e) != 0) continue;
      if (IsAsciiAlpha(e[0]) && !at_start) continue;  // "xD" only as its own word
      std::size_t after = i_ + e.size();
      if (after < s_.size() && (IsAsciiAlpha(s_[after]) || IsAsciiDigit(s_[after]))) continue;
      Emit(i_, after, std::string(e), TokenKind::kEmoticon);
      i_ = after;
      return true;
    }
    return false;
  }

  void Word() {
    std::size_t begin = i_;
    bool ascii = true, digits_only = true;
    int upper = 0, lower = 0;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (IsAsciiAlpha(c) || IsAsciiDigit(c)) {
        upper += (c >= 'A' && c <= 'Z');
        lower += (c >= 'a' && c <= 'z');
        digits_only &= IsAsciiDigit(c);
        ++i_;
        continue;
      }
      std::size_t len = 0;
      if (IsApostrophe(s_, i_, &len) && i_ > begin && i_ + len < s_.size() && IsAsciiAlpha(s_[i_ + len])) {
        i_ += len;
        continue;
      }
      if ((c == '.' || c == ',' || c == '/') && digits_only && i_ + 1 < s_.size() && IsAsciiDigit(s_[i_ + 1])) {
        ++i_;  // 3.5, 1,000, 10/10
        continue;
      }
      if (static_cast<unsigned char>(c) < 0x80) break;
      Decoded d = DecodeAt(s_, i_);
      if (!IsWordCategory(d.cat)) break;
      ascii = false;
      digits_only = false;
      ++lower;  // non-ASCII letters never make a word "all caps" on their own
      i_ += d.len;
    }
    std::string_view surface = s_.substr(begin, i_ - begin);
    Token t;
    if (ascii) {
      t.norm.reserve(surface.size());
      for (char c : surface) {
        if (c == '\xE2') { t.norm.push_back('\''); continue; }  // ’ folded to '
        if (c == '\x80' || c == '\x99') continue;
        t.norm.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
      }
    } else {
      t.norm = FoldCase(surface);
    }
    t.all_caps = upper >= 2 && lower == 0;
    Emit(begin, i_, std::move(t.norm), digits_only ? TokenKind::kNumber : TokenKind::kWord, t.all_caps);
  }

  void Punct(std::size_t len) {
    std::size_t begin = i_;
    char c = s_[i_];
    i_ += len;
    if (c == '.' || c == '!' || c == '?') {
      while (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == '!' || s_[i_] == '?')) {
        if (s_[i_] == '!') ++exclamations_;
        if (s_[i_] == '?') question_ = true;
        ++i_;
      }
      if (c == '!') ++exclamations_;
      if (c == '?') question_ = true;
      Emit(begin, i_, std::string(1, c), TokenKind::kPunct);
      CloseSentence();
      return;
    }
    Emit(begin, i_, std::string(s_.substr(begin, len)), TokenKind::kPunct);
    if (IsClauseBreak(out_.tokens.back())) ++clause_;
  }

  void Emit(std::size_t begin, std::size_t end, std::string norm, TokenKind kind, bool caps = false) {
    Token t;
    t.norm = std::move(norm);
    t.begin = static_cast<std::uint32_t>(begin);
    t.end = static_cast<std::uint32_t>(end);
    t.sentence = static_cast<std::uint32_t>(out_.sentences.size());
    t.clause = clause_;
    t.kind = kind;
    t.all_caps = caps;
    out_.tokens.push_back(std::move(t));
  }

  void CloseSentence() {
    auto end_token = static_cast<std::uint32_t>(out_.tokens.size());
    if (end_token == first_token_) return;
    Sentence s;
    s.first_token = first_token_;
    s.end_token = end_token;
    s.begin = out_.tokens[first_token_].begin;
    s.end = out_.tokens[end_token - 1].end;
    s.exclamations = exclamations_;
    s.question = question_;
    int words = 0, caps = 0;
    for (std::uint32_t k = first_token_; k < end_token; ++k) {
      const Token& t = out_.tokens[k];
      if (t.kind != TokenKind::kWord) continue;
      ++words;
      caps += t.all_caps;
    }
    s.all_caps = words >= 2 && caps == words;
    out_.sentences.push_back(s);
    first_token_ = end_token;
    exclamations_ = 0;
    question_ = false;
    ++clause_;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  TokenizedText out_;
  std::uint32_t first_token_ = 0;
  std::uint32_t clause_ = 0;
  std::uint32_t exclamations_ = 0;
  bool question_ = false;
};

}  // namespace

bool IsClauseBreak(const Token& t) {
  if (t.kind != TokenKind::kPunct) return false;
  const std::string& n = t.norm;
  return n == "," || n == ";" || n == ":" || n == "(" || n == ")" || n == "-" ||
         n == "\xE2\x80\x93" || n == "\xE2\x80\x94";
}

TokenizedText Tokenize(std::string_view text) { return Scanner(text).Run(); }

}  // namespace custintel::text
