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
#include "models/churn/churn_model_internal.h"

namespace custintel::models {
namespace {

using namespace churn_internal;  // NOLINT: the model's own internals (churn_model_internal.h)

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
  LogInfo(fmt::format("churn scoring: reading {} rows {}", m.ids.size(), LapText(sw)));
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
  LogInfo(fmt::format("churn scoring: predictions and {} drivers {}", approximate ? "approximate" : "exact",
                      LapText(sw)));
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
  if (!statuses.empty()) {
    nlohmann::json by_status = nlohmann::json::object();
    for (const StatusGroup& g : statuses) {
      by_status[g.status] = {{"customers", g.customers}, {"share", Num(g.share)}, {"returned_rate", Num(g.returned_rate)}};
      if (g.status == "at_risk") j["at_risk_lapse_rate"] = Num(1.0 - g.returned_rate);
    }
    j["statuses"] = by_status;
  }
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
  LogInfo(fmt::format("churn scoring: BG/NBD P(alive) at {} {}", as_of, LapText(sw)));
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
                         const features::Scope& scope, const ChurnConfig& churn) {
  ChurnModelOptions o;
  o.clv_scored_first = true;
  o.statuses = churn;
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
