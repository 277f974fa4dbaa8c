#include "gen/csv_buffer.h"

#include <charconv>
#include <cmath>

namespace custintel::gen {
namespace {

struct Civil {
  int64_t y;
  unsigned m, d;
};

// Hinnant's civil_from_days: exact for the proleptic Gregorian calendar.
Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

void Append2(std::string* out, unsigned v) {
  out->push_back(static_cast<char>('0' + v / 10));
  out->push_back(static_cast<char>('0' + v % 10));
}

bool ParseDigits(std::string_view s, size_t pos, size_t n, int64_t* v) {
  if (pos + n > s.size()) return false;
  auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + n, *v);
  return ec == std::errc() && p == s.data() + pos + n;
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ParseTimestamp(std::string_view s, int64_t* epoch_seconds) {
  int64_t y, mo, d, h = 0, mi = 0, se = 0;
  if (!ParseDigits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || s[7] != '-' ||
      !ParseDigits(s, 5, 2, &mo) || !ParseDigits(s, 8, 2, &d)) {
    return false;
  }
  if (s.size() != 10) {
    if (s.size() != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
        !ParseDigits(s, 11, 2, &h) || !ParseDigits(s, 14, 2, &mi) || !ParseDigits(s, 17, 2, &se)) {
      return false;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) return false;
  const Civil back = CivilFromDays(DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)));
  if (back.d != d) return false;  // 2026-02-30 and friends
  *epoch_seconds = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                   h * 3600 + mi * 60 + se;
  return true;
}

void AppendInt(std::string* out, int64_t v) {
  char tmp[24];
  auto [p, ec] = std::to_chars(tmp, tmp + sizeof(tmp), v);
  out->append(tmp, p);
}

void AppendPadded(std::string* out, int64_t v, int width) {
  char tmp[24];
  auto [p, ec] = std::to_chars(tmp, tmp + sizeof(tmp), v);
  for (int n = static_cast<int>(p - tmp); n < width; ++n) out->push_back('0');
  out->append(tmp, p);
}

void AppendFixed(std::string* out, double v, int decimals) {
  char tmp[64];
  auto [p, ec] = std::to_chars(tmp, tmp + sizeof(tmp), v, std::chars_format::fixed, decimals);
  out->append(tmp, p);
}

void AppendMoney(std::string* out, int64_t cents) {
  if (cents < 0) {
    out->push_back('-');
    cents = -cents;
  }
  AppendInt(out, cents / 100);
  out->push_back('.');
  Append2(out, static_cast<unsigned>(cents % 100));
}

void AppendDate(std::string* out, int64_t epoch_seconds) {
  const Civil c = CivilFromDays(FloorDiv(epoch_seconds, 86400));
  AppendPadded(out, c.y, 4);
  out->push_back('-');
  Append2(out, c.m);
  out->push_back('-');
  Append2(out, c.d);
}

void AppendTimestamp(std::string* out, int64_t epoch_seconds) {
  AppendDate(out, epoch_seconds);
  const int64_t sod = epoch_seconds - FloorDiv(epoch_seconds, 86400) * 86400;
  out->push_back('T');
  Append2(out, static_cast<unsigned>(sod / 3600));
  out->push_back(':');
  Append2(out, static_cast<unsigned>(sod / 60 % 60));
  out->push_back(':');
  Append2(out, static_cast<unsigned>(sod % 60));
  out->push_back('Z');
}

void CsvBuffer::Sep() {
  if (row_started_) buf_.push_back(',');
  row_started_ = true;
}

CsvBuffer& CsvBuffer::Raw(std::string_view s) {
  Sep();
  buf_.append(s);
  return *this;
}

CsvBuffer& CsvBuffer::Text(std::string_view s) {
  Sep();
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    buf_.append(s);
    return *this;
  }
  buf_.push_back('"');
  for (char c : s) {
    if (c == '"') buf_.push_back('"');
    buf_.push_back(c);
  }
  buf_.push_back('"');
  return *this;
}

CsvBuffer& CsvBuffer::Int(int64_t v) {
  Sep();
  AppendInt(&buf_, v);
  return *this;
}

CsvBuffer& CsvBuffer::Id(std::string_view prefix, int64_t v, int width) {
  Sep();
  buf_.append(prefix);
  AppendPadded(&buf_, v, width);
  return *this;
}

CsvBuffer& CsvBuffer::Money(int64_t cents) {
  Sep();
  AppendMoney(&buf_, cents);
  return *this;
}

CsvBuffer& CsvBuffer::Fixed(double v, int decimals) {
  Sep();
  AppendFixed(&buf_, v, decimals);
  return *this;
}

CsvBuffer& CsvBuffer::Timestamp(int64_t epoch_seconds) {
  Sep();
  AppendTimestamp(&buf_, epoch_seconds);
  return *this;
}

CsvBuffer& CsvBuffer::Date(int64_t epoch_seconds) {
  Sep();
  AppendDate(&buf_, epoch_seconds);
  return *this;
}

void CsvBuffer::EndRow() {
  buf_.push_back('\n');
  row_started_ = false;
}

}  // namespace custintel::gen
