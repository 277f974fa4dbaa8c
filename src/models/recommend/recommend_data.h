// Recommendations against the database: loads purchase lines from silver as of as_of (the
// silver.*_as_of macros: the orders is_purchase() counts — custintel.toml [orders] — up to as_of,
// joined to their items), fits the Recommender
// (recommend.h), writes gold.recommendations, and evaluates on held-out baskets.
//
// gold.recommendations: customer_id, rank (1..N), product_id, product_name, category, score,
// reason, as_of — N rows for every customer existing at as_of (silver.customers_as_of).
//
// Incremental runs (features/scope.h): a full run stores the fitted model (recommend_store.h);
// with a customer scope only the scope's purchase lines are loaded, they are scored with that
// model, and only the scope's rows of gold.recommendations are replaced. Scoring is the same code
// either way, so a customer gets the rows a full run would give them with the same model.
//
// Evaluation (`custintel evaluate recs`): for each customer with purchases on ≥ 2 days, the
// last day's basket is held out; every method is fitted on everything else and recommends 10
// products as of that day, for the same baskets: custintel's own (recommend.h), global
// popularity (the 10 products with most distinct training buyers, to everyone), personal top
// (each customer's own most-bought products) and TIFU-KNN (recommend_baselines.h).
// hit_rate@10 = share of customers with ≥ 1 held-out product in their top 10; recall@10 = mean
// share of the held-out basket found in the top 10; NDCG@10 = mean of DCG / ideal DCG with
// binary relevance (a held-out product at rank i adds 1 / log2(i + 1)).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "features/scope.h"
#include "models/recommend/recommend.h"
#include "store/database.h"

namespace custintel::models {

struct PurchaseData {
  std::vector<std::string> customer_ids;  // index → customer_id (the scope's customers, sorted)
  std::vector<std::string> product_ids;   // index → product_id (sorted)
  std::vector<PurchaseLine> lines;        // sorted by (customer, product, day), distinct
};

// The scope's customers (acquired or buying by as_of) and their purchase lines; the catalog is
// every product of silver and, for a customer scope, of the stored model too, so that the model
// maps onto it. Leaves the index tables rec_customers and rec_products (TEMP) behind.
Result<PurchaseData> LoadPurchaseData(store::Connection& conn, const std::string& as_of,
                                      const features::Scope& scope = features::Scope::All());

// Recommendations for every customer (threads: 0 = hardware concurrency), flattened:
// customer c's are [offsets[c], offsets[c + 1]).
struct RecommendationTable {
  std::vector<size_t> offsets;
  std::vector<Recommendation> rows;
};
RecommendationTable RecommendAll(const Recommender& rec, const PurchaseData& data, int32_t today, int threads = 0);

// The pipeline step. Scope::All(): fit on every line, recommend to every customer, rewrite
// gold.recommendations, store the model. A customer scope: recommend to the scope's customers
// with the stored model and replace their rows (DELETE + INSERT), nothing else; a database
// whose last full run stored no model (older than the store) is fitted on every line instead,
// as a full run would, and the fit is not stored.
Status BuildRecommendations(store::Connection& conn, const std::string& as_of, const RecommendOptions& options = {},
                            const features::Scope& scope = features::Scope::All());

struct RecommendScores {
  std::string method;  // "custintel", "popularity", "personal_top", "tifu_knn"
  double hit_rate_at_10 = 0, recall_at_10 = 0, ndcg_at_10 = 0;
};

struct RecommendEvaluation {
  size_t customers = 0;                // customers evaluated
  size_t eligible = 0;                 // customers with ≥ 2 purchase days
  size_t stride = 1;                   // every stride-th eligible customer was evaluated
  std::vector<RecommendScores> methods;  // custintel's first, then the baselines
  // The baselines custintel's recommendations do not beat on recall@10 or NDCG@10 (said plainly).
  std::vector<std::string> losses;
};

// Held-out last-basket evaluation on in-memory data (see above).
// At most max_customers (0 = all) are scored, every n-th eligible one, so the nearest-neighbour
// baseline keeps the evaluation near a minute at a million customers.
RecommendEvaluation EvaluateRecommendations(const PurchaseData& data, const RecommendOptions& options = {},
                                            size_t max_customers = 50000);
std::string RecommendEvaluationToJson(const RecommendEvaluation& e);

}  // namespace custintel::models
