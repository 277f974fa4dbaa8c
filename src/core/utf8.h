// UTF-8 checks shared by every part: the server validates requests at its door with them and
// cuts audit texts at character boundaries; the AI layer repairs what a model emits.
#pragma once

#include <string>
#include <string_view>

namespace custintel {

// UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view s);
// `s` with every invalid byte replaced by U+FFFD; valid UTF-8 comes back unchanged.
std::string ToValidUtf8(std::string_view s);
// At most max_bytes of `s`, cut at a character boundary (never inside a multi-byte character),
// with "..." appended when cut. REQUIRES: s is valid UTF-8 (else the cut may still be anywhere).
std::string Utf8Truncate(std::string_view s, size_t max_bytes);

}  // namespace custintel
