// The builtin writer's retention strategies, recommendations and notifications
// (writer_builtin_customer.h).
#include "insight/writer_builtin_customer.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "insight/drivers.h"
#include "insight/fact_builders_internal.h"

namespace custintel::insight {
namespace {

// The customer's drivers that have a printed value, strongest first (at most `n`).
std::vector<std::pair<std::string, const Fact*>> ValuedDrivers(const CustomerSheet& c, size_t n) {
  std::vector<std::pair<std::string, const Fact*>> out;
  for (const std::string& f : c.context.drivers) {
    const Fact* fact = c.sheet.Find("driver_" + f);
    if (fact && out.size() < n) out.emplace_back(f, fact);
  }
  return out;
}

// The playbook entry for the first driver that has one, else `fallback`.
const PlaybookEntry* DriverEntry(const CustomerSheet& c, const Playbook& pb, const std::string& fallback) {
  for (const std::string& f : c.context.drivers) {
    if (const PlaybookEntry* e = pb.Find(f)) return e;
  }
  return pb.Find(fallback);
}

std::string NotificationText(const CustomerContext& c, const std::string& product, bool rebuy, size_t variant) {
  const std::string& w = c.usual_weekday;
  if (rebuy) {
    const std::string v[] = {fmt::format("Time to reorder {}? Add it to your usual {} order.", product, w),
                             fmt::format("Running low on {}? Reorder it with your usual {} order.", product, w),
                             fmt::format("Your {} is ready to reorder with your usual {} order.", product, w)};
    return v[variant % 3];
  }
  const std::string v[] = {fmt::format("You would like {}. Add it to your usual {} order.", product, w),
                           fmt::format("A product you would like: {}. Try it with your usual {} order.", product, w),
                           fmt::format("{} suits what you buy. Add it to your usual {} order.", product, w)};
  return v[variant % 3];
}

}  // namespace

int RecommendationPriority(std::string_view type, double churn_risk) {
  int base = type == "retention" ? 40 : type == "product" ? 20 : 10;
  double risk = std::clamp(churn_risk, 0.0, 1.0);
  return std::clamp(base + static_cast<int>(std::lround(60 * risk)), 1, 100);
}

RetentionStrategy WriteRetentionBuiltin(const CustomerSheet& c, const Playbook& pb) {
  RetentionStrategy out;
  std::vector<std::string> parts, actions, cited;
  out.drivers = nlohmann::json::array();
  for (const auto& [feature, fact] : ValuedDrivers(c, 3)) {
    parts.push_back(fmt::format("{} ({})", DriverWords(feature), FormatFact(*fact)));
    out.drivers.push_back({{"feature", feature}, {"words", DriverWords(feature)}, {"value", FormatFact(*fact)}});
  }
  std::string text = parts.empty() ? fmt::format("Churn risk is {}.", FactText(c.sheet, "churn_risk"))
                                   : fmt::format("Churn risk is {}, driven up by {}.", FactText(c.sheet, "churn_risk"),
                                                 JoinWords(parts));
  for (const std::string& f : c.context.drivers) {
    const PlaybookEntry* e = pb.Find(f);
    if (!e || actions.size() == 3 || std::find(cited.begin(), cited.end(), "playbook:" + f) != cited.end()) continue;
    actions.push_back(e->action + ".");
    cited.push_back("playbook:" + f);
  }
  if (actions.empty()) {
    if (const PlaybookEntry* e = pb.Find("retention")) {
      actions.push_back(e->action + ".");
      cited.push_back("playbook:retention");
    }
  }
  for (const std::string& a : actions) text += " " + a;
  out.written.text = text;
  out.written.parts = {{"summary", text}, {"drivers", parts}, {"actions", actions}};
  out.written.cited = cited;
  return out;
}

std::vector<PersonalRecommendation> WriteRecommendationsBuiltin(const CustomerSheet& c, const Playbook& pb) {
  const CustomerContext& ctx = c.context;
  std::vector<PersonalRecommendation> out;
  if (!ctx.liked_product.empty()) {
    out.push_back({"product", "For them: " + ctx.liked_product,
                   fmt::format("{} from {} matches what they buy.", ctx.liked_product, ctx.liked_category),
                   RecommendationPriority("product", ctx.churn_risk), ctx.liked_product, ""});
  }
  if (ctx.high_risk) {
    if (const PlaybookEntry* e = DriverEntry(c, pb, "retention")) {
      out.push_back({"retention", e->title, e->action + ".", RecommendationPriority("retention", ctx.churn_risk), "",
                     "playbook:" + e->key});
    }
  } else if (ctx.recommended_products.size() >= 2) {
    const std::string& p = ctx.recommended_products[1];
    const std::string& with = ctx.rebuy_product.empty() ? ctx.liked_product : ctx.rebuy_product;
    out.push_back({"upsell", "Also worth a look: " + p, fmt::format("Offer {} alongside {} to raise the basket.", p, with),
                   RecommendationPriority("upsell", ctx.churn_risk), p, ""});
  }
  return out;
}

std::optional<Notification> WriteNotificationBuiltin(const CustomerSheet& c, const CustomerOutputOptions& options) {
  const CustomerContext& ctx = c.context;
  bool rebuy = !ctx.rebuy_product.empty();
  const std::string& product = rebuy ? ctx.rebuy_product : ctx.liked_product;
  if (ctx.usual_weekday.empty() || ctx.usual_hour < 0) return std::nullopt;
  if (product.empty()) {
    // Orders without products (an orders file alone): a reminder of the usual order, no product.
    Notification n{"", "", ctx.usual_weekday, ctx.usual_hour, ctx.high_risk, {"playbook:reorder_message"}};
    if (n.offer) n.cited.push_back("playbook:offer_message");
    n.message = fmt::format("Time for your usual {} order?{}", ctx.usual_weekday,
                            n.offer ? " A loyalty voucher is waiting for your next order." : "");
    if (n.message.size() <= options.max_notification_chars) return n;
    return std::nullopt;
  }
  Notification n{"", product, ctx.usual_weekday, ctx.usual_hour, ctx.high_risk, {}};
  n.cited.push_back(rebuy ? "playbook:reorder_message" : "playbook:product_message");
  if (n.offer) n.cited.push_back("playbook:offer_message");
  const std::string offer = n.offer ? " A loyalty voucher is waiting for your next order." : "";
  size_t v = Variant(ctx.customer_id, 3);
  for (size_t tries = 0; tries < 3; ++tries) {
    n.message = NotificationText(ctx, product, rebuy, v + tries) + offer;
    if (n.message.size() <= options.max_notification_chars) return n;
  }
  n.message = fmt::format("{}: order it this {}.{}", product, ctx.usual_weekday, offer);
  if (n.message.size() <= options.max_notification_chars) return n;
  return std::nullopt;  // a product name too long to fit: no message rather than a cut name
}

}  // namespace custintel::insight
