#include "models/recommend/recommend_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

namespace custintel::models {
namespace {

constexpr char kCreateTables[] = R"sql(
CREATE OR REPLACE TABLE meta.recommender_model (
  as_of TIMESTAMPTZ, fitted_at TIMESTAMPTZ, products BIGINT,
  neighbours BIGINT, min_co_buyers BIGINT, max_products_per_customer BIGINT);
CREATE OR REPLACE TABLE meta.recommender_products (
  product_id VARCHAR, popular_rank INTEGER, popular_share DOUBLE, first_rank INTEGER, first_share DOUBLE);
CREATE OR REPLACE TABLE meta.recommender_neighbours (
  product_id VARCHAR, rank INTEGER, neighbour_id VARCHAR, similarity FLOAT);
)sql";

// 1-based position of each product in `order`; 0 for products not in it.
std::vector<int64_t> Ranks(const std::vector<uint32_t>& order, size_t n) {
  std::vector<int64_t> rank(n, 0);
  for (size_t i = 0; i < order.size(); ++i) rank[order[i]] = static_cast<int64_t>(i + 1);
  return rank;
}

store::Param RankParam(int64_t rank) { return rank > 0 ? store::Param(rank) : store::Param(std::monostate{}); }

Status AppendRow(store::Appender& app, std::initializer_list<store::Param> row) {
  for (const store::Param& v : row) CI_RETURN_IF_ERROR(app.Append(v));
  return app.EndRow();
}

Status SaveProducts(store::Connection& conn, const RecommenderModel& m, const std::vector<std::string>& ids) {
  const std::vector<int64_t> popular = Ranks(m.popular, ids.size()), first = Ranks(m.popular_first, ids.size());
  CI_ASSIGN_OR_RETURN(store::Appender app, store::Appender::Create(conn, "meta", "recommender_products"));
  for (size_t p = 0; p < ids.size(); ++p) {
    CI_RETURN_IF_ERROR(AppendRow(app, {ids[p], RankParam(popular[p]), m.popular_share[p], RankParam(first[p]),
                                       m.popular_first_share[p]}));
  }
  return app.Close();
}

Status SaveNeighbours(store::Connection& conn, const RecommenderModel& m, const std::vector<std::string>& ids) {
  CI_ASSIGN_OR_RETURN(store::Appender app, store::Appender::Create(conn, "meta", "recommender_neighbours"));
  for (size_t p = 0; p < ids.size(); ++p) {
    for (size_t k = 0; k < m.neighbours[p].size(); ++k) {
      const RecommenderModel::Neighbour& n = m.neighbours[p][k];
      // A float widened to double narrows back to the same float: the similarity round-trips.
      CI_RETURN_IF_ERROR(AppendRow(app, {ids[p], static_cast<int64_t>(k + 1), ids[n.product],
                                         static_cast<double>(n.similarity)}));
    }
  }
  return app.Close();
}

// Product id → index in the caller's catalog.
Result<uint32_t> IndexOf(const std::unordered_map<std::string, uint32_t>& index, const std::string& id) {
  auto it = index.find(id);
  if (it == index.end()) {
    return Status::InvalidArgument("stored recommender product '" + id + "' is not in the catalog it is loaded over");
  }
  return it->second;
}

// Shares and the two popularity orders from meta.recommender_products.
Status LoadProducts(store::Connection& conn, const std::unordered_map<std::string, uint32_t>& index,
                    RecommenderModel* m) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT product_id, popular_rank, popular_share, first_rank, first_share FROM meta.recommender_products"));
  std::vector<std::pair<int64_t, uint32_t>> popular, first;
  for (size_t i = 0; i < r.row_count(); ++i) {
    CI_ASSIGN_OR_RETURN(uint32_t p, IndexOf(index, r.GetString(0, i)));
    m->popular_share[p] = r.GetDouble(2, i);
    m->popular_first_share[p] = r.GetDouble(4, i);
    if (!r.IsNull(1, i)) popular.emplace_back(r.GetInt64(1, i), p);
    if (!r.IsNull(3, i)) first.emplace_back(r.GetInt64(3, i), p);
  }
  for (auto [ranked, out] : {std::pair{&popular, &m->popular}, std::pair{&first, &m->popular_first}}) {
    std::sort(ranked->begin(), ranked->end());
    for (size_t k = 0; k < ranked->size(); ++k) {
      if ((*ranked)[k].first != static_cast<int64_t>(k + 1)) {
        return Status::Corruption("meta.recommender_products: popularity ranks are not 1..n");
      }
      out->push_back((*ranked)[k].second);
    }
  }
  return Status::Ok();
}

Status LoadNeighbours(store::Connection& conn, const std::unordered_map<std::string, uint32_t>& index,
                      RecommenderModel* m) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT product_id, rank, neighbour_id, similarity FROM meta.recommender_neighbours ORDER BY product_id, rank"));
  for (size_t i = 0; i < r.row_count(); ++i) {
    CI_ASSIGN_OR_RETURN(uint32_t p, IndexOf(index, r.GetString(0, i)));
    CI_ASSIGN_OR_RETURN(uint32_t n, IndexOf(index, r.GetString(2, i)));
    if (r.GetInt64(1, i) != static_cast<int64_t>(m->neighbours[p].size() + 1)) {
      return Status::Corruption("meta.recommender_neighbours: ranks of product '" + r.GetString(0, i) +
                                "' are not 1..n");
    }
    m->neighbours[p].push_back({n, static_cast<float>(r.GetDouble(3, i))});
  }
  return Status::Ok();
}

}  // namespace

Status SaveRecommenderModel(store::Connection& conn, const RecommenderModel& model,
                            const std::vector<std::string>& product_ids, const std::string& as_of,
                            const RecommendOptions& options) {
  const std::string problem = CheckRecommenderModel(model);
  if (!problem.empty()) return Status::InvalidArgument("recommender model not stored: " + problem);
  if (product_ids.size() != model.neighbours.size()) {
    return Status::InvalidArgument(fmt::format("recommender model not stored: {} product ids for {} products",
                                               product_ids.size(), model.neighbours.size()));
  }
  CI_RETURN_IF_ERROR(conn.Execute(kCreateTables));
  CI_RETURN_IF_ERROR(conn.Query(
      "INSERT INTO meta.recommender_model VALUES (?::TIMESTAMPTZ, current_timestamp, ?, ?, ?, ?)",
      {as_of, static_cast<int64_t>(product_ids.size()), static_cast<int64_t>(options.neighbours),
       static_cast<int64_t>(options.min_co_buyers), static_cast<int64_t>(options.max_products_per_customer)})
                         .status());
  CI_RETURN_IF_ERROR(SaveProducts(conn, model, product_ids));
  return SaveNeighbours(conn, model, product_ids);
}

Result<bool> RecommenderModelStored(store::Connection& conn) {
  return store::TablesExist(conn, "meta", {"recommender_model", "recommender_products", "recommender_neighbours"});
}

Result<std::optional<StoredRecommender>> LoadRecommenderModel(store::Connection& conn,
                                                              const std::vector<std::string>& product_ids) {
  CI_ASSIGN_OR_RETURN(bool stored, RecommenderModelStored(conn));
  if (!stored) return std::optional<StoredRecommender>();
  CI_ASSIGN_OR_RETURN(store::QueryResult meta, conn.Query("SELECT as_of::VARCHAR FROM meta.recommender_model"));
  if (meta.row_count() != 1) {
    return Status::Corruption(fmt::format("meta.recommender_model has {} rows, not 1", meta.row_count()));
  }
  std::unordered_map<std::string, uint32_t> index;
  for (size_t p = 0; p < product_ids.size(); ++p) index.emplace(product_ids[p], static_cast<uint32_t>(p));
  StoredRecommender out;
  out.as_of = meta.GetString(0, 0);
  RecommenderModel& m = out.model;
  m.neighbours.resize(product_ids.size());
  m.popular_share.assign(product_ids.size(), 0.0);
  m.popular_first_share.assign(product_ids.size(), 0.0);
  CI_RETURN_IF_ERROR(LoadProducts(conn, index, &m));
  CI_RETURN_IF_ERROR(LoadNeighbours(conn, index, &m));
  const std::string problem = CheckRecommenderModel(m);
  if (!problem.empty()) return Status::Corruption("stored recommender model: " + problem);
  return std::optional<StoredRecommender>(std::move(out));
}

}  // namespace custintel::models
