#include "ingest/contract.h"

namespace custintel::ingest {
namespace {

using K = ColumnKind;

ContractColumn Req(std::string n, K k = K::kText) { return {std::move(n), k, true}; }
ContractColumn Opt(std::string n, K k = K::kText) { return {std::move(n), k, false}; }

}  // namespace

const std::vector<KindContract>& Contracts() {
  static const std::vector<KindContract> kContracts = {
      {"customers", {"customer_id"},
       {Req("customer_id"), Opt("email"), Opt("first_name"), Opt("last_name"), Opt("segment"),
        Opt("plan"), Opt("region"), Opt("account_id"), Opt("acquisition_date", K::kTimestamp),
        Opt("last_active_date", K::kTimestamp), Opt("alias_id")}},
      {"orders", {"order_id"},
       {Req("order_id"), Opt("customer_id"), Req("ordered_at", K::kTimestamp),
        Opt("amount", K::kDouble), Opt("currency"), Opt("status"), Opt("channel")}},
      {"order_items", {"order_id", "product_id"},
       {Req("order_id"), Req("product_id"), Opt("quantity", K::kDouble), Opt("unit_price", K::kDouble)}},
      {"products", {"product_id"},
       {Req("product_id"), Opt("name"), Opt("category"), Opt("price", K::kDouble)}},
      {"events", {"event_id"},
       {Req("event_id"), Opt("customer_id"), Opt("event_type"), Opt("channel"),
        Req("occurred_at", K::kTimestamp), Opt("content"), Opt("properties", K::kJson)}},
      {"reviews", {"review_id"},
       {Req("review_id"), Opt("customer_id"), Opt("product_id"), Opt("rating", K::kInteger),
        Opt("title"), Opt("review_text"), Opt("verified_purchase", K::kBoolean),
        Opt("helpful_count", K::kInteger), Opt("created_at", K::kTimestamp), Opt("order_id")}},
      {"tickets", {"ticket_id"},
       {Req("ticket_id"), Opt("customer_id"), Opt("category"), Opt("priority"), Opt("subject"),
        Opt("description"), Opt("resolution"), Opt("satisfaction_score", K::kInteger),
        Opt("created_at", K::kTimestamp), Opt("resolved_at", K::kTimestamp), Opt("order_id")}},
      {"notes", {"note_id"}, {Req("note_id"), Opt("title"), Opt("body"), Opt("tags")}},
      // Line-level sales (one row per product of an order, e.g. the UCI Online Retail export):
      // no silver table of its own and no key; orders, order_items, products and unknown
      // customers are derived from the lines (order_lines.h).
      {"order_lines", {},
       {Req("order_id"), Opt("customer_id"), Req("ordered_at", K::kTimestamp), Req("product_id"),
        Opt("description"), Req("quantity", K::kDouble), Req("unit_price", K::kDouble), Opt("country"),
        Opt("category"), Opt("currency"), Opt("channel"), Opt("status"), Opt("cancelled", K::kBoolean)}},
  };
  return kContracts;
}

const KindContract* FindContract(std::string_view kind) {
  for (const auto& c : Contracts()) {
    if (c.kind == kind) return &c;
  }
  return nullptr;
}

bool KeyFromLine(const KindContract& contract) {
  // Ids other tables point at (customers, products) are never made up.
  return contract.key.size() == 1 && contract.kind != "customers" && contract.kind != "products";
}

std::string KindNames() {
  std::string out;
  for (const auto& c : Contracts()) out += (out.empty() ? "" : ", ") + c.kind;
  return out;
}

}  // namespace custintel::ingest
