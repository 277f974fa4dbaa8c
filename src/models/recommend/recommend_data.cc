#include "models/recommend/recommend_data.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/log.h"
#include "core/parallel.h"
#include "core/strings.h"
#include "models/clv_score.h"
#include "models/recommend/recommend_baselines.h"
#include "models/recommend/recommend_store.h"

namespace custintel::models {
namespace {

// {0}: the scope's predicate on customer_id; {1}: more product ids to index (a UNION branch).
constexpr char kLoadSql[] = R"sql(
CREATE OR REPLACE TEMP TABLE rec_customers AS
  SELECT customer_id, (row_number() OVER (ORDER BY customer_id) - 1)::UBIGINT AS idx
  FROM (SELECT customer_id FROM silver.customers_as_of(getvariable('as_of')::TIMESTAMPTZ) WHERE {0});
CREATE OR REPLACE TEMP TABLE rec_products AS
  SELECT product_id, (row_number() OVER (ORDER BY product_id) - 1)::UBIGINT AS idx
  FROM (SELECT product_id FROM silver.products
        UNION SELECT product_id FROM silver.order_items_as_of(getvariable('as_of')::TIMESTAMPTZ){1});
)sql";

constexpr char kLinesSql[] = R"sql(
SELECT DISTINCT c.idx AS c, p.idx AS p,
       floor(epoch(o.ordered_at) / 86400)::INTEGER AS day
FROM silver.orders_as_of(getvariable('as_of')::TIMESTAMPTZ) o
JOIN silver.order_items_as_of(getvariable('as_of')::TIMESTAMPTZ) oi USING (order_id)
JOIN rec_customers c ON c.customer_id = o.customer_id
JOIN rec_products p ON p.product_id = oi.product_id
WHERE is_purchase(o.status)
ORDER BY 1, 2, 3
)sql";

Result<std::vector<std::string>> Column(store::Connection& conn, const std::string& sql) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(sql));
  std::vector<std::string> out(r.row_count());
  for (size_t i = 0; i < out.size(); ++i) out[i] = r.GetString(0, i);
  return out;
}

// Adds hit, recall and NDCG of `recs` against the sorted held-out `basket` to `s`.
void Score(const std::vector<uint32_t>& recs, const std::vector<uint32_t>& basket, RecommendScores* s) {
  size_t found = 0;
  double dcg = 0, ideal = 0;
  for (size_t i = 0; i < recs.size(); ++i) {
    if (std::binary_search(basket.begin(), basket.end(), recs[i])) ++found, dcg += 1 / std::log2(double(i) + 2);
  }
  for (size_t i = 0; i < std::min<size_t>(basket.size(), 10); ++i) ideal += 1 / std::log2(double(i) + 2);
  s->hit_rate_at_10 += found > 0;
  s->recall_at_10 += basket.empty() ? 0.0 : double(found) / basket.size();
  s->ndcg_at_10 += ideal > 0 ? dcg / ideal : 0.0;
}

// `recs` filled up to 10 with the popular products it lacks, in their order: every method
// recommends 10, as custintel's own does (Li et al.'s personal top fills the same way).
std::vector<uint32_t> WithPopular(std::vector<uint32_t> recs, const std::vector<uint32_t>& popular) {
  for (uint32_t p : popular) {
    if (recs.size() >= 10) break;
    if (std::find(recs.begin(), recs.end(), p) == recs.end()) recs.push_back(p);
  }
  return recs;
}

// Writes `t` (customer indices of rec_customers) to gold.recommendations: the whole table for
// Scope::All(), else in place of the scope's rows.
Status WriteRecommendations(store::Connection& conn, const RecommendationTable& t, const features::Scope& scope) {
  CI_RETURN_IF_ERROR(conn.Execute(
      "CREATE OR REPLACE TABLE main.rec_out (customer_idx UBIGINT, rank INTEGER, product_idx UBIGINT, "
      "score DOUBLE, reason VARCHAR)"));
  CI_ASSIGN_OR_RETURN(store::Appender app, store::Appender::Create(conn, "main", "rec_out"));
  for (size_t c = 0; c + 1 < t.offsets.size(); ++c) {
    for (size_t i = t.offsets[c]; i < t.offsets[c + 1]; ++i) {
      const Recommendation& r = t.rows[i];
      CI_RETURN_IF_ERROR(app.Append(static_cast<int64_t>(c)));
      CI_RETURN_IF_ERROR(app.Append(static_cast<int64_t>(i - t.offsets[c] + 1)));
      CI_RETURN_IF_ERROR(app.Append(static_cast<int64_t>(r.product)));
      CI_RETURN_IF_ERROR(app.Append(r.score));
      CI_RETURN_IF_ERROR(app.Append(std::string(RecommendReasonText(r.reason))));
      CI_RETURN_IF_ERROR(app.EndRow());
    }
  }
  CI_RETURN_IF_ERROR(app.Close());
  const std::string rows =
      "SELECT c.customer_id, r.rank, p.product_id, pr.name AS product_name, pr.category, "
      "round(r.score, 4) AS score, r.reason, getvariable('as_of')::TIMESTAMPTZ AS as_of "
      "FROM main.rec_out r JOIN rec_customers c ON c.idx = r.customer_idx "
      "JOIN rec_products p ON p.idx = r.product_idx LEFT JOIN silver.products pr USING (product_id) "
      "ORDER BY c.customer_id, r.rank";
  if (scope.all()) {
    return conn.Execute("CREATE OR REPLACE TABLE gold.recommendations AS " + rows + "; DROP TABLE main.rec_out");
  }
  return conn.Execute("CREATE TABLE IF NOT EXISTS gold.recommendations AS " + rows + " LIMIT 0; " +
                      "DELETE FROM gold.recommendations WHERE " + scope.Filter("customer_id") + "; " +
                      "INSERT INTO gold.recommendations " + rows + "; DROP TABLE main.rec_out");
}

// The recommender of a scoped call: the stored model, else (nothing stored yet) one fitted on
// every line. Loads the scope's lines into *data either way.
Result<Recommender> ScopedRecommender(store::Connection& conn, const std::string& as_of,
                                      const RecommendOptions& options, const features::Scope& scope,
                                      PurchaseData* data) {
  CI_ASSIGN_OR_RETURN(bool stored, RecommenderModelStored(conn));
  std::optional<Recommender> fitted;
  if (!stored) {  // the catalog is silver's alone, for this load and the scoped one below
    LogWarn("recommendations: no stored recommender model (the last full run predates it); fitting on every "
            "purchase line for this incremental run");
    CI_ASSIGN_OR_RETURN(PurchaseData all, LoadPurchaseData(conn, as_of));
    fitted = Recommender::Fit(all.lines, all.product_ids.size(), options);
  }
  CI_ASSIGN_OR_RETURN(*data, LoadPurchaseData(conn, as_of, scope));
  if (fitted) return std::move(*fitted);
  CI_ASSIGN_OR_RETURN(std::optional<StoredRecommender> model, LoadRecommenderModel(conn, data->product_ids));
  if (!model) return Status::Internal("the stored recommender model disappeared while loading it");
  return Recommender::FromModel(std::move(model->model), options);
}

}  // namespace

Result<PurchaseData> LoadPurchaseData(store::Connection& conn, const std::string& as_of,
                                      const features::Scope& scope) {
  CI_RETURN_IF_ERROR(conn.Execute("SET VARIABLE as_of = " + QuoteLiteral(as_of) + "::TIMESTAMPTZ"));
  std::string stored_products;
  if (!scope.all()) {
    CI_ASSIGN_OR_RETURN(bool stored, RecommenderModelStored(conn));
    if (stored) stored_products = " UNION SELECT product_id FROM meta.recommender_products";
  }
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(kLoadSql, scope.Filter("customer_id"), stored_products)));
  PurchaseData d;
  CI_ASSIGN_OR_RETURN(d.customer_ids, Column(conn, "SELECT customer_id FROM rec_customers ORDER BY idx"));
  CI_ASSIGN_OR_RETURN(d.product_ids, Column(conn, "SELECT product_id FROM rec_products ORDER BY idx"));
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(kLinesSql));
  d.lines.resize(r.row_count());
  for (size_t i = 0; i < d.lines.size(); ++i) {
    d.lines[i] = {static_cast<uint32_t>(r.GetInt64(0, i)), static_cast<uint32_t>(r.GetInt64(1, i)),
                  static_cast<int32_t>(r.GetInt64(2, i))};
  }
  return d;
}

RecommendationTable RecommendAll(const Recommender& rec, const PurchaseData& data, int32_t today, int threads) {
  const size_t n = data.customer_ids.size();
  const std::vector<size_t> off = CustomerOffsets(data.lines, n);
  std::vector<std::vector<Recommendation>> per(n);
  ParallelFor(n, static_cast<size_t>(std::max(0, threads)), 64, [&](size_t c) {
    per[c] = rec.Recommend(std::span(data.lines).subspan(off[c], off[c + 1] - off[c]), today);
  });
  RecommendationTable t;
  t.offsets.reserve(n + 1);
  t.offsets.push_back(0);
  for (auto& v : per) {
    t.rows.insert(t.rows.end(), v.begin(), v.end());
    t.offsets.push_back(t.rows.size());
  }
  return t;
}

Status BuildRecommendations(store::Connection& conn, const std::string& as_of, const RecommendOptions& options,
                            const features::Scope& scope) {
  PurchaseData data;
  std::optional<Recommender> rec;
  if (scope.all()) {
    CI_ASSIGN_OR_RETURN(data, LoadPurchaseData(conn, as_of));
    rec = Recommender::Fit(data.lines, data.product_ids.size(), options);
    CI_RETURN_IF_ERROR(SaveRecommenderModel(conn, rec->model(), data.product_ids, as_of, options));
  } else {
    CI_ASSIGN_OR_RETURN(rec, ScopedRecommender(conn, as_of, options, scope, &data));
  }
  CI_ASSIGN_OR_RETURN(double today, EpochDays(conn, as_of));
  RecommendationTable table = RecommendAll(*rec, data, static_cast<int32_t>(today));
  return WriteRecommendations(conn, table, scope);
}

RecommendEvaluation EvaluateRecommendations(const PurchaseData& data, const RecommendOptions& options,
                                            size_t max_customers) {
  const size_t n = data.customer_ids.size();
  const std::vector<size_t> off = CustomerOffsets(data.lines, n);
  std::vector<PurchaseLine> train;
  std::vector<int32_t> last_day(n, INT32_MIN);
  std::vector<bool> eligible(n, false);
  for (size_t c = 0; c < n; ++c) {
    int32_t first = INT32_MAX;
    for (size_t i = off[c]; i < off[c + 1]; ++i) {
      last_day[c] = std::max(last_day[c], data.lines[i].day);
      first = std::min(first, data.lines[i].day);
    }
    eligible[c] = off[c + 1] > off[c] && first < last_day[c];
    for (size_t i = off[c]; i < off[c + 1]; ++i)
      if (!eligible[c] || data.lines[i].day < last_day[c]) train.push_back(data.lines[i]);
  }
  RecommendOptions o = options;
  o.top_n = 10;
  Recommender rec = Recommender::Fit(train, data.product_ids.size(), o);
  const TifuKnn tifu = TifuKnn::Fit(train, n, data.product_ids.size(), {});
  const std::vector<uint32_t> popular = rec.Popular(10);
  const std::vector<size_t> train_off = CustomerOffsets(train, n);
  RecommendEvaluation e;
  e.methods = {{"custintel"}, {"popularity"}, {"personal_top"}, {"tifu_knn"}};
  // Above max_customers, every stride-th eligible customer is scored (the nearest-neighbour
  // baseline costs a search per customer); every held-out basket stays out of the training.
  std::vector<bool> scored = eligible;
  e.eligible = static_cast<size_t>(std::count(eligible.begin(), eligible.end(), true));
  if (max_customers > 0 && e.eligible > max_customers) {
    e.stride = (e.eligible + max_customers - 1) / max_customers;
    for (size_t c = 0, k = 0; c < n; ++c) {
      if (eligible[c]) scored[c] = k++ % e.stride == 0;
    }
  }
  std::vector<std::array<RecommendScores, 4>> per(n);
  ParallelFor(n, 0, 64, [&](size_t c) {
    if (!scored[c]) return;
    std::vector<uint32_t> basket;
    for (size_t i = off[c]; i < off[c + 1]; ++i)
      if (data.lines[i].day == last_day[c]) basket.push_back(data.lines[i].product);
    std::sort(basket.begin(), basket.end());
    const std::span<const PurchaseLine> history = std::span(train).subspan(train_off[c], train_off[c + 1] - train_off[c]);
    std::vector<uint32_t> mine;
    for (const Recommendation& r : rec.Recommend(history, last_day[c])) mine.push_back(r.product);
    Score(mine, basket, &per[c][0]);
    Score(popular, basket, &per[c][1]);
    Score(WithPopular(PersonalTop(history, 10), popular), basket, &per[c][2]);
    Score(WithPopular(tifu.Recommend(static_cast<uint32_t>(c), 10), popular), basket, &per[c][3]);
  });
  for (size_t c = 0; c < n; ++c) {
    if (!scored[c]) continue;
    ++e.customers;
    for (size_t m = 0; m < e.methods.size(); ++m) {
      e.methods[m].hit_rate_at_10 += per[c][m].hit_rate_at_10;
      e.methods[m].recall_at_10 += per[c][m].recall_at_10;
      e.methods[m].ndcg_at_10 += per[c][m].ndcg_at_10;
    }
  }
  for (RecommendScores& m : e.methods) {
    if (e.customers == 0) break;
    m.hit_rate_at_10 /= e.customers;
    m.recall_at_10 /= e.customers;
    m.ndcg_at_10 /= e.customers;
  }
  const RecommendScores& own = e.methods[0];
  for (size_t m = 1; m < e.methods.size() && e.customers > 0; ++m) {
    const RecommendScores& b = e.methods[m];
    if (own.recall_at_10 <= b.recall_at_10 || own.ndcg_at_10 <= b.ndcg_at_10) {
      e.losses.push_back(fmt::format("custintel does not beat {}: recall@10 {:.4f} vs {:.4f}, NDCG@10 {:.4f} vs {:.4f}",
                                     b.method, own.recall_at_10, b.recall_at_10, own.ndcg_at_10, b.ndcg_at_10));
    }
  }
  return e;
}

std::string RecommendEvaluationToJson(const RecommendEvaluation& e) {
  nlohmann::json methods = nlohmann::json::array();
  for (const RecommendScores& m : e.methods) {
    methods.push_back({{"method", m.method}, {"hit_rate_at_10", m.hit_rate_at_10}, {"recall_at_10", m.recall_at_10},
                       {"ndcg_at_10", m.ndcg_at_10}});
  }
  nlohmann::json j = {{"customers", e.customers}, {"eligible_customers", e.eligible}, {"every_nth", e.stride}, {"methods", methods}, {"beats_every_baseline", e.losses.empty()},
                      {"losses", e.losses}};
  return j.dump();
}

}  // namespace custintel::models
