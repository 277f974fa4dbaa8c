#include "models/churn/churn_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "core/log.h"
#include "core/parallel.h"
#include "core/stopwatch.h"
#include "core/strings.h"
#include "features/customer_features.h"
#include "models/churn/churn_heuristic.h"
#include "models/churn/churn_model_data.h"
#include "models/churn/churn_model_store.h"
#include "models/clv_score.h"

namespace custintel::models {
namespace {

constexpr char kModelVersion[] = "churn-xgb-1";
constexpr char kNotPurchase[] = "coalesce(lower(o.status), '') SIMILAR TO '.*(cancel|refund|return).*'";
constexpr size_t kScoreChunkRows = 65536;

struct Dataset {
  FeatureMatrix m;
  std::vector<int> labels;       // -1 unknown
  std::vector<double> heuristic;  // churn_risk_heuristic at the same time
  std::vector<double> recency;    // days since the last order, else tenure; NaN when neither (baselines)
  std::vector<double> dead;       // 1 − clv_p_alive, 1 without one (baselines)
};

struct TrainedModel {
  Booster booster;
  FeatureSpec spec;
  IsotonicCalibrator calibrator;
  ChurnEvaluation evaluation;
};

// Either a model or the reason there is too little data for one.
struct TrainOutcome {
  std::optional<TrainedModel> model;
  std::string too_little;
};

Result<Dataset> ReadDataset(store::Connection& conn, const std::string& sql, const FeatureSpec* spec_in,
                            FeatureSpec* spec_out) {
  CI_ASSIGN_OR_RETURN(store::QueryResult rows, conn.Query(sql));
  FeatureSpec inferred;
  if (!spec_in) {
    inferred = InferFeatureSpec(rows, {"as_of"});
    if (spec_out) *spec_out = inferred;
  }
  Dataset d;
  CI_ASSIGN_OR_RETURN(d.m, BuildFeatureMatrix(rows, spec_in ? *spec_in : inferred));
  CI_ASSIGN_OR_RETURN(d.labels, ReadLabels(rows, "ci_label"));
  int h = rows.ColumnIndex("ci_heuristic");
  d.heuristic.resize(rows.row_count());
  for (size_t r = 0; h >= 0 && r < rows.row_count(); ++r) d.heuristic[r] = rows.GetDouble(h, r);
  const int rec = rows.ColumnIndex("recency_days"), ten = rows.ColumnIndex("tenure_days");
  const int alive = rows.ColumnIndex("clv_p_alive");
  d.recency.assign(rows.row_count(), NAN);
  d.dead.assign(rows.row_count(), 1.0);
  for (size_t r = 0; r < rows.row_count(); ++r) {
    if (rec >= 0 && !rows.IsNull(rec, r)) {
      d.recency[r] = rows.GetDouble(rec, r);
    } else if (ten >= 0 && !rows.IsNull(ten, r)) {
      d.recency[r] = rows.GetDouble(ten, r);
    }
    if (alive >= 0 && !rows.IsNull(alive, r)) d.dead[r] = 1.0 - rows.GetDouble(alive, r);
  }
  return d;
}

Dataset Subset(const Dataset& d, const std::vector<size_t>& rows) {
  Dataset s;
  s.m.x = d.m.x.SelectRows(rows);
  s.m.category_values.resize(d.m.category_values.size());
  for (size_t r : rows) {
    s.m.ids.push_back(d.m.ids[r]);
    s.labels.push_back(d.labels[r]);
    s.heuristic.push_back(d.heuristic[r]);
    s.recency.push_back(d.recency[r]);
    s.dead.push_back(d.dead[r]);
    for (size_t c = 0; c < d.m.category_values.size(); ++c) s.m.category_values[c].push_back(d.m.category_values[c][r]);
  }
  return s;
}

std::vector<float> AsFloats(const std::vector<int>& labels) { return {labels.begin(), labels.end()}; }

// "" when both classes have at least `min_rows`, else why not.
std::string ClassShortage(const std::vector<int>& labels, int min_rows, const std::string& what) {
  int64_t pos = std::count(labels.begin(), labels.end(), 1);
  int64_t neg = std::count(labels.begin(), labels.end(), 0);
  if (pos >= min_rows && neg >= min_rows) return "";
  return fmt::format("{} has {} churners and {} non-churners (at least {} of each needed)", what, pos, neg,
                     min_rows);
}

Result<std::vector<double>> PredictCalibrated(const Booster& b, const IsotonicCalibrator& cal, const DenseMatrix& x) {
  CI_ASSIGN_OR_RETURN(std::vector<float> raw, b.PredictProbability(x));
  std::vector<double> p(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) p[i] = cal.Apply(raw[i]);
  return p;
}

// Trains on `fit`, stopping early and fitting the isotonic map on `cal`.
Result<std::pair<Booster, IsotonicCalibrator>> FitCalibrated(const Dataset& fit, const Dataset& cal,
                                                             const BoosterParams& params) {
  std::vector<float> fit_y = AsFloats(fit.labels), cal_y = AsFloats(cal.labels);
  CI_ASSIGN_OR_RETURN(Booster b, Booster::Train(fit.m.x, fit_y, params, &cal.m.x, &cal_y));
  CI_ASSIGN_OR_RETURN(std::vector<float> raw, b.PredictProbability(cal.m.x));
  IsotonicCalibrator c = FitIsotonic({raw.begin(), raw.end()}, cal.labels);
  return std::make_pair(std::move(b), std::move(c));
}

void FillMetrics(ChurnEvaluation* e, const std::vector<double>& p, const std::vector<int>& y,
                 const std::vector<double>& heuristic) {
  e->eval_rows = static_cast<int64_t>(y.size());
  e->churn_rate = y.empty() ? NAN : static_cast<double>(std::count(y.begin(), y.end(), 1)) / y.size();
  e->roc_auc = RocAuc(p, y);
  e->pr_auc = AveragePrecision(p, y);
  e->brier = BrierScore(p, y);
  e->reliability = ReliabilityTable(p, y);
  e->heuristic_roc_auc = RocAuc(heuristic, y);
  e->heuristic_pr_auc = AveragePrecision(heuristic, y);
  e->heuristic_brier = BrierScore(heuristic, y);
}

// The baselines of ChurnEvaluation on the evaluated rows `eval`; `calibration` (may be null)
// maps recency to a probability for its Brier score.
void FillBaselines(ChurnEvaluation* e, const Dataset& eval, const Dataset* calibration, const std::string& model) {
  const std::vector<int>& y = eval.labels;
  // Missing recency ranks as the longest: no order and no tenure says nothing recent.
  double longest = 0.0;
  for (double v : eval.recency) longest = std::isfinite(v) ? std::max(longest, v) : longest;
  std::vector<double> recency(eval.recency);
  for (double& v : recency) v = std::isfinite(v) ? v : longest + 1.0;
  ChurnEvaluation::Baseline r{"recency", RocAuc(recency, y), AveragePrecision(recency, y), NAN};
  if (calibration != nullptr) {
    std::vector<double> cal_recency(calibration->recency);
    for (double& v : cal_recency) v = std::isfinite(v) ? v : longest + 1.0;
    const IsotonicCalibrator iso = FitIsotonic(cal_recency, calibration->labels);
    std::vector<double> p(recency.size());
    for (size_t i = 0; i < p.size(); ++i) p[i] = iso.Apply(recency[i]);
    r.brier = BrierScore(p, y);
  }
  e->baselines = {r,
                  {"one_minus_p_alive", RocAuc(eval.dead, y), AveragePrecision(eval.dead, y), BrierScore(eval.dead, y)},
                  {"heuristic", e->heuristic_roc_auc, e->heuristic_pr_auc, e->heuristic_brier}};
  e->p_alive_model = model;
}

// The customer-base model whose P(alive) the snapshots carry: the last full run's choice
// (clv_score.h WriteProbabilityAlive), BG/NBD without one.
Result<std::string> AliveModelName(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(store::QueryResult has, conn.Query(
      "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'gold' AND table_name = 'clv_model' "
      "AND column_name = 'model'"));
  if (has.GetInt64(0, 0) == 0) return std::string("bgnbd");
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT coalesce(model, 'bgnbd') FROM gold.clv_model WHERE fitted ORDER BY as_of DESC LIMIT 1"));
  return r.row_count() ? r.GetString(0, 0) : std::string("bgnbd");
}

// Splits row indices by a hash bit of the customer id: {bit clear, bit set}.
std::pair<std::vector<size_t>, std::vector<size_t>> SplitByHash(const FeatureMatrix& m, const std::vector<size_t>& rows,
                                                                uint64_t modulus, int shift) {
  std::pair<std::vector<size_t>, std::vector<size_t>> out;
  for (size_t r : rows) ((Fnv1a64(m.ids[r]) >> shift) % modulus == 0 ? out.second : out.first).push_back(r);
  return out;
}

std::vector<size_t> AllRows(size_t n) {
  std::vector<size_t> rows(n);
  for (size_t i = 0; i < n; ++i) rows[i] = i;
  return rows;
}

// ---- Behavioural churn: time split ---------------------------------------------------------

Result<std::string> ShiftDays(store::Connection& conn, const std::string& t, int days) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r,
                      conn.Query("SELECT (?::TIMESTAMPTZ - to_days(?::INTEGER))::VARCHAR", {t, int64_t{days}}));
  return r.GetString(0, 0);
}

// BG/NBD P(alive) as of `at`, as the feature clv_p_alive (TEMP table ci_churn_alive): the
// probabilistic model's estimate of who has already left, from each customer's whole purchase
// rhythm, which one cutoff's tabular features only approximate. Empty when CLV cannot be fitted
// (the trees then see it as missing). Fitted on every customer, written for the scope's.
Status SnapshotAliveness(store::Connection& conn, const std::string& at, const features::Scope& scope) {
  CI_RETURN_IF_ERROR(WriteProbabilityAlive(conn, at, ClvScoreOptions{}, "ci_churn_alive", scope).status());
  return conn.Execute("ALTER TABLE ci_churn_alive RENAME COLUMN p_alive TO clv_p_alive");
}

// The customers a cutoff's snapshot is built for: everyone the features hold at `cutoff`, or,
// above `keep` of them, the `keep` with the smallest hash of their id (the same customers for
// the same data; features are per customer, so a sample's rows equal the full build's).
// Building features for a sample instead of sampling a full build afterwards is most of the
// training time saved at 1M customers.
Result<features::Scope> SampleAtCutoff(store::Connection& conn, const std::string& cutoff, int64_t keep,
                                       const std::string& table) {
  const std::string eligible = fmt::format(
      "FROM silver.customers c WHERE c.customer_id IS NOT NULL AND (c.acquisition_date IS NULL OR "
      "c.acquisition_date <= {}::TIMESTAMPTZ)", QuoteLiteral(cutoff));
  CI_ASSIGN_OR_RETURN(store::QueryResult n, conn.Query("SELECT count(*) " + eligible));
  if (n.GetInt64(0, 0) <= keep) return features::Scope::All();
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} AS SELECT DISTINCT customer_id FROM (SELECT c.customer_id {} "
      "ORDER BY hash(c.customer_id), c.customer_id LIMIT {})", table, eligible, keep)));
  return features::Scope::Customers(table);
}

// Features and the heuristic as of `cutoff` for the customers of `scope`, with the label of the
// following `horizon` days, into the temp table `name`. The features view and the heuristic's
// macro are the ones the run writes gold from (one definition each), evaluated at the cutoff
// straight into the snapshot: gold is not touched (it was rebuilt at the cutoff and put back,
// which cost more than the features themselves at 1M customers).
Status SnapshotAtCutoff(store::Connection& conn, const std::string& cutoff, int horizon, const std::string& name,
                        const features::Scope& scope) {
  Stopwatch sw;
  CI_RETURN_IF_ERROR(features::RunSqlModel(conn, "features/sql/customer_features.sql", cutoff, scope));
  CI_RETURN_IF_ERROR(features::RunSqlModel(conn, "models/sql/churn_heuristic.sql", cutoff));
  CI_RETURN_IF_ERROR(conn.Execute(
      "CREATE OR REPLACE TEMP TABLE ci_churn_features AS SELECT * FROM ci_customer_features"));
  LogInfo(fmt::format("churn {}: features at {} {:.2f} s", name, cutoff, sw.Lap()));
  CI_RETURN_IF_ERROR(SnapshotAliveness(conn, cutoff, scope));
  LogInfo(fmt::format("churn {}: BG/NBD P(alive) at {} {:.2f} s", name, cutoff, sw.Lap()));
  std::string c = QuoteLiteral(cutoff) + "::TIMESTAMPTZ";
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {0} AS "
      "WITH later AS (SELECT DISTINCT o.customer_id FROM silver.orders o WHERE o.ordered_at > {1} "
      "  AND o.ordered_at <= {1} + to_days({2}) AND NOT ({3}) AND {4}) "
      "SELECT f.*, a.clv_p_alive, ci_churn_heuristic(f.days_inactive, f.avg_sentiment, f.tickets_90d, "
      "  f.interactions_90d, f.avg_satisfaction) AS ci_heuristic, "
      "  CASE WHEN l.customer_id IS NULL THEN 1 ELSE 0 END AS ci_label "
      "FROM ci_churn_features f LEFT JOIN ci_churn_alive a USING (customer_id) "
      "LEFT JOIN later l USING (customer_id) ORDER BY f.customer_id; DROP TABLE ci_churn_features",
      name, c, horizon, kNotPurchase, scope.Filter("o.customer_id"))));
  LogInfo(fmt::format("churn {}: labels {:.2f} s", name, sw.Lap()));
  if (!scope.all()) CI_RETURN_IF_ERROR(conn.Execute("DROP TABLE " + scope.table()));
  return Status::Ok();
}

Result<TrainOutcome> TrainTimeSplit(store::Connection& conn, const std::string& as_of, const ChurnModelOptions& o) {
  ChurnEvaluation e;
  e.mode = "time_split";
  e.label = fmt::format("no_order_in_{}d", o.horizon_days);
  CI_ASSIGN_OR_RETURN(e.train_cutoff, ShiftDays(conn, as_of, 2 * o.horizon_days));
  CI_ASSIGN_OR_RETURN(e.valid_cutoff, ShiftDays(conn, as_of, o.horizon_days));
  CI_ASSIGN_OR_RETURN(features::Scope train_scope,
                      SampleAtCutoff(conn, e.train_cutoff, o.max_train_rows, "ci_churn_train_sample"));
  CI_RETURN_IF_ERROR(SnapshotAtCutoff(conn, e.train_cutoff, o.horizon_days, "ci_churn_train", train_scope));
  CI_ASSIGN_OR_RETURN(features::Scope valid_scope,
                      SampleAtCutoff(conn, e.valid_cutoff, o.max_valid_rows, "ci_churn_valid_sample"));
  CI_RETURN_IF_ERROR(SnapshotAtCutoff(conn, e.valid_cutoff, o.horizon_days, "ci_churn_valid", valid_scope));
  Stopwatch sw;
  FeatureSpec spec;
  CI_ASSIGN_OR_RETURN(Dataset train, ReadDataset(conn, "SELECT * FROM ci_churn_train", nullptr, &spec));
  CI_ASSIGN_OR_RETURN(Dataset valid, ReadDataset(conn, "SELECT * FROM ci_churn_valid", &spec, nullptr));
  CI_RETURN_IF_ERROR(conn.Execute("DROP TABLE ci_churn_train; DROP TABLE ci_churn_valid;"));
  auto [cal_rows, eval_rows] = SplitByHash(valid.m, AllRows(valid.labels.size()), 2, 0);
  Dataset cal = Subset(valid, cal_rows), held_out = Subset(valid, eval_rows);
  TrainOutcome out;
  for (auto [d, what] : {std::pair{&train, "training at " + e.train_cutoff},
                         std::pair{&cal, "calibration at " + e.valid_cutoff},
                         std::pair{&held_out, "evaluation at " + e.valid_cutoff}}) {
    out.too_little = ClassShortage(d->labels, o.min_class_rows, what);
    if (!out.too_little.empty()) return out;
  }
  if (spec.width() == 0) return TrainOutcome{std::nullopt, "no usable feature columns"};
  LogInfo(fmt::format("churn: reading the training and validation rows {:.2f} s", sw.Lap()));
  CI_ASSIGN_OR_RETURN(auto fitted, FitCalibrated(train, cal, o.booster));
  CI_ASSIGN_OR_RETURN(std::vector<double> p, PredictCalibrated(fitted.first, fitted.second, held_out.m.x));
  LogInfo(fmt::format("churn: training and calibrating {:.2f} s", sw.Lap()));
  FillMetrics(&e, p, held_out.labels, held_out.heuristic);
  CI_ASSIGN_OR_RETURN(std::string alive_model, AliveModelName(conn));
  FillBaselines(&e, held_out, &cal, alive_model);
  e.train_rows = static_cast<int64_t>(train.labels.size());
  CI_ASSIGN_OR_RETURN(e.rounds, fitted.first.Rounds());
  e.features = spec.Names();
  out.model = TrainedModel{std::move(fitted.first), std::move(spec), std::move(fitted.second), std::move(e)};
  return out;
}

// ---- Subscription churn: a known label, cross-validated ------------------------------------

// The SQL value of `label` per customer: a column of silver.customers, else an attributes key.
Result<std::string> LabelExpression(store::Connection& conn, const std::string& label) {
  CI_ASSIGN_OR_RETURN(store::QueryResult cols, conn.Query(
      "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'silver' "
      "AND table_name = 'customers' AND column_name = ?", {label}));
  std::string raw = cols.GetInt64(0, 0) > 0 ? "c." + QuoteIdent(label) + "::VARCHAR"
                                            : "(c.attributes ->> " + QuoteLiteral(label) + ")";
  return fmt::format(
      "CASE WHEN lower(trim({0})) IN ('1', 'true', 't', 'yes', 'y', 'churned') THEN 1 "
      "WHEN lower(trim({0})) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained') THEN 0 END",
      raw);
}

// Selects per attributes key: numeric when nearly all its values parse as numbers, else text.
Result<std::string> AttributeColumns(store::Connection& conn, const std::string& label) {
  CI_ASSIGN_OR_RETURN(store::QueryResult keys, conn.Query(
      "SELECT k, count(v), count(try_cast(v AS DOUBLE)) FROM (SELECT k, c.attributes ->> k AS v "
      "FROM silver.customers c, unnest(json_keys(c.attributes)) t(k)) WHERE k <> ? GROUP BY k ORDER BY k",
      {label}));
  std::string select;
  for (size_t r = 0; r < keys.row_count(); ++r) {
    std::string key = keys.GetString(0, r);
    bool numeric = keys.GetInt64(2, r) >= 0.95 * static_cast<double>(keys.GetInt64(1, r));
    std::string value = "c.attributes ->> " + QuoteLiteral(key);
    select += fmt::format(", {} AS {}", numeric ? "try_cast(" + value + " AS DOUBLE)" : value,
                          QuoteIdent("attributes." + key));
  }
  return select;
}

Result<std::string> LabelledQuery(store::Connection& conn, const std::string& label) {
  CI_ASSIGN_OR_RETURN(std::string label_sql, LabelExpression(conn, label));
  CI_ASSIGN_OR_RETURN(std::string attrs, AttributeColumns(conn, label));
  return fmt::format(
      "SELECT f.*{}, s.churn_risk_heuristic AS ci_heuristic, {} AS ci_label FROM gold.customer_features f "
      "JOIN silver.customers c USING (customer_id) LEFT JOIN gold.customer_scores s USING (customer_id) "
      "ORDER BY f.customer_id",
      attrs, label_sql);
}

Result<TrainOutcome> TrainWithLabel(store::Connection& conn, const ChurnModelOptions& o) {
  ChurnEvaluation e;
  e.mode = "cross_validation";
  e.label = o.label;
  CI_ASSIGN_OR_RETURN(std::string sql, LabelledQuery(conn, o.label));
  FeatureSpec spec;
  CI_ASSIGN_OR_RETURN(Dataset all, ReadDataset(conn, sql, nullptr, &spec));
  std::vector<size_t> known;
  for (size_t r = 0; r < all.labels.size(); ++r) {
    if (all.labels[r] >= 0) known.push_back(r);
  }
  if (known.empty()) {
    return Status::InvalidArgument("no customer carries a churn label '" + o.label +
                                   "' (a column of silver.customers or a key of its attributes, valued "
                                   "true/false, 1/0 or yes/no)");
  }
  Dataset labelled = Subset(all, known);
  TrainOutcome out;
  out.too_little = ClassShortage(labelled.labels, o.min_class_rows * o.folds, "the labelled customers");
  if (!out.too_little.empty()) return out;
  // Out-of-fold calibrated predictions, each fold's model calibrated on a fifth of its training.
  std::vector<double> oof(labelled.labels.size());
  for (int fold = 0; fold < o.folds; ++fold) {
    std::vector<size_t> test, rest;
    for (size_t r = 0; r < labelled.labels.size(); ++r) {
      (Fnv1a64(labelled.m.ids[r]) % o.folds == static_cast<uint64_t>(fold) ? test : rest).push_back(r);
    }
    auto [fit_rows, cal_rows] = SplitByHash(labelled.m, rest, 5, 20);
    CI_ASSIGN_OR_RETURN(auto fitted, FitCalibrated(Subset(labelled, fit_rows), Subset(labelled, cal_rows), o.booster));
    CI_ASSIGN_OR_RETURN(std::vector<double> p,
                        PredictCalibrated(fitted.first, fitted.second, labelled.m.x.SelectRows(test)));
    for (size_t i = 0; i < test.size(); ++i) oof[test[i]] = p[i];
  }
  FillMetrics(&e, oof, labelled.labels, labelled.heuristic);
  CI_ASSIGN_OR_RETURN(std::string alive_model, AliveModelName(conn));
  FillBaselines(&e, labelled, nullptr, alive_model);
  auto [fit_rows, cal_rows] = SplitByHash(labelled.m, AllRows(labelled.labels.size()), 5, 20);
  CI_ASSIGN_OR_RETURN(auto fitted, FitCalibrated(Subset(labelled, fit_rows), Subset(labelled, cal_rows), o.booster));
  e.train_rows = static_cast<int64_t>(fit_rows.size());
  CI_ASSIGN_OR_RETURN(e.rounds, fitted.first.Rounds());
  e.features = spec.Names();
  out.model = TrainedModel{std::move(fitted.first), std::move(spec), std::move(fitted.second), std::move(e)};
  return out;
}

Result<TrainOutcome> Train(store::Connection& conn, const std::string& as_of, const ChurnModelOptions& o) {
  if (!o.label.empty()) return TrainWithLabel(conn, o);
  return TrainTimeSplit(conn, as_of, o);
}

// ---- Scoring ----------------------------------------------------------------------------

// Sets churn_risk and risk_factors of gold.customer_scores for the rows of `sql`. Drivers are
// exact TreeSHAP while the shop (every row of gold.customer_scores, not just the rows scored)
// has at most exact_drivers_max_rows customers, so a customer rescored in an incremental run
// gets the drivers a full run gives it.
Result<int64_t> WriteScores(store::Connection& conn, const TrainedModel& model, const std::string& sql, int top,
                            int64_t exact_drivers_max_rows) {
  CI_ASSIGN_OR_RETURN(store::QueryResult shop, conn.Query("SELECT count(*) FROM gold.customer_scores"));
  const bool approximate = shop.GetInt64(0, 0) > exact_drivers_max_rows;
  Stopwatch sw;
  CI_ASSIGN_OR_RETURN(store::QueryResult rows, conn.Query(sql));
  CI_ASSIGN_OR_RETURN(FeatureMatrix m, BuildFeatureMatrix(rows, model.spec));
  LogInfo(fmt::format("churn scoring: reading {} rows {:.2f} s", m.ids.size(), sw.Lap()));
  CI_RETURN_IF_ERROR(conn.Execute(
      "CREATE OR REPLACE TABLE meta.churn_scores_stage (customer_id VARCHAR, churn_risk DOUBLE, risk_factors VARCHAR)"));
  CI_ASSIGN_OR_RETURN(store::Appender app, store::Appender::Create(conn, "meta", "churn_scores_stage"));
  // Approximate drivers are walked over the trees here, on every core (PathAttributions: the
  // numbers of XGBoost's approx_contribs); exact ones are XGBoost's TreeSHAP.
  std::optional<PathAttributions> paths;
  if (approximate) {
    CI_ASSIGN_OR_RETURN(PathAttributions p, PathAttributions::Of(model.booster));
    paths = std::move(p);
  }
  const size_t width = m.x.cols + 1;
  for (size_t begin = 0; begin < m.ids.size(); begin += kScoreChunkRows) {
    std::vector<size_t> chunk;
    for (size_t r = begin; r < std::min(m.ids.size(), begin + kScoreChunkRows); ++r) chunk.push_back(r);
    DenseMatrix x = m.x.SelectRows(chunk);
    CI_ASSIGN_OR_RETURN(std::vector<double> p, PredictCalibrated(model.booster, model.calibrator, x));
    std::vector<float> shap;
    if (paths) {
      shap.assign(chunk.size() * width, 0.0f);
      ParallelSlices(chunk.size(), 0, 1024, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) paths->Attribute(&x.values[i * x.cols], &shap[i * width]);
      });
    } else {
      CI_ASSIGN_OR_RETURN(shap, model.booster.Contributions(x, false));
    }
    std::vector<std::string> drivers(chunk.size());
    ParallelSlices(chunk.size(), 0, 1024, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) drivers[i] = TopDriversJson(model.spec, m, chunk[i], &shap[i * width], top);
    });
    for (size_t i = 0; i < chunk.size(); ++i) {
      CI_RETURN_IF_ERROR(app.Append(m.ids[chunk[i]]));
      CI_RETURN_IF_ERROR(app.Append(p[i]));
      CI_RETURN_IF_ERROR(app.Append(std::move(drivers[i])));
      CI_RETURN_IF_ERROR(app.EndRow());
    }
  }
  CI_RETURN_IF_ERROR(app.Close());
  LogInfo(fmt::format("churn scoring: predictions and {} drivers {:.2f} s", approximate ? "approximate" : "exact",
                      sw.Lap()));
  CI_RETURN_IF_ERROR(conn.Execute(
      "UPDATE gold.customer_scores s SET churn_risk = t.churn_risk, risk_factors = t.risk_factors::JSON "
      "FROM meta.churn_scores_stage t WHERE s.customer_id = t.customer_id; DROP TABLE meta.churn_scores_stage;"));
  return static_cast<int64_t>(m.ids.size());
}

std::string ModelKey(const std::string& as_of, const ChurnModelOptions& o) {
  const BoosterParams& b = o.booster;
  return fmt::format("{}|{}|h={}|label={}|folds={}|min={}|rows={},{}|{} {} {} {} {} {} {} {}", kModelVersion, as_of,
                     o.horizon_days, o.label, o.folds, o.min_class_rows, o.max_train_rows, o.max_valid_rows,
                     b.max_rounds, b.early_stopping_rounds,
                     b.max_depth, b.eta, b.subsample, b.colsample_bytree, b.min_child_weight, b.seed);
}

Result<TrainedModel> LoadStored(const StoredChurnModel& s, int nthread) {
  CI_ASSIGN_OR_RETURN(Booster booster, Booster::Load(s.model, nthread));
  CI_ASSIGN_OR_RETURN(FeatureSpec spec, FeatureSpec::FromJson(s.features_json));
  IsotonicCalibrator cal;
  if (!IsotonicCalibrator::FromJson(s.calibration_json, &cal)) {
    return Status::Corruption(fmt::format("meta.churn_models model {}: calibration is malformed", s.model_id));
  }
  ChurnEvaluation e;
  auto metrics = nlohmann::json::parse(s.metrics_json, nullptr, false);
  if (metrics.is_object()) {
    e.mode = metrics.value("mode", "");
    e.roc_auc = metrics.value("roc_auc", NAN);
  }
  return TrainedModel{std::move(booster), std::move(spec), std::move(cal), std::move(e)};
}

Result<StoredChurnModel> ToStored(const TrainedModel& m, const std::string& hash, const std::string& as_of,
                                  const ChurnModelOptions& o) {
  StoredChurnModel s;
  s.data_hash = hash;
  s.mode = m.evaluation.mode;
  s.label = o.label;
  s.as_of = as_of;
  s.train_cutoff = m.evaluation.train_cutoff;
  s.valid_cutoff = m.evaluation.valid_cutoff;
  s.horizon_days = o.horizon_days;
  s.features_json = m.spec.ToJson();
  s.calibration_json = m.calibrator.ToJson();
  s.metrics_json = m.evaluation.ToJson();
  CI_ASSIGN_OR_RETURN(s.model, m.booster.Save());
  return s;
}

// The feature rows to score: every customer's, or the scope's. Behavioural churn reads only the
// columns the model uses (a materialised 1M-row SELECT f.* was the run's memory peak).
std::string ScoringQuery(store::Connection& conn, const ChurnModelOptions& o, const FeatureSpec& spec,
                         const features::Scope& scope, Status* status) {
  if (o.label.empty()) {
    std::string cols = "customer_id";
    for (const std::string& c : spec.numeric) cols += ", " + QuoteIdent(c);
    for (const CategoricalFeature& c : spec.categorical) cols += ", " + QuoteIdent(c.column);
    return "SELECT " + cols + " FROM gold.customer_features f "
           "LEFT JOIN ci_churn_alive a USING (customer_id) " +
           (scope.all() ? "" : "WHERE " + scope.Filter("f.customer_id") + " ") + "ORDER BY f.customer_id";
  }
  auto sql = LabelledQuery(conn, o.label);
  if (!sql.ok()) *status = sql.status();
  if (!sql.ok() || scope.all()) return sql.ok() ? *sql : "";
  return "SELECT * FROM (" + *sql + ") WHERE " + scope.Filter("customer_id") + " ORDER BY customer_id";
}

// clv_p_alive of the scope's customers (TEMP table ci_churn_alive) from gold.customer_clv, which
// the scoped clv step has rescored with the last full run's parameters: what SnapshotAliveness
// gives them in a full run. NULL (missing) where CLV is not fitted, as there.
Status ReadAlivenessOfScope(store::Connection& conn, const features::Scope& scope) {
  CI_ASSIGN_OR_RETURN(bool exists, store::TableExists(conn, "gold", "customer_clv"));
  if (!exists) {
    return Status::InvalidArgument(
        "scoped churn scoring reads clv_p_alive from gold.customer_clv, which is missing: run the clv step "
        "(or a full run) first");
  }
  return conn.Execute(
      "CREATE OR REPLACE TEMP TABLE ci_churn_alive AS SELECT customer_id, p_alive AS clv_p_alive "
      "FROM gold.customer_clv WHERE " + scope.Filter("customer_id"));
}

// clv_p_alive as of as_of for a full scoring (TEMP table ci_churn_alive): gold.customer_clv's
// when the caller says the CLV step wrote it first and gold.clv_model is as of as_of (the same
// data, options and code: the values SnapshotAliveness would compute), else fitted here.
Status AlivenessAtAsOf(store::Connection& conn, const std::string& as_of, const ChurnModelOptions& o) {
  if (o.clv_scored_first) {
    CI_ASSIGN_OR_RETURN(bool stored, store::TablesExist(conn, "gold", {"clv_model", "customer_clv"}));
    if (stored) {
      CI_ASSIGN_OR_RETURN(store::QueryResult same, conn.Query(
          "SELECT count(*) FROM gold.clv_model WHERE as_of = ?::TIMESTAMPTZ", {as_of}));
      if (same.GetInt64(0, 0) > 0) {
        return conn.Execute("CREATE OR REPLACE TEMP TABLE ci_churn_alive AS SELECT customer_id, p_alive AS "
                            "clv_p_alive FROM gold.customer_clv");
      }
    }
  }
  return SnapshotAliveness(conn, as_of, features::Scope::All());
}

// The incremental-run path of ScoreLearnedChurn: the last full run's model, never training.
Result<ChurnScoreReport> ScoreScoped(store::Connection& conn, const ChurnModelOptions& o,
                                     const features::Scope& scope) {
  ChurnScoreReport report;
  CI_ASSIGN_OR_RETURN(std::optional<StoredChurnModel> stored, FindChurnModelInUse(conn, o.label, o.horizon_days));
  if (!stored) {
    CI_ASSIGN_OR_RETURN(store::QueryResult n, conn.Query("SELECT count(*) FROM " + scope.table()));
    report.message = fmt::format(
        "learned churn: the last full run stored no model to score with (none is trained in an incremental run); "
        "churn_risk stays the heuristic for the {} rescored customers", n.GetInt64(0, 0));
    return report;
  }
  CI_ASSIGN_OR_RETURN(TrainedModel model, LoadStored(*stored, o.booster.nthread));
  if (o.label.empty()) CI_RETURN_IF_ERROR(ReadAlivenessOfScope(conn, scope));
  Status query_status;
  std::string sql = ScoringQuery(conn, o, model.spec, scope, &query_status);
  CI_RETURN_IF_ERROR(query_status);
  Result<int64_t> scored = WriteScores(conn, model, sql, o.top_drivers, o.exact_drivers_max_rows);
  if (!scored.ok()) {
    return scored.status().WithContext(fmt::format("scoring with stored churn model {} (a full run retrains it)",
                                                   stored->model_id));
  }
  report.learned = true;
  report.reused = true;
  report.model_id = stored->model_id;
  report.scored = *scored;
  report.evaluation = std::move(model.evaluation);
  report.message = fmt::format("learned churn: {} customers rescored with model {}, the last full run's (trained "
                               "as of {}; not retrained in an incremental run)", report.scored, report.model_id,
                               stored->as_of);
  return report;
}

// Trains a model for `hash` and stores it.
Result<TrainOutcome> TrainAndStore(store::Connection& conn, const std::string& as_of, const ChurnModelOptions& o,
                                   const std::string& hash, int64_t* model_id) {
  CI_ASSIGN_OR_RETURN(TrainOutcome out, Train(conn, as_of, o));
  if (!out.model) return out;
  CI_ASSIGN_OR_RETURN(StoredChurnModel stored, ToStored(*out.model, hash, as_of, o));
  CI_ASSIGN_OR_RETURN(*model_id, SaveChurnModel(conn, stored));
  return out;
}

nlohmann::json Num(double v) { return std::isfinite(v) ? nlohmann::json(std::round(v * 1e6) / 1e6) : nlohmann::json(); }

}  // namespace

std::string ChurnEvaluation::ToJson() const {
  nlohmann::json bins = nlohmann::json::array();
  for (const auto& b : reliability) {
    bins.push_back({{"lower", Num(b.lower)}, {"upper", Num(b.upper)}, {"count", b.count},
                    {"mean_predicted", Num(b.mean_predicted)}, {"observed_rate", Num(b.observed_rate)}});
  }
  nlohmann::json j = {{"mode", mode}, {"label", label}, {"roc_auc", Num(roc_auc)}, {"pr_auc", Num(pr_auc)},
                      {"brier", Num(brier)}, {"heuristic", {{"roc_auc", Num(heuristic_roc_auc)},
                                                            {"pr_auc", Num(heuristic_pr_auc)},
                                                            {"brier", Num(heuristic_brier)}}},
                      {"train_rows", train_rows}, {"eval_rows", eval_rows}, {"churn_rate", Num(churn_rate)},
                      {"rounds", rounds}, {"features", features}, {"reliability", bins}};
  nlohmann::json baseline_json = nlohmann::json::object();
  for (const Baseline& b : baselines) {
    baseline_json[b.name] = {{"roc_auc", Num(b.roc_auc)}, {"pr_auc", Num(b.pr_auc)}, {"brier", Num(b.brier)}};
    if (b.name == "one_minus_p_alive") baseline_json[b.name]["model"] = p_alive_model;
  }
  j["baselines"] = baseline_json;
  if (!train_cutoff.empty()) {
    j["train_cutoff"] = train_cutoff;
    j["valid_cutoff"] = valid_cutoff;
  }
  return j.dump();
}

Result<ChurnScoreReport> ScoreLearnedChurn(store::Connection& conn, const std::string& as_of,
                                           const ChurnModelOptions& o, const features::Scope& scope) {
  if (!scope.all()) return ScoreScoped(conn, o, scope);
  ChurnScoreReport report;
  CI_ASSIGN_OR_RETURN(std::string hash, ChurnDataHash(conn, ModelKey(as_of, o)));
  CI_ASSIGN_OR_RETURN(std::optional<StoredChurnModel> stored, FindChurnModel(conn, hash));
  std::optional<TrainedModel> model;
  if (stored) {
    CI_ASSIGN_OR_RETURN(TrainedModel loaded, LoadStored(*stored, o.booster.nthread));
    model.emplace(std::move(loaded));
    report.reused = true;
    report.model_id = stored->model_id;
  } else {
    CI_ASSIGN_OR_RETURN(TrainOutcome out, TrainAndStore(conn, as_of, o, hash, &report.model_id));
    if (!out.model) {
      report.message = "learned churn: too little data (" + out.too_little +
                       "); churn_risk stays the heuristic";
      CI_RETURN_IF_ERROR(MarkChurnModelInUse(conn, 0, o.label, o.horizon_days));
      return report;
    }
    model.emplace(std::move(*out.model));
  }
  Stopwatch sw;
  if (o.label.empty()) CI_RETURN_IF_ERROR(AlivenessAtAsOf(conn, as_of, o));
  LogInfo(fmt::format("churn scoring: BG/NBD P(alive) at {} {:.2f} s", as_of, sw.Lap()));
  Status query_status;
  std::string sql = ScoringQuery(conn, o, model->spec, scope, &query_status);
  CI_RETURN_IF_ERROR(query_status);
  CI_ASSIGN_OR_RETURN(report.scored, WriteScores(conn, *model, sql, o.top_drivers, o.exact_drivers_max_rows));
  CI_RETURN_IF_ERROR(MarkChurnModelInUse(conn, report.model_id, o.label, o.horizon_days));
  report.learned = true;
  report.evaluation = std::move(model->evaluation);
  report.message = fmt::format("learned churn: model {} ({}), {} customers scored{}", report.model_id,
                               report.reused ? "reused, data unchanged" : "trained", report.scored,
                               report.reused ? "" : fmt::format(", held-out ROC-AUC {:.3f} vs heuristic {:.3f}",
                                                                report.evaluation.roc_auc,
                                                                report.evaluation.heuristic_roc_auc));
  return report;
}

Status RunChurnModelStep(store::Connection& conn, const std::string& as_of, std::string* note,
                         const features::Scope& scope) {
  ChurnModelOptions o;
  o.clv_scored_first = true;
  CI_ASSIGN_OR_RETURN(ChurnScoreReport report, ScoreLearnedChurn(conn, as_of, o, scope));
  *note = report.message;
  if (report.learned) {
    LogInfo(report.message);
  } else {
    LogWarn(report.message);
  }
  return Status::Ok();
}

Result<ChurnEvaluation> EvaluateChurn(store::Connection& conn, const std::string& as_of, const ChurnModelOptions& o) {
  CI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(conn));
  if (!o.label.empty()) {
    CI_RETURN_IF_ERROR(features::BuildCustomerFeatures(conn, as_of));
    CI_RETURN_IF_ERROR(ScoreChurnHeuristic(conn, as_of));
  }
  CI_ASSIGN_OR_RETURN(TrainOutcome out, Train(conn, as_of, o));
  CI_RETURN_IF_ERROR(tx.Rollback());
  if (!out.model) return Status::InvalidArgument("too little data to evaluate a churn model: " + out.too_little);
  return std::move(out.model->evaluation);
}

}  // namespace custintel::models
