// Recommendations against the database: loads purchase lines from silver (orders not
// cancelled, refunded or returned, up to as_of, joined to their items), fits the Recommender
// (recommend.h), writes gold.recommendations, and evaluates on held-out baskets.
//
// gold.recommendations: customer_id, rank (1..N), product_id, product_name, category, score,
// reason, as_of — N rows for every customer in silver.customers acquired by as_of.
//
// Evaluation (`custintel evaluate recs`): for each customer with purchases on ≥ 2 days, the
// last day's basket is held out; the model is fitted on everything else and recommends as of
// that day. hit_rate@10 = share of customers with ≥ 1 held-out product in their top 10;
// recall@10 = mean share of the held-out basket found in the top 10. The baseline recommends
// the 10 most popular products (distinct training buyers) to everyone.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "models/recommend.h"
#include "store/database.h"

namespace custintel::models {

struct PurchaseData {
  std::vector<std::string> customer_ids;  // index → customer_id (all customers, sorted)
  std::vector<std::string> product_ids;   // index → product_id (sorted)
  std::vector<PurchaseLine> lines;        // sorted by (customer, product, day), distinct
};

Result<PurchaseData> LoadPurchaseData(store::Connection& conn, const std::string& as_of);

// Recommendations for every customer (threads: 0 = hardware concurrency), flattened:
// customer c's are [offsets[c], offsets[c + 1]).
struct RecommendationTable {
  std::vector<size_t> offsets;
  std::vector<Recommendation> rows;
};
RecommendationTable RecommendAll(const Recommender& rec, const PurchaseData& data, int32_t today, int threads = 0);

// The pipeline step.
Status BuildRecommendations(store::Connection& conn, const std::string& as_of, const RecommendOptions& options = {});

struct RecommendEvaluation {
  size_t customers = 0;  // customers evaluated
  double hit_rate_at_10 = 0, recall_at_10 = 0;
  double baseline_hit_rate_at_10 = 0, baseline_recall_at_10 = 0;
};

// Held-out last-basket evaluation on in-memory data (see above).
RecommendEvaluation EvaluateRecommendations(const PurchaseData& data, const RecommendOptions& options = {});
std::string RecommendEvaluationToJson(const RecommendEvaluation& e);

}  // namespace custintel::models
