// The data's currency: the one source every text that shows money reads it from (the summary,
// insight facts and texts, ask answers, the API's summary text); core/money.h formats amounts
// in it. Money is shown in the currency the orders name, never in a dollar sign the data did
// not give.
//
//   CI_ASSIGN_OR_RETURN(std::string code, features::DataCurrency(conn));  // "BRL"; "" when unknown
//   MoneyText(158.2, code, 0);                                            // "BRL 158"
//
// Thread safety: uses the caller's connection; reads silver.orders only.
#pragma once

#include <string>

#include "core/status.h"
#include "store/database.h"

namespace custintel::features {

// The currency silver.orders names, as core/money.h's CurrencyCode gives it (the most common
// when several, ties by name); "" when no order names one.
Result<std::string> DataCurrency(store::Connection& conn);

// The query DataCurrency runs, over `schema`.orders (the server's per-key "scoped" views);
// its one value is the raw upper-cased currency, for CurrencyCode.
std::string DataCurrencySql(const std::string& schema = "silver");

}  // namespace custintel::features
