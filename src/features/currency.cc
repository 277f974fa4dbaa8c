#include "features/currency.h"

#include "core/money.h"

namespace custintel::features {

std::string DataCurrencySql(const std::string& schema) {
  return "SELECT upper(trim(currency)) FROM " + schema + ".orders WHERE nullif(trim(currency), '') IS NOT NULL "
         "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1";
}

Result<std::string> DataCurrency(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(DataCurrencySql()));
  return r.row_count() == 0 ? std::string() : CurrencyCode(r.GetString(0, 0));
}

}  // namespace custintel::features
