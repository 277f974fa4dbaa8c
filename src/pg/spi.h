// Small SPI helpers for the extension's own SQL (the cache, the queue). Main thread only; every
// PostgreSQL call inside goes through PgGuard, so errors arrive as PgError.
#pragma once

#include <string>
#include <vector>

#include "pg/pg_door.h"

namespace custintel::pg {

// SPI_connect for its lifetime; SPI_finish at the end unless an exception is leaving (then the
// transaction's abort closes the connection).
struct SpiSession {
  SpiSession();
  ~SpiSession();
};

// A text[] Datum of `items` in the current memory context. Call inside PgGuard.
Datum TextArray(const std::vector<std::string>& items);

// Runs `sql` with text[] parameters `arrays` ($1, $2 ...); `expect` is the SPI code of success.
void ExecuteWithArrays(const std::string& sql, const std::vector<std::vector<std::string>>& arrays, int expect);
inline void ExecuteWithKeys(const std::string& sql, const std::vector<std::string>& items, int expect) {
  ExecuteWithArrays(sql, {items}, expect);
}

// Column `col` (1-based) of row `row` of the last SPI result, "" for NULL.
std::string SpiValue(int row, int col);
bool SpiIsNull(int row, int col);

}  // namespace custintel::pg
