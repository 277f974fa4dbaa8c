// CsvBuffer: appends RFC 4180 rows to one growing string, fast (std::to_chars, no iostreams).
// Also the calendar helpers that turn epoch seconds into the silver contract's text forms:
// timestamps `2025-03-14T10:22:05Z` and dates `2025-03-14` (always UTC).
//
//   CsvBuffer out;
//   out.Text("C000001").Int(3).Money(1999).Timestamp(t).EndRow();
//
// Fields are separated by ','; a field is quoted only when it holds ',', '"', CR or LF, and
// inner quotes are doubled. Rows end with "\n".
// Thread safety: a value; one per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace custintel::gen {

// Days since 1970-01-01 for a proleptic Gregorian date (Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
// Parses "YYYY-MM-DDTHH:MM:SSZ" (or a bare "YYYY-MM-DD", midnight). False when malformed.
bool ParseTimestamp(std::string_view text, int64_t* epoch_seconds);

class CsvBuffer {
 public:
  CsvBuffer& Text(std::string_view s);       // quoted when needed
  CsvBuffer& Raw(std::string_view s);        // REQUIRES: nothing that needs quoting
  CsvBuffer& Empty() { return Raw({}); }
  CsvBuffer& Int(int64_t v);
  // Prefix followed by v zero-padded to `width` digits: Id("C", 12, 6) → C000012.
  CsvBuffer& Id(std::string_view prefix, int64_t v, int width);
  CsvBuffer& Money(int64_t cents);           // 12.50
  CsvBuffer& Fixed(double v, int decimals);  // 0.0421
  CsvBuffer& Bool(bool v) { return Raw(v ? "true" : "false"); }
  CsvBuffer& Timestamp(int64_t epoch_seconds);  // 2025-03-14T10:22:05Z
  CsvBuffer& Date(int64_t epoch_seconds);       // 2025-03-14
  void EndRow();

  const std::string& str() const { return buf_; }
  std::string& mutable_str() { return buf_; }
  size_t size() const { return buf_.size(); }
  void clear() { buf_.clear(); }

 private:
  void Sep();

  std::string buf_;
  bool row_started_ = false;
};

// Appends helpers usable outside a CsvBuffer (e.g. while building a JSON properties string).
void AppendInt(std::string* out, int64_t v);
void AppendPadded(std::string* out, int64_t v, int width);
void AppendFixed(std::string* out, double v, int decimals);
void AppendMoney(std::string* out, int64_t cents);
void AppendTimestamp(std::string* out, int64_t epoch_seconds);
void AppendDate(std::string* out, int64_t epoch_seconds);

}  // namespace custintel::gen
