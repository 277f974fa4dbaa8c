// Versioned schema migrations. Each migration is applied once, inside its own transaction, and
// recorded in meta.schema_migrations; a failing migration rolls back entirely and stops.
// The engine's migrations are the embedded files src/store/migrations/NNNN_name.sql.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "store/database.h"

namespace custintel::store {

struct Migration {
  int version = 0;   // strictly increasing
  std::string name;
  std::string sql;
  // Runs after `sql`, in the same transaction, for what SQL alone cannot do (files); may be empty.
  std::function<Status(Connection&)> step;
};

// The embedded migrations, in version order.
std::vector<Migration> EngineMigrations();

// Applies every migration the database has not recorded yet, in version order. Returns how
// many were applied.
Result<int> ApplyMigrations(Connection& conn, const std::vector<Migration>& migrations);

// Opens (or creates) the engine database at `path` with every migration applied; every
// connection it hands out works in UTC and carries the purchase rule's macros is_purchase() and
// order_status_class() (core/order_status.h) for `orders` (the configured [orders]; the defaults
// when unset).
// Store migration 0028's as-of table macros (silver.orders_as_of(t), ...: what existed at t) over
// the same-named tables of `schema` instead of silver — the server's per-key scoped views read
// as of a time by the one definition.
Result<std::string> AsOfMacrosFor(const std::string& schema);

Result<std::shared_ptr<Database>> OpenEngineDatabase(const std::string& path,
                                                     const DatabaseOptions& options = {},
                                                     const std::optional<OrdersConfig>& orders = std::nullopt);

}  // namespace custintel::store
