// Small string helpers shared by every part.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace custintel {

std::vector<std::string> Split(std::string_view s, char sep);
std::string_view Trim(std::string_view s);
std::string ToLower(std::string_view s);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
// SQL literal: 'it''s' (single quotes doubled). For identifiers see QuoteIdent.
std::string QuoteLiteral(std::string_view s);
// SQL identifier: "col""name".
std::string QuoteIdent(std::string_view s);
// UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view s);
// `s` with every invalid byte replaced by U+FFFD; valid UTF-8 comes back unchanged.
std::string ToValidUtf8(std::string_view s);
// At most max_bytes of `s`, cut at a character boundary (never inside a multi-byte character),
// with "..." appended when cut. REQUIRES: s is valid UTF-8 (else the cut may still be anywhere).
std::string Utf8Truncate(std::string_view s, size_t max_bytes);
// Reads a whole file; empty optional-like error via Result lives in callers (core has no I/O policy).
bool ReadFileToString(const std::string& path, std::string* out);

}  // namespace custintel
