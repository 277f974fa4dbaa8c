// Training the learned churn model: behavioural (a time split of the shop's own history) or
// subscription (a known churned label, cross-validated), with calibration and the evaluation.
#include "models/churn/churn_model_internal.h"

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

namespace custintel::models::churn_internal {
namespace {

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
  const int alive = rows.ColumnIndex("clv_p_alive"), status = rows.ColumnIndex("ci_status");
  d.status.assign(rows.row_count(), "");
  d.recency.assign(rows.row_count(), NAN);
  d.dead.assign(rows.row_count(), 1.0);
  for (size_t r = 0; r < rows.row_count(); ++r) {
    if (rec >= 0 && !rows.IsNull(rec, r)) {
      d.recency[r] = rows.GetDouble(rec, r);
    } else if (ten >= 0 && !rows.IsNull(ten, r)) {
      d.recency[r] = rows.GetDouble(ten, r);
    }
    if (alive >= 0 && !rows.IsNull(alive, r)) d.dead[r] = 1.0 - rows.GetDouble(alive, r);
    if (status >= 0 && !rows.IsNull(status, r)) d.status[r] = rows.GetString(status, r);
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
    s.status.push_back(d.status[r]);
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

// Per customer status at the cutoff: how many, and the share that bought again in the horizon.
void FillStatuses(ChurnEvaluation* e, const Dataset& eval) {
  e->statuses.clear();
  for (const char* name : {"active", "new", "at_risk", "lapsed"}) {
    ChurnEvaluation::StatusGroup g{name};
    int64_t returned = 0;
    for (size_t i = 0; i < eval.status.size(); ++i) {
      if (eval.status[i] != name) continue;
      ++g.customers;
      returned += eval.labels[i] == 0 ? 1 : 0;
    }
    if (eval.status.empty()) continue;
    g.share = static_cast<double>(g.customers) / static_cast<double>(eval.status.size());
    if (g.customers > 0) g.returned_rate = static_cast<double>(returned) / static_cast<double>(g.customers);
    e->statuses.push_back(g);
  }
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
  for (size_t r : rows) ((Fnv1a64(m.ids[r], kFnv1aFirstBasisSeed) >> shift) % modulus == 0 ? out.second : out.first).push_back(r);
  return out;
}

std::vector<size_t> AllRows(size_t n) {
  std::vector<size_t> rows(n);
  for (size_t i = 0; i < n; ++i) rows[i] = i;
  return rows;
}

Result<TrainOutcome> TrainTimeSplit(store::Connection& conn, const std::string& as_of, const ChurnModelOptions& o) {
  ChurnEvaluation e;
  e.mode = "time_split";
  e.label = fmt::format("no_order_in_{}d", o.horizon_days);
  CI_ASSIGN_OR_RETURN(e.train_cutoff, ShiftDays(conn, as_of, 2 * o.horizon_days));
  CI_ASSIGN_OR_RETURN(e.valid_cutoff, ShiftDays(conn, as_of, o.horizon_days));
  CI_ASSIGN_OR_RETURN(features::Scope train_scope,
                      SampleAtCutoff(conn, e.train_cutoff, o.max_train_rows, "ci_churn_train_sample"));
  CI_RETURN_IF_ERROR(SnapshotAtCutoff(conn, e.train_cutoff, o.horizon_days, "ci_churn_train", train_scope, o.statuses,
                                   /*with_status=*/false));
  CI_ASSIGN_OR_RETURN(features::Scope valid_scope,
                      SampleAtCutoff(conn, e.valid_cutoff, o.max_valid_rows, "ci_churn_valid_sample"));
  CI_RETURN_IF_ERROR(SnapshotAtCutoff(conn, e.valid_cutoff, o.horizon_days, "ci_churn_valid", valid_scope, o.statuses,
                                   /*with_status=*/true));
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
  LogInfo(fmt::format("churn: reading the training and validation rows {}", LapText(sw)));
  CI_ASSIGN_OR_RETURN(auto fitted, FitCalibrated(train, cal, o.booster));
  CI_ASSIGN_OR_RETURN(std::vector<double> p, PredictCalibrated(fitted.first, fitted.second, held_out.m.x));
  LogInfo(fmt::format("churn: training and calibrating {}", LapText(sw)));
  FillMetrics(&e, p, held_out.labels, held_out.heuristic);
  CI_ASSIGN_OR_RETURN(std::string alive_model, AliveModelName(conn));
  FillBaselines(&e, held_out, &cal, alive_model);
  FillStatuses(&e, held_out);
  e.train_rows = static_cast<int64_t>(train.labels.size());
  CI_ASSIGN_OR_RETURN(e.rounds, fitted.first.Rounds());
  e.features = spec.Names();
  out.model = TrainedModel{std::move(fitted.first), std::move(spec), std::move(fitted.second), std::move(e)};
  return out;
}

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
      (Fnv1a64(labelled.m.ids[r], kFnv1aFirstBasisSeed) % o.folds == static_cast<uint64_t>(fold) ? test : rest).push_back(r);
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

}  // namespace

Result<std::vector<double>> PredictCalibrated(const Booster& b, const IsotonicCalibrator& cal, const DenseMatrix& x) {
  CI_ASSIGN_OR_RETURN(std::vector<float> raw, b.PredictProbability(x));
  std::vector<double> p(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) p[i] = cal.Apply(raw[i]);
  return p;
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

Result<TrainOutcome> Train(store::Connection& conn, const std::string& as_of, const ChurnModelOptions& o) {
  if (!o.label.empty()) return TrainWithLabel(conn, o);
  return TrainTimeSplit(conn, as_of, o);
}

}  // namespace custintel::models::churn_internal
