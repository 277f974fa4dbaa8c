// The silver contract (DESIGN.md §4) as data: for each kind of input, its columns, their types,
// which are required and which form the natural key. Ingest, features and tests read it here
// instead of repeating column lists. One kind, order_lines, has no key and no silver table of
// its own: its rows are the source of derived orders, order_items, products and customers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace custintel::ingest {

enum class ColumnKind { kText, kTimestamp, kDouble, kInteger, kBoolean, kJson };

struct ContractColumn {
  std::string name;
  ColumnKind kind = ColumnKind::kText;
  bool required = false;  // a row without it is rejected; a file without it is refused
};

struct KindContract {
  std::string kind;                   // "orders"
  std::vector<std::string> key;       // natural key columns; empty = derived kind (no silver table)
  std::vector<ContractColumn> columns;
};

const std::vector<KindContract>& Contracts();
const KindContract* FindContract(std::string_view kind);
// A file of this kind without its key column is still loaded: each row's key is
// "<file name>:<line>" (orders of a purchase log without order ids, e.g. CDNOW), stable across
// re-ingests of the same file, and ingest counts and prints it. True for orders, events,
// reviews, tickets and notes; never for customers and products, whose ids other rows name.
bool KeyFromLine(const KindContract& contract);
// "customers, orders, ..." for error messages.
std::string KindNames();

}  // namespace custintel::ingest
