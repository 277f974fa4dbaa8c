#include "insight/drivers.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace custintel::insight {

std::vector<ChurnDriver> RaisingDrivers(const nlohmann::json& risk_factors) {
  std::vector<ChurnDriver> out;
  if (!risk_factors.is_array()) return out;
  for (const nlohmann::json& d : risk_factors) {
    if (!d.is_object() || !d.contains("feature") || !d["feature"].is_string()) continue;
    if (!d.contains("shap") || !d["shap"].is_number() || d["shap"].get<double>() <= 0) continue;
    ChurnDriver driver{d["feature"].get<std::string>(), std::nullopt, ""};
    if (d.contains("value") && d["value"].is_number()) driver.value = d["value"].get<double>();
    if (d.contains("value") && d["value"].is_string()) driver.level = d["value"].get<std::string>();
    out.push_back(std::move(driver));
  }
  return out;
}

std::string DriverWords(std::string_view f) {
  static const std::pair<std::string_view, std::string_view> kWords[] = {
      {"days_inactive", "days since the last activity"},
      {"recency_days", "days since the last order"},
      {"interactions_90d", "interactions in the last quarter"},
      {"tenure_days", "days as a customer"},
      {"frequency", "orders placed"},
      {"tickets_total", "support tickets raised"},
      {"avg_rating", "average review rating"},
      {"avg_sentiment", "average sentiment of their messages"},
      {"clv_p_alive", "probability of still being active"},
      {"lifetime_value", "lifetime value"},
      {"avg_order_value", "average order value"},
      {"revenue_90d", "spend in the last quarter"},
      {"revenue_prev_90d", "spend in the quarter before"},
      {"interpurchase_days_mean", "usual days between orders"},
      {"interpurchase_days_std", "variation in days between orders"},
      {"top_category_share", "share of spend in their top category"},
      {"plan", "plan"},
      // The heuristic's inputs (risk_factors when no model was trained).
      {"sentiment_score", "average sentiment of their messages"},
      {"support_tickets", "support tickets in the last quarter"},
      {"satisfaction", "average ticket satisfaction"},
  };
  for (const auto& [k, w] : kWords) {
    if (k == f) return std::string(w);
  }
  std::string s(f);
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

FactUnit DriverUnit(std::string_view f) {
  if (f.find("days") != std::string_view::npos) return FactUnit::kDays;
  if (f == "lifetime_value" || f == "avg_order_value" || f.starts_with("revenue")) return FactUnit::kMoney;
  if (f == "top_category_share" || f == "clv_p_alive") return FactUnit::kPercent;
  if (f == "avg_rating" || f == "avg_sentiment" || f == "sentiment_score" || f == "satisfaction") {
    return FactUnit::kScore;
  }
  return FactUnit::kCount;
}

std::string DriversInWords(const nlohmann::json& j, size_t max) {
  std::vector<ChurnDriver> drivers = RaisingDrivers(j);
  if (j.is_object()) {  // the heuristic's terms, in its formula's order
    for (const char* feature : {"days_inactive", "sentiment_score", "support_tickets", "satisfaction"}) {
      if (j.contains(feature) && j[feature].is_number()) drivers.push_back({feature, j[feature].get<double>(), ""});
    }
  }
  std::string out;
  for (size_t i = 0; i < drivers.size() && i < max; ++i) {
    const ChurnDriver& d = drivers[i];
    std::string words = DriverWords(d.feature);
    if (d.value) words += fmt::format(" ({})", FormatFact({d.feature, *d.value, DriverUnit(d.feature), ""}));
    if (!d.level.empty()) words += fmt::format(" ({})", d.level);
    out += (out.empty() ? "" : ", ") + words;
  }
  return out;
}

}  // namespace custintel::insight
