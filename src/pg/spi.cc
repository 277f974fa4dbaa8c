#include "pg/spi.h"

namespace custintel::pg {

SpiSession::SpiSession() {
  PgGuard([] {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "custintel: SPI_connect failed");
  });
}

SpiSession::~SpiSession() {
  if (!std::uncaught_exceptions()) SPI_finish();
}

Datum TextArray(const std::vector<std::string>& items) {
  Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (items.empty() ? 1 : items.size())));
  for (size_t i = 0; i < items.size(); ++i) {
    elems[i] = PointerGetDatum(cstring_to_text_with_len(items[i].data(), static_cast<int>(items[i].size())));
  }
  return PointerGetDatum(construct_array(elems, static_cast<int>(items.size()), TEXTOID, -1, false, TYPALIGN_INT));
}

void ExecuteWithArrays(const std::string& sql, const std::vector<std::vector<std::string>>& arrays, int expect) {
  PgGuard([&] {
    const int n = static_cast<int>(arrays.size());
    Oid* types = static_cast<Oid*>(palloc(sizeof(Oid) * (n ? n : 1)));
    Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * (n ? n : 1)));
    for (int i = 0; i < n; ++i) {
      types[i] = TEXTARRAYOID;
      values[i] = TextArray(arrays[i]);
    }
    int rc = SPI_execute_with_args(sql.c_str(), n, types, values, nullptr, false, 0);
    if (rc != expect) elog(ERROR, "custintel: %s failed: %s", sql.c_str(), SPI_result_code_string(rc));
  });
}

std::string SpiValue(int row, int col) {
  char* v = nullptr;
  PgGuard([&] { v = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col); });
  return v ? std::string(v) : std::string();
}

bool SpiIsNull(int row, int col) {
  bool isnull = false;
  PgGuard([&] { (void)SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull); });
  return isnull;
}

}  // namespace custintel::pg
