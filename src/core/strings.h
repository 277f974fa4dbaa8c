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
// Reads a whole file; empty optional-like error via Result lives in callers (core has no I/O policy).
bool ReadFileToString(const std::string& path, std::string* out);

}  // namespace custintel
