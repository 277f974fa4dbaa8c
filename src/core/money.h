// Money as text, in the data's currency: the one formatter of every text that shows an amount
// (insight facts and texts, the summary, ask answers, the API's summary text). The currency is
// the data's (features/currency.h finds it); without one, the bare number — never a dollar sign
// the data did not give.
//
//   MoneyText(1234.5, "USD", 0);   // "$1,235"
//   MoneyText(1234.5, "BRL", 0);   // "BRL 1,235"
//   MoneyText(-12.5, "EUR", 2);    // "-€12.50"
//   MoneyText(99, "", 2);          // "99.00"
#pragma once

#include <string>
#include <string_view>

namespace custintel {

// `v` rounded half away from zero to `decimals` decimals, with thousands separators; never "-0".
std::string GroupedFixed(double v, int decimals);

// The ISO code of `currency` when it is a code (any case) or a symbol custintel knows ("$" USD,
// "R$" BRL, "€" EUR, "£" GBP, "¥" JPY); otherwise `currency` as given, trimmed.
std::string CurrencyCode(std::string_view currency);

// What goes before an amount in `currency`: "$" (USD), "€" (EUR), "£" (GBP), "¥" (JPY), "BRL "
// for any other code, a symbol as given ("R$"), "" when unknown.
std::string CurrencyPrefix(std::string_view currency);

// Whether `code` is one of the ISO 4217 codes texts are read with ("BRL", "EUR", ...; exact
// upper case): the grounding evaluator reads "BRL 1,235" as money only for these.
bool IsCurrencyCode(std::string_view code);

// `v` in `currency` with `decimals` decimals (see the examples above); a negative amount keeps
// its sign in front of the currency.
std::string MoneyText(double v, std::string_view currency, int decimals);

}  // namespace custintel
