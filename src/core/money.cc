#include "core/money.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>

namespace custintel {
namespace {

// "1234567.5" -> "1,234,567.5"; keeps a leading '-'.
std::string WithThousands(std::string digits) {
  size_t start = digits[0] == '-' ? 1 : 0;
  size_t end = digits.find('.');
  if (end == std::string::npos) end = digits.size();
  for (ptrdiff_t i = static_cast<ptrdiff_t>(end) - 3; i > static_cast<ptrdiff_t>(start); i -= 3) {
    digits.insert(static_cast<size_t>(i), ",");
  }
  return digits;
}

bool IsCode(std::string_view s) {
  if (s.size() != 3) return false;
  for (char c : s) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

constexpr std::string_view kCodes[] = {
    "AED", "ARS", "AUD", "BGN", "BRL", "CAD", "CHF", "CLP", "CNY", "COP", "CZK", "DKK", "EGP", "EUR", "GBP",
    "HKD", "HUF", "IDR", "ILS", "INR", "ISK", "JPY", "KES", "KRW", "MXN", "MYR", "NGN", "NOK", "NZD", "PEN",
    "PHP", "PKR", "PLN", "RON", "RUB", "SAR", "SEK", "SGD", "THB", "TRY", "TWD", "UAH", "USD", "VND", "ZAR"};

}  // namespace

bool IsCurrencyCode(std::string_view code) {
  for (std::string_view c : kCodes) {
    if (c == code) return true;
  }
  return false;
}

std::string GroupedFixed(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  double r = std::round(v * scale) / scale;
  if (r == 0) r = 0;
  return WithThousands(fmt::format("{:.{}f}", r, decimals));
}

std::string CurrencyCode(std::string_view currency) {
  std::string c(currency);
  while (!c.empty() && std::isspace(static_cast<unsigned char>(c.back()))) c.pop_back();
  while (!c.empty() && std::isspace(static_cast<unsigned char>(c.front()))) c.erase(0, 1);
  if (c == "$") return "USD";
  if (c == "R$") return "BRL";
  if (c == "\xE2\x82\xAC") return "EUR";
  if (c == "\xC2\xA3") return "GBP";
  if (c == "\xC2\xA5") return "JPY";
  if (!IsCode(c)) return c;
  for (char& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return c;
}

std::string CurrencyPrefix(std::string_view currency) {
  const std::string code = CurrencyCode(currency);
  if (code.empty()) return "";
  if (code == "USD") return "$";
  if (code == "EUR") return "\xE2\x82\xAC";
  if (code == "GBP") return "\xC2\xA3";
  if (code == "JPY") return "\xC2\xA5";
  return IsCode(code) ? code + " " : code;
}

std::string MoneyText(double v, std::string_view currency, int decimals) {
  std::string digits = GroupedFixed(std::fabs(v), decimals);
  const bool negative = v < 0 && digits.find_first_not_of("0.,") != std::string::npos;
  return (negative ? "-" : "") + CurrencyPrefix(currency) + digits;
}

}  // namespace custintel
