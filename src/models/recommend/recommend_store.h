// Where the recommender a full run fitted is kept, so that an incremental run recommends to the
// customers it rescores with the same model instead of reloading every purchase line to refit:
//   meta.recommender_model       one row: as_of of the fit, catalog size, the fit options
//   meta.recommender_products    per product of the fit's catalog: rank and share among buyers
//                                (popular) and first-time buyers (popular first purchase)
//   meta.recommender_neighbours  per product, its kept neighbours in order, with the similarity
// The tables are created (replaced) by SaveRecommenderModel — there is no migration for them.
// Products are stored by id, so the model maps onto a later catalog that gained products.
//
// Thread safety: functions use the given connection only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "models/recommend/recommend.h"
#include "store/database.h"

namespace custintel::models {

// Replaces the stored model by `model`, whose product i is product_ids[i].
Status SaveRecommenderModel(store::Connection& conn, const RecommenderModel& model,
                            const std::vector<std::string>& product_ids, const std::string& as_of,
                            const RecommendOptions& options);

// Whether a full run has stored a model (all three tables exist).
Result<bool> RecommenderModelStored(store::Connection& conn);

struct StoredRecommender {
  RecommenderModel model;  // over the catalog LoadRecommenderModel was given
  std::string as_of;       // as_of of the full run that fitted it
};

// The stored model over `product_ids` (sorted, holding every stored product: a product index
// of the caller's catalog; products the model never saw get no neighbours and no share), or
// none when nothing is stored. Corruption when the stored rows do not fit together.
Result<std::optional<StoredRecommender>> LoadRecommenderModel(store::Connection& conn,
                                                              const std::vector<std::string>& product_ids);

}  // namespace custintel::models
