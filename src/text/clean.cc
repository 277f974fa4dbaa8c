#include "text/clean.h"

#include <utf8proc.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace custintel::text {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Copies valid UTF-8 and replaces each invalid sequence with U+FFFD.
std::size_t RepairUtf8(std::string_view in, std::string* out) {
  std::size_t replaced = 0;
  out->reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(in.data() + i),
                                          static_cast<utf8proc_ssize_t>(in.size() - i), &cp);
    if (n > 0) {
      out->append(in.substr(i, static_cast<std::size_t>(n)));
      i += static_cast<std::size_t>(n);
      continue;
    }
    out->append(kReplacement);
    ++replaced;
    ++i;  // skip continuation bytes of the same broken sequence
    while (i < in.size() && (static_cast<unsigned char>(in[i]) & 0xC0) == 0x80) ++i;
  }
  return replaced;
}

struct Entity {
  std::string_view name;
  std::string_view value;
};
constexpr std::array<Entity, 10> kEntities = {{{"amp", "&"}, {"lt", "<"}, {"gt", ">"},
                                               {"quot", "\""}, {"apos", "'"}, {"nbsp", " "},
                                               {"#39", "'"}, {"rsquo", "\xE2\x80\x99"},
                                               {"hellip", "..."}, {"mdash", " - "}}};

bool StartsWithNoCase(std::string_view s, std::size_t at, std::string_view prefix) {
  if (s.size() - at < prefix.size()) return false;
  for (std::size_t k = 0; k < prefix.size(); ++k) {
    char a = s[at + k];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != prefix[k]) return false;
  }
  return true;
}

// A tag starts with '<' followed by a letter, '/' or '!'; anything else is a literal '<'.
bool LooksLikeTag(std::string_view s, std::size_t i) {
  if (i + 1 >= s.size()) return false;
  char n = s[i + 1];
  return (n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') || n == '/' || n == '!';
}

// Skips a tag (and the body of script/style); appends a break for block-level tags.
std::size_t SkipTag(std::string_view s, std::size_t i, std::string* out) {
  for (std::string_view body_tag : {std::string_view("script"), std::string_view("style")}) {
    if (StartsWithNoCase(s, i + 1, body_tag)) {
      std::string close = "</" + std::string(body_tag);
      std::size_t k = i;
      while (k < s.size() && !StartsWithNoCase(s, k, close)) ++k;
      i = k;
      break;
    }
  }
  std::size_t end = s.find('>', i);
  if (end == std::string_view::npos) end = s.size() - 1;
  bool block = StartsWithNoCase(s, i, "<br") || StartsWithNoCase(s, i, "<p") ||
               StartsWithNoCase(s, i, "</p") || StartsWithNoCase(s, i, "<li") ||
               StartsWithNoCase(s, i, "<div") || StartsWithNoCase(s, i, "</div");
  out->append(block ? "\n" : " ");
  return end + 1;
}

std::size_t DecodeEntity(std::string_view s, std::size_t i, std::string* out, bool* decoded) {
  std::size_t semi = s.find(';', i);
  if (semi == std::string_view::npos || semi - i > 8) {
    out->push_back('&');
    return i + 1;
  }
  std::string_view name = s.substr(i + 1, semi - i - 1);
  for (const Entity& e : kEntities) {
    if (name == e.name) {
      out->append(e.value);
      *decoded = true;
      return semi + 1;
    }
  }
  out->push_back('&');
  return i + 1;
}

// Removes tags and decodes entities; returns whether anything was changed.
bool StripHtml(std::string_view in, std::string* out) {
  if (in.find('<') == std::string_view::npos && in.find('&') == std::string_view::npos) {
    out->assign(in);
    return false;
  }
  bool changed = false;
  out->reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    if (in[i] == '<' && LooksLikeTag(in, i)) {
      i = SkipTag(in, i, out);
      changed = true;
    } else if (in[i] == '&') {
      i = DecodeEntity(in, i, out, &changed);
    } else {
      out->push_back(in[i++]);
    }
  }
  return changed;
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

void NormalizeNfc(std::string* text) {
  if (IsAscii(*text)) return;
  utf8proc_uint8_t* mapped = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text->data()),
                                    static_cast<utf8proc_ssize_t>(text->size()), &mapped,
                                    static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n >= 0 && mapped != nullptr) text->assign(reinterpret_cast<char*>(mapped), static_cast<std::size_t>(n));
  std::free(mapped);
}

}  // namespace

CleanedText CleanText(std::string_view raw) {
  CleanedText result;
  std::string valid;
  result.invalid_utf8_replaced = RepairUtf8(raw, &valid);
  result.html_stripped = StripHtml(valid, &result.text);
  NormalizeNfc(&result.text);
  return result;
}

}  // namespace custintel::text
