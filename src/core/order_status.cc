#include "core/order_status.h"

#include <fmt/format.h>

#include "core/strings.h"

namespace custintel {
namespace {

// true when lower(status) contains any of `words` (false for none).
std::string ContainsAny(const std::vector<std::string>& words) {
  if (words.empty()) return "false";
  std::string out;
  for (const std::string& w : words) {
    out += fmt::format("{}contains(lower(status), {})", out.empty() ? "" : " OR ", QuoteLiteral(ToLower(w)));
  }
  return out;
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : "|") + w;
  return out;
}

}  // namespace

std::string OrderStatusMacrosSql(const OrdersConfig& rule) {
  return fmt::format(
      "CREATE OR REPLACE TEMP MACRO order_status_class(status) AS "
      "CASE WHEN status IS NULL OR trim(status) = '' THEN 'purchase' WHEN {} THEN 'excluded' "
      "WHEN {} THEN 'purchase' ELSE 'unknown' END; "
      "CREATE OR REPLACE TEMP MACRO is_purchase(status) AS order_status_class(status) IN ('purchase'{});",
      ContainsAny(rule.excluded_statuses), ContainsAny(rule.purchase_statuses),
      rule.unknown_is_purchase ? ", 'unknown'" : "");
}

std::string DescribeOrdersRule(const OrdersConfig& rule) {
  return fmt::format("purchase: {}; excluded: {}; unknown: {}", Join(rule.purchase_statuses),
                     Join(rule.excluded_statuses), rule.unknown_is_purchase ? "purchase" : "excluded");
}

std::string OrderStatusVerdict(const std::string& status_class, bool counted) {
  if (status_class == "excluded") {
    return "not counted as purchases; remove its word from [orders] excluded_statuses in custintel.toml to count them";
  }
  if (counted) {
    return "a status [orders] does not know, counted as purchases; add it to excluded_statuses in custintel.toml "
           "if these are not purchases, or to purchase_statuses if they are";
  }
  return "a status [orders] does not know, not counted as purchases (unknown_statuses = \"excluded\"); add it to "
         "purchase_statuses in custintel.toml if these are purchases";
}

}  // namespace custintel
