// Text cleaning: the first step of every analyzer. Owns turning arbitrary bytes into valid,
// NFC-normalised UTF-8 without markup, and reporting what it had to change.
//
//   CleanedText c = CleanText("<p>Caf\xC3\xA9 \xFF ok</p>");
//   // c.text == "Café \uFFFD ok", c.invalid_utf8_replaced == 1, c.html_stripped == true
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace custintel::text {

struct CleanedText {
  std::string text;                   // valid UTF-8, NFC, tags removed, entities decoded
  std::size_t invalid_utf8_replaced = 0;  // byte sequences replaced by U+FFFD
  bool html_stripped = false;         // at least one tag or entity was removed
};

// Replaces invalid UTF-8 with U+FFFD (one per maximal invalid sequence), strips HTML tags
// (<script>/<style> bodies included), decodes common entities, turns <br>/<p> into breaks,
// and NFC-normalises. Never fails; linear in the input size.
CleanedText CleanText(std::string_view raw);

}  // namespace custintel::text
