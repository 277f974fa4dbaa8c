// The builtin writer's per-customer outputs besides the summary (issue 7 item 3): a retention
// strategy from the customer's own churn drivers, personalised recommendations whose priority
// rises with churn risk, and one short notification naming a product they rebuy or would like.
//
//   RetentionStrategy r = WriteRetentionBuiltin(customer, playbook);
//   std::vector<PersonalRecommendation> recs = WriteRecommendationsBuiltin(customer, playbook);
//   std::optional<Notification> n = WriteNotificationBuiltin(customer, options);  // nullopt: nothing to name
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "insight/fact_builders.h"
#include "insight/playbook.h"
#include "insight/writer.h"

namespace custintel::insight {

struct CustomerOutputOptions {
  // Longest notification message, in bytes.
  size_t max_notification_chars = 140;
};

struct RetentionStrategy {
  WrittenText written;           // parts.actions: the actions, strongest driver first
  nlohmann::json drivers;        // [{"feature", "words", "value"}]
};

struct PersonalRecommendation {
  std::string type;              // "product" | "retention" | "upsell"
  std::string title, description;
  int priority = 0;              // 1..100, rises with churn risk
  std::string product_name;      // "" for retention
  std::string cited;             // the playbook snippet used, "" when none
};

struct Notification {
  std::string message;           // <= max_notification_chars
  std::string product_name;      // a real product the customer rebuys or would like
  std::string weekday;           // when they usually order ("Tuesday")
  int hour = -1;                 // 0..23
  bool offer = false;            // only for customers flagged high_risk
  std::vector<std::string> cited;  // the playbook message snippets used
};

RetentionStrategy WriteRetentionBuiltin(const CustomerSheet& customer, const Playbook& playbook);
std::vector<PersonalRecommendation> WriteRecommendationsBuiltin(const CustomerSheet& customer,
                                                                const Playbook& playbook);
// nullopt when the customer has no product to name or no order time.
std::optional<Notification> WriteNotificationBuiltin(const CustomerSheet& customer,
                                                     const CustomerOutputOptions& options);

// Priority in 1..100 of a recommendation type at a churn risk: retention > product > upsell
// at the same risk, and every type rises with risk.
int RecommendationPriority(std::string_view type, double churn_risk);

}  // namespace custintel::insight
