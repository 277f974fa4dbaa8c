#include "models/clv_score.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace custintel::models {
namespace {

constexpr double kDaysPerWeek = 7.0;

struct ClvPrediction {
  double p_alive = NAN, purchases = NAN, avg_value = NAN, clv = NAN;
};

// With the customer-base model of the fit (BG/NBD's bits are those of clv_bgnbd.h).
ClvPrediction Predict(const ClvModelFit& fit, const ClvScoreOptions& o, const ClvSummary& s, size_t i) {
  ClvPrediction p;
  const clv::ModelFit& model = fit.model;
  const double x = s.frequency[i], t_x = s.recency[i], T = s.T[i];
  const double litt = s.has_litt() ? s.litt[i] : 0.0;
  p.p_alive = clv::ProbabilityAlive(model, x, t_x, T, litt);
  p.purchases = clv::ExpectedPurchases(model, o.prediction_days / kDaysPerWeek, x, t_x, T, litt);
  if (fit.gamma_gamma && fit.gamma_gamma->params.q > 1) {
    const GammaGammaParams& g = fit.gamma_gamma->params;
    const double m = s.has_monetary_value() ? s.monetary_value[i] : 0.0;
    p.avg_value = GammaGammaExpectedAverageValue(g, x, m);
    p.clv = clv::LifetimeValue(model, x, t_x, T, litt, p.avg_value, o.horizon_months, o.monthly_discount_rate,
                               PeriodsPerMonth(ClvPeriod::kWeeks));
  }
  return p;
}

std::string ModelParamsJson(const clv::ModelFit& m) {
  nlohmann::json j = nlohmann::json::object();
  const std::vector<std::string> names = clv::ParamNames(m.kind);
  for (size_t i = 0; i < names.size() && i < m.params.size(); ++i) j[names[i]] = m.params[i];
  return j.dump();
}

// The simpler estimate when no BG/NBD fit is usable: purchases at the customer's own past rate
// (repeat purchases per week since the first), the customer's own mean order value.
ClvPrediction PredictNaive(const ClvScoreOptions& o, const ClvSummary& s, size_t i) {
  ClvPrediction p;
  if (s.T[i] > 0) p.purchases = s.frequency[i] / s.T[i] * (o.prediction_days / kDaysPerWeek);
  if (s.has_monetary_value() && s.frequency[i] > 0) p.avg_value = s.monetary_value[i];
  return p;
}

store::Param Num(double v) { return std::isfinite(v) ? store::Param(v) : store::Param(std::monostate{}); }

// Replaces the scope's rows of gold.customer_clv (the whole table for Scope::All()) by the
// summary's, predicted with `fit` (NULL predictions without one).
Status WriteCustomerClv(store::Connection& conn, const ClvSummary& s, const ClvModelFit* fit,
                        const ClvScoreOptions& o, const std::string& as_of, const features::Scope& scope,
                        bool naive = false) {
  constexpr char kColumns[] =
      "(customer_id VARCHAR, frequency DOUBLE, recency DOUBLE, \"T\" DOUBLE, monetary_value DOUBLE, "
      "p_alive DOUBLE, expected_purchases_90d DOUBLE, expected_avg_order_value DOUBLE, predicted_clv DOUBLE, "
      "as_of TIMESTAMPTZ)";
  if (scope.all()) {
    CI_RETURN_IF_ERROR(conn.Execute(std::string("CREATE OR REPLACE TABLE gold.customer_clv ") + kColumns));
  } else {
    CI_RETURN_IF_ERROR(conn.Execute(std::string("CREATE TABLE IF NOT EXISTS gold.customer_clv ") + kColumns));
    CI_RETURN_IF_ERROR(conn.Execute("DELETE FROM gold.customer_clv WHERE " + scope.Filter("customer_id")));
  }
  CI_ASSIGN_OR_RETURN(store::Appender app, store::Appender::Create(conn, "gold", "customer_clv"));
  for (size_t i = 0; i < s.size(); ++i) {
    ClvPrediction p = fit ? Predict(*fit, o, s, i) : naive ? PredictNaive(o, s, i) : ClvPrediction{};
    const double m = s.has_monetary_value() ? s.monetary_value[i] : NAN;
    for (const store::Param& v : {store::Param(s.customer_id[i]), Num(s.frequency[i]), Num(s.recency[i]),
                                  Num(s.T[i]), Num(m), Num(p.p_alive), Num(p.purchases), Num(p.avg_value),
                                  Num(p.clv), store::Param(as_of)}) {
      CI_RETURN_IF_ERROR(app.Append(v));
    }
    CI_RETURN_IF_ERROR(app.EndRow());
  }
  return app.Close();
}

Status WriteClvModel(store::Connection& conn, const ClvScoreReport& r, const std::string& as_of) {
  CI_RETURN_IF_ERROR(conn.Execute(
      "CREATE OR REPLACE TABLE gold.clv_model (as_of TIMESTAMPTZ, fitted BOOLEAN, message VARCHAR, "
      "customers BIGINT, repeat_buyers BIGINT, r DOUBLE, alpha DOUBLE, a DOUBLE, b DOUBLE, "
      "bgnbd_log_likelihood DOUBLE, p DOUBLE, q DOUBLE, v DOUBLE, gamma_gamma_log_likelihood DOUBLE, "
      "model VARCHAR, model_k INTEGER, model_params VARCHAR, model_log_likelihood DOUBLE, model_choice VARCHAR, "
      "bgnbd_converged BOOLEAN, bgnbd_iterations INTEGER, gamma_gamma_converged BOOLEAN, "
      "gamma_gamma_iterations INTEGER)"));
  std::vector<store::Param> row = {as_of, r.fitted, r.message, static_cast<int64_t>(r.customers),
                                   static_cast<int64_t>(r.repeat_buyers)};
  const bool b = r.fit.has_value(), g = b && r.fit->gamma_gamma.has_value();
  for (double v : {b ? r.fit->bgnbd.params.r : NAN, b ? r.fit->bgnbd.params.alpha : NAN,
                   b ? r.fit->bgnbd.params.a : NAN, b ? r.fit->bgnbd.params.b : NAN,
                   b ? r.fit->bgnbd.log_likelihood : NAN, g ? r.fit->gamma_gamma->params.p : NAN,
                   g ? r.fit->gamma_gamma->params.q : NAN, g ? r.fit->gamma_gamma->params.v : NAN,
                   g ? r.fit->gamma_gamma->log_likelihood : NAN}) {
    row.push_back(Num(v));
  }
  const store::Param null{std::monostate{}};
  row.push_back(b ? store::Param(clv::ModelName(r.fit->model.kind)) : null);
  row.push_back(b ? store::Param(static_cast<int64_t>(r.fit->model.k)) : null);
  row.push_back(b ? store::Param(ModelParamsJson(r.fit->model)) : null);
  row.push_back(b ? Num(r.fit->model.log_likelihood) : null);
  row.push_back(b && r.fit->choice ? store::Param(clv::ModelChoiceToJson(*r.fit->choice)) : null);
  // What the optimiser said, also for a fit that was dropped (r.tried keeps it).
  const std::optional<ClvModelFit>& tried = r.tried ? r.tried : r.fit;
  const bool tb = tried.has_value(), tg = tb && tried->gamma_gamma.has_value();
  row.push_back(tb ? store::Param(tried->bgnbd.converged) : store::Param());
  row.push_back(tb ? store::Param(int64_t{tried->bgnbd.iterations}) : store::Param());
  row.push_back(tg ? store::Param(tried->gamma_gamma->converged) : store::Param());
  row.push_back(tg ? store::Param(int64_t{tried->gamma_gamma->iterations}) : store::Param());
  return conn.Query("INSERT INTO gold.clv_model VALUES (?::TIMESTAMPTZ, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?, ?, ?, ?, ?, ?, ?, ?)", row).status();
}

// Adds the prediction columns to gold.customer_scores and fills them from gold.customer_clv: every
// customer in it for Scope::All() (the table is rebuilt every full run), else the scope's
// customers, NULL for those without a gold.customer_clv row.
Status UpdateCustomerScores(store::Connection& conn, const features::Scope& scope) {
  for (const char* col : {"p_alive", "expected_purchases_90d", "expected_avg_order_value", "predicted_clv"}) {
    CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
        "ALTER TABLE gold.customer_scores ADD COLUMN IF NOT EXISTS {} DOUBLE", col)));
  }
  const std::string source =
      scope.all() ? "gold.customer_clv"
                  : "(SELECT t.customer_id, c.p_alive, c.expected_purchases_90d, c.expected_avg_order_value, "
                    "c.predicted_clv FROM " + scope.table() + " t LEFT JOIN gold.customer_clv c USING (customer_id))";
  return conn.Execute(
      "UPDATE gold.customer_scores s SET p_alive = c.p_alive, "
      "expected_purchases_90d = c.expected_purchases_90d, "
      "expected_avg_order_value = c.expected_avg_order_value, predicted_clv = c.predicted_clv "
      "FROM " + source + " c WHERE s.customer_id = c.customer_id");
}

// What the last full run left in gold.clv_model: its as_of, and its parameters when it says
// fitted (an empty fit otherwise, with `why` saying why there is none).
struct StoredClvModel {
  std::string as_of;
  std::optional<ClvModelFit> fit;
  std::string why;
};

Result<StoredClvModel> ReadStoredClvModel(store::Connection& conn) {
  StoredClvModel m;
  CI_ASSIGN_OR_RETURN(bool exists, store::TableExists(conn, "gold", "clv_model"));
  if (!exists) {
    m.why = "gold.clv_model is missing";
    return m;
  }
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT as_of::VARCHAR, fitted, coalesce(message, ''), r, alpha, a, b, bgnbd_log_likelihood, p, q, v, "
      "gamma_gamma_log_likelihood FROM gold.clv_model ORDER BY as_of DESC LIMIT 1"));
  if (r.row_count() == 0) {
    m.why = "gold.clv_model is empty";
    return m;
  }
  m.as_of = r.GetString(0, 0);
  if (r.IsNull(1, 0) || !r.GetBool(1, 0)) {
    m.why = r.GetString(2, 0);
    return m;
  }
  for (size_t c = 3; c <= 6; ++c) {
    if (r.IsNull(c, 0)) {
      return Status::Corruption("gold.clv_model says fitted but its BG/NBD parameter '" + r.column_name(c) +
                                "' is NULL; a full run rewrites it");
    }
  }
  ClvModelFit fit;
  fit.bgnbd.params = {r.GetDouble(3, 0), r.GetDouble(4, 0), r.GetDouble(5, 0), r.GetDouble(6, 0)};
  fit.bgnbd.log_likelihood = r.IsNull(7, 0) ? NAN : r.GetDouble(7, 0);
  fit.model = AsModelFit(fit.bgnbd);
  // The model the predictions used (tables written before model choice have BG/NBD only).
  CI_ASSIGN_OR_RETURN(store::QueryResult has_model, conn.Query(
      "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'gold' AND table_name = 'clv_model' "
      "AND column_name = 'model_params'"));
  if (has_model.GetInt64(0, 0) > 0) {
    CI_ASSIGN_OR_RETURN(store::QueryResult mr, conn.Query(
        "SELECT model, model_k, model_params, model_log_likelihood FROM gold.clv_model ORDER BY as_of DESC LIMIT 1"));
    if (!mr.IsNull(0, 0) && !mr.IsNull(2, 0)) {
      Result<clv::ModelKind> kind = clv::ParseModelName(mr.GetString(0, 0));
      if (!kind.ok()) return Status::Corruption("gold.clv_model: " + kind.status().message());
      const nlohmann::json params = nlohmann::json::parse(mr.GetString(2, 0), nullptr, false);
      clv::ModelFit m;
      m.kind = *kind;
      m.k = mr.IsNull(1, 0) ? 1 : static_cast<int>(mr.GetInt64(1, 0));
      m.log_likelihood = mr.IsNull(3, 0) ? NAN : mr.GetDouble(3, 0);
      for (const std::string& name : clv::ParamNames(m.kind)) {
        if (!params.is_object() || !params.contains(name) || !params[name].is_number()) {
          return Status::Corruption("gold.clv_model: model_params lacks '" + name + "'; a full run rewrites it");
        }
        m.params.push_back(params[name].get<double>());
      }
      fit.model = std::move(m);
    }
  }
  if (!r.IsNull(8, 0) && !r.IsNull(9, 0) && !r.IsNull(10, 0)) {
    GammaGammaFit g;
    g.params = {r.GetDouble(8, 0), r.GetDouble(9, 0), r.GetDouble(10, 0)};
    g.log_likelihood = r.IsNull(11, 0) ? NAN : r.GetDouble(11, 0);
    fit.gamma_gamma = g;
  }
  m.fit = std::move(fit);
  return m;
}

size_t RepeatBuyers(const ClvSummary& s) {
  return static_cast<size_t>(std::count_if(s.frequency.begin(), s.frequency.end(), [](double x) { return x > 0; }));
}

// The incremental-run path of ScoreClv: no fit, the last full run's parameters.
Result<ClvScoreReport> ScoreClvScoped(store::Connection& conn, const std::string& as_of, const ClvScoreOptions& o,
                                      const features::Scope& scope) {
  CI_ASSIGN_OR_RETURN(StoredClvModel stored, ReadStoredClvModel(conn));
  Result<ClvSummary> loaded = LoadClvSummary(conn, as_of, o.include_cancelled, scope);
  const ClvSummary summary = loaded.ok() ? std::move(*loaded) : ClvSummary{};
  ClvScoreReport report;
  report.customers = summary.size();
  report.repeat_buyers = RepeatBuyers(summary);
  if (!loaded.ok()) {  // as the full path: a note, and NULL columns for the scope
    stored.fit.reset();
    report.message = "CLV not scored: " + loaded.status().message() + "; CLV columns of the scope are NULL";
  } else if (stored.fit) {
    report.fitted = true;
    report.fit = std::move(stored.fit);
    report.model_as_of = stored.as_of;
    report.message = fmt::format("CLV: {} customers rescored with the parameters of {} (not refitted in an "
                                 "incremental run)", report.customers, stored.as_of);
  } else {
    report.message = fmt::format("CLV not refitted in an incremental run, and the last full run had no fitted CLV "
                                 "model ({}); CLV columns of the {} rescored customers are NULL",
                                 stored.why, report.customers);
  }
  CI_RETURN_IF_ERROR(WriteCustomerClv(conn, summary, report.fit ? &*report.fit : nullptr, o, as_of, scope));
  CI_RETURN_IF_ERROR(UpdateCustomerScores(conn, scope));
  return report;
}

// Whether any order up to as_of with a customer carries an amount (a purchase log of dates only
// does not).
Result<bool> OrdersHaveAmounts(store::Connection& conn, const std::string& as_of) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT count(*) FILTER (WHERE amount IS NOT NULL) > 0 OR count(*) = 0 FROM silver.orders_as_of(?::TIMESTAMPTZ) "
      "WHERE customer_id IS NOT NULL", {as_of}));
  return r.GetBool(0, 0);
}

}  // namespace

Result<double> EpochDays(store::Connection& conn, const std::string& timestamp) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r,
                      conn.Query("SELECT epoch(?::TIMESTAMPTZ) / 86400.0", {timestamp}));
  return r.GetDouble(0, 0);
}

Result<ClvTransactions> LoadClvTransactions(store::Connection& conn, const std::string& until,
                                            bool include_cancelled, const features::Scope& scope) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT customer_id, epoch(ordered_at) / 86400.0, coalesce(amount, 0) FROM silver.orders_as_of(?::TIMESTAMPTZ) "
      "WHERE customer_id IS NOT NULL AND ordered_at IS NOT NULL "
      "AND coalesce(amount, 0) >= 0 "  // refunds derived from sales lines (ingest order_lines) are negative
      "AND (? OR is_purchase(status)) AND " + scope.Filter("customer_id"),
      {until, include_cancelled}));
  ClvTransactions t;
  const size_t n = r.row_count();
  t.customer_id.reserve(n);
  t.timestamp.reserve(n);
  t.value.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    t.customer_id.push_back(r.GetString(0, i));
    t.timestamp.push_back(r.GetDouble(1, i));
    t.value.push_back(std::max(0.0, r.GetDouble(2, i)));
  }
  return t;
}

Result<ClvSummary> LoadClvSummary(store::Connection& conn, const std::string& as_of, bool include_cancelled,
                                  const features::Scope& scope) {
  CI_ASSIGN_OR_RETURN(ClvTransactions t, LoadClvTransactions(conn, as_of, include_cancelled, scope));
  ClvSummaryOptions o;
  CI_ASSIGN_OR_RETURN(o.observation_end, EpochDays(conn, as_of));
  o.timestamp_unit = ClvTimestampUnit::kDays;
  o.period = ClvPeriod::kWeeks;
  CI_ASSIGN_OR_RETURN(ClvSummary summary, SummarizeTransactions(t, o));
  CI_ASSIGN_OR_RETURN(bool amounts, OrdersHaveAmounts(conn, as_of));
  if (!amounts) summary.monetary_value.clear();  // dates only: spend is not modelled, not 0
  return summary;
}

ClvSummary FittableRows(const ClvSummary& s) {
  ClvSummary out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!(s.T[i] > 0)) continue;
    if (!s.customer_id.empty()) out.customer_id.push_back(s.customer_id[i]);
    out.frequency.push_back(s.frequency[i]);
    out.recency.push_back(s.recency[i]);
    out.T.push_back(s.T[i]);
    if (s.has_monetary_value()) out.monetary_value.push_back(s.monetary_value[i]);
    if (s.has_litt()) out.litt.push_back(s.litt[i]);
  }
  return out;
}

std::optional<ClvTimeSplit> MakeClvTimeSplit(const ClvTransactions& t, double as_of_days, const ClvScoreOptions& o,
                                             std::string* why) {
  double first = as_of_days;
  for (double ts : t.timestamp) first = std::min(first, ts);
  const double span = std::floor(as_of_days) - std::floor(first);
  const double holdout =
      std::floor(std::clamp(span * o.choice_holdout_fraction, o.choice_min_holdout_days, o.choice_max_holdout_days));
  if (span < 2 * holdout || holdout < 1) {
    *why = fmt::format("{:.0f} days of purchases are too few for a time split (need {:.0f})", span,
                       2 * o.choice_min_holdout_days);
    return std::nullopt;
  }
  ClvTimeSplit split;
  split.holdout_days = holdout;
  split.cutoff_days = as_of_days - holdout;
  ClvSummaryOptions so{split.cutoff_days, ClvTimestampUnit::kDays, ClvPeriod::kWeeks};
  Result<ClvSummary> cal = SummarizeTransactions(t, so);
  so.observation_end = as_of_days;
  Result<ClvSummary> full = SummarizeTransactions(t, so);
  if (!cal.ok() || !full.ok()) {
    *why = "the time split's summaries failed: " + (cal.ok() ? full.status() : cal.status()).message();
    return std::nullopt;
  }
  const ClvSummary calibration = FittableRows(*cal);
  const size_t n = calibration.size();
  const size_t step = std::max<size_t>(1, (n + o.choice_max_customers - 1) / std::max<size_t>(1, o.choice_max_customers));
  size_t repeat = 0;
  // Both summaries are sorted by customer id; the full one holds every calibration customer.
  for (size_t i = 0, j = 0; i < n; i += step) {
    while (j < full->size() && full->customer_id[j] < calibration.customer_id[i]) ++j;
    if (j == full->size() || full->customer_id[j] != calibration.customer_id[i]) continue;
    for (ClvSummary* out : {&split.calibration, &split.full}) {
      const ClvSummary& from = out == &split.calibration ? calibration : *full;
      const size_t k = out == &split.calibration ? i : j;
      out->customer_id.push_back(from.customer_id[k]);
      out->frequency.push_back(from.frequency[k]);
      out->recency.push_back(from.recency[k]);
      out->T.push_back(from.T[k]);
      out->litt.push_back(from.has_litt() ? from.litt[k] : 0.0);
    }
    repeat += calibration.frequency[i] > 0;
  }
  if (repeat < o.min_repeat_buyers) {
    *why = fmt::format("{} repeat buyers before the time split's cutoff are too few (need {})", repeat,
                       o.min_repeat_buyers);
    return std::nullopt;
  }
  return split;
}

namespace {

// BG/NBD on every row; Gamma-Gamma on the repeat buyers whose average repeat spend is positive.
// Real purchase logs have zero-value repeat purchases (a free item, a fully discounted order:
// CDNOW has them): they say nothing about spend and have no logarithm, so, as lifetimes advises,
// they are left out of the spend fit instead of failing it; those customers keep their BG/NBD
// predictions and get Gamma-Gamma's expected spend for x purchases of average value 0.
Result<ClvModelFit> FitClvRows(const ClvSummary& rows, const ClvFitOptions& options) {
  ClvSummary purchases = rows, spenders;
  purchases.monetary_value.clear();
  ClvModelFit fit;
  CI_ASSIGN_OR_RETURN(fit, FitClvModels(purchases, options));
  if (!rows.has_monetary_value()) return fit;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!(rows.frequency[i] > 0 && rows.monetary_value[i] > 0)) continue;
    spenders.frequency.push_back(rows.frequency[i]);
    spenders.recency.push_back(rows.recency[i]);
    spenders.T.push_back(rows.T[i]);
    spenders.monetary_value.push_back(rows.monetary_value[i]);
  }
  if (spenders.size() == 0) return fit;
  CI_ASSIGN_OR_RETURN(fit.gamma_gamma, FitGammaGamma(spenders, options.gamma_gamma));
  return fit;
}

}  // namespace

namespace {

// "" when every parameter lies inside [1/bound, bound], else the first that does not.
std::string AtBound(std::initializer_list<std::pair<const char*, double>> params, double bound) {
  for (const auto& [name, v] : params) {
    if (!(v >= 1.0 / bound && v <= bound)) return fmt::format("{} = {:.4g}", name, v);
  }
  return "";
}

// Why a Gamma-Gamma fit is not used ("" when it is).
std::string GammaGammaUnusable(const GammaGammaFit& g, const ClvSummary& rows, double bound) {
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!(rows.frequency[i] > 0 && rows.monetary_value[i] > 0)) continue;
    lo = std::min(lo, rows.monetary_value[i]);
    hi = std::max(hi, rows.monetary_value[i]);
  }
  if (!(hi > lo)) return "every repeat buyer's average spend is the same, so spend has nothing to fit";
  if (!g.converged) return fmt::format("the fit did not converge in {} evaluations ({})", g.iterations, g.stop_reason);
  const std::string at = AtBound({{"p", g.params.p}, {"q", g.params.q}, {"v", g.params.v}}, bound);
  if (!at.empty()) return "the fit sits at a parameter bound (" + at + ")";
  if (g.params.q <= 1) return fmt::format("q = {:.4g} <= 1 gives no finite expected spend", g.params.q);
  return "";
}

}  // namespace

// The customer-base model for the predictions, fitted on `rows`; BG/NBD's fit in *fit when none
// other is chosen or usable. Returns the words for the report.
std::string ChooseAndFitModel(const ClvSummary& rows, const ClvScoreOptions& options, const ClvTimeSplit* split,
                              ClvModelFit* fit) {
  clv::FitOptions fo;
  fo.threads = options.fit.bgnbd.threads;
  clv::ModelKind kind = clv::ModelKind::kBgNbd;
  std::string how;
  if (options.fit.model) {
    kind = *options.fit.model;
    how = "forced";
  } else if (split != nullptr) {
    clv::ModelChoiceOptions co;
    co.fit = fo;
    Result<clv::ModelChoice> choice = clv::ChooseModel(split->calibration, split->full, co);
    if (!choice.ok()) return "model choice failed (" + choice.status().message() + "); BG/NBD used";
    kind = choice->chosen;
    how = "chosen by held-out fit: " + choice->why;
    fit->choice = std::move(*choice);
  } else {
    return "";
  }
  if (kind == clv::ModelKind::kBgNbd) return "model BG/NBD (" + how + ")";
  Result<clv::ModelFit> model = clv::FitModel(kind, clv::FromSummary(rows), fo);
  if (!model.ok()) return "model " + clv::ModelTitle(kind) + " not fitted (" + model.status().message() + "); BG/NBD used";
  // Predictions must be finite (the closed forms need a ≠ 1 and the like).
  const double probe = clv::ExpectedPurchases(*model, 13, rows.frequency[0], rows.recency[0], rows.T[0],
                                              rows.has_litt() ? rows.litt[0] : 0.0);
  if (!std::isfinite(probe) || ((kind == clv::ModelKind::kMbgNbd || kind == clv::ModelKind::kBgCnbdK ||
                                 kind == clv::ModelKind::kMbgCnbdK) && std::abs(model->params[2] - 1.0) < 1e-9)) {
    return "model " + clv::ModelTitle(kind) + " has no finite predictions at " + clv::ParamsText(*model) +
           "; BG/NBD used";
  }
  fit->model = std::move(*model);
  return fmt::format("model {} {} ({})", clv::ModelTitle(kind), clv::ParamsText(fit->model), how);
}

ClvScoreReport FitClvForScoring(const ClvSummary& summary, const ClvScoreOptions& options, const ClvTimeSplit* split) {
  ClvScoreReport r;
  r.customers = summary.size();
  r.repeat_buyers = RepeatBuyers(summary);
  r.needs_amounts = !summary.has_monetary_value();
  if (r.repeat_buyers < options.min_repeat_buyers) {
    r.message = fmt::format("CLV not fitted: {} repeat buyers among {} customers (need at least {}); "
                            "CLV columns are NULL", r.repeat_buyers, r.customers, options.min_repeat_buyers);
    return r;
  }
  const ClvSummary rows = FittableRows(summary);
  Result<ClvModelFit> fit = FitClvRows(rows, options.fit);
  if (!fit.ok()) {
    r.message = "CLV not fitted: " + fit.status().message() + "; CLV columns are NULL";
    return r;
  }
  r.tried = *fit;
  const BgNbdFit& bg = fit->bgnbd;
  const BgNbdParams& b = bg.params;
  std::string unusable;
  if (!bg.converged) {
    unusable = fmt::format("did not converge in {} evaluations ({})", bg.iterations, bg.stop_reason);
  } else if (std::string at = AtBound({{"r", b.r}, {"alpha", b.alpha}, {"a", b.a}, {"b", b.b}},
                                      options.parameter_bound); !at.empty()) {
    unusable = "sits at a parameter bound (" + at + ")";
  } else if (std::abs(b.a - 1.0) < 1e-9) {
    unusable = "a = 1 has no closed-form predictions";
  }
  if (!unusable.empty()) {
    r.fallback = true;
    r.message = fmt::format("BG/NBD not used: the fit (r={:.4g} alpha={:.4g} a={:.4g} b={:.4g}) {}; expected "
                            "purchases are each customer's past rate and average order value their own mean "
                            "instead, P(alive) and CLV are NULL", b.r, b.alpha, b.a, b.b, unusable);
    return r;
  }
  r.fit = std::move(*fit);
  r.fitted = true;
  r.message = fmt::format("BG/NBD r={:.4g} alpha={:.4g} a={:.4g} b={:.4g} on {} customers ({} repeat; converged in "
                          "{} evaluations, log-likelihood {:.6g})",
                          b.r, b.alpha, b.a, b.b, r.customers, r.repeat_buyers, bg.iterations, bg.log_likelihood);
  if (r.needs_amounts) {
    r.message += "; Gamma-Gamma and CLV in money skipped: needs amounts (the orders carry none)";
    return r;
  }
  const std::string gg_unusable = !r.fit->gamma_gamma ? "no repeat buyer spent anything"
                                  : GammaGammaUnusable(*r.fit->gamma_gamma, rows, options.parameter_bound);
  if (!gg_unusable.empty()) {
    r.fit->gamma_gamma.reset();
    r.message += "; Gamma-Gamma not used: " + gg_unusable + "; value columns are NULL";
  } else {
    const GammaGammaFit& gg = *r.fit->gamma_gamma;
    r.message += fmt::format("; Gamma-Gamma p={:.4g} q={:.4g} v={:.4g} (converged in {} evaluations, "
                             "log-likelihood {:.6g})", gg.params.p, gg.params.q, gg.params.v, gg.iterations,
                             gg.log_likelihood);
  }
  const std::string model = ChooseAndFitModel(FittableRows(summary), options, split, &*r.fit);
  if (!model.empty()) r.message += "; " + model;
  return r;
}

Result<bool> WriteProbabilityAlive(store::Connection& conn, const std::string& at, const ClvScoreOptions& options,
                                   const std::string& table, const features::Scope& only) {
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format("CREATE OR REPLACE TEMP TABLE {} (customer_id VARCHAR, p_alive DOUBLE)",
                                              table)));
  Result<ClvSummary> s = LoadClvSummary(conn, at, options.include_cancelled);
  if (!s.ok()) return false;
  ClvScoreOptions o = options;
  if (!o.fit.model) {  // the model the last full run chose, so that P(alive) means the same at every cutoff
    CI_ASSIGN_OR_RETURN(StoredClvModel stored, ReadStoredClvModel(conn));
    if (stored.fit) o.fit.model = stored.fit->model.kind;
  }
  ClvScoreReport fitted = FitClvForScoring(*s, o);
  if (!fitted.fitted) return false;
  std::unordered_set<std::string> wanted;
  if (!only.all()) {
    CI_ASSIGN_OR_RETURN(store::QueryResult ids, conn.Query("SELECT customer_id FROM " + only.table()));
    wanted.reserve(ids.row_count());
    for (size_t i = 0; i < ids.row_count(); ++i) wanted.insert(ids.GetString(0, i));
  }
  CI_ASSIGN_OR_RETURN(store::Appender app, store::Appender::Create(conn, "main", table));
  // P(alive) as Predict computes it — the very values gold.customer_clv gets — without the
  // expected purchases and the lifetime value Predict adds (twelve monthly expectations, each a
  // hypergeometric series: most of this function's time, for numbers nobody read here).
  const clv::ModelFit& model = fitted.fit->model;
  for (size_t i = 0; i < s->size(); ++i) {
    if (!only.all() && !wanted.count(s->customer_id[i])) continue;
    CI_RETURN_IF_ERROR(app.Append(s->customer_id[i]));
    CI_RETURN_IF_ERROR(app.Append(Num(clv::ProbabilityAlive(model, s->frequency[i], s->recency[i], s->T[i],
                                                            s->has_litt() ? s->litt[i] : 0.0))));
    CI_RETURN_IF_ERROR(app.EndRow());
  }
  CI_RETURN_IF_ERROR(app.Close());
  return true;
}

Result<ClvScoreReport> ScoreClv(store::Connection& conn, const std::string& as_of, const ClvScoreOptions& options,
                                const features::Scope& scope) {
  if (!scope.all()) return ScoreClvScoped(conn, as_of, options, scope);
  ClvScoreReport report;
  Result<ClvSummary> summary = ClvSummary{};
  std::optional<ClvTimeSplit> split;
  std::string no_split;
  {
    Result<ClvTransactions> t = LoadClvTransactions(conn, as_of, options.include_cancelled);
    Result<double> as_of_days = EpochDays(conn, as_of);
    if (!t.ok()) {
      summary = t.status();
    } else if (!as_of_days.ok()) {
      summary = as_of_days.status();
    } else {
      ClvSummaryOptions so{*as_of_days, ClvTimestampUnit::kDays, ClvPeriod::kWeeks};
      summary = SummarizeTransactions(*t, so);
      if (summary.ok() && !options.fit.model) split = MakeClvTimeSplit(*t, *as_of_days, options, &no_split);
    }
  }
  CI_ASSIGN_OR_RETURN(bool amounts, OrdersHaveAmounts(conn, as_of));
  if (summary.ok() && !amounts) summary->monetary_value.clear();  // dates only: spend is not modelled
  ClvSummary empty;
  if (summary.ok()) {
    report = FitClvForScoring(*summary, options, split ? &*split : nullptr);
    if (report.fitted && !split && !options.fit.model) report.message += "; model BG/NBD (no model choice: " + no_split + ")";
  } else {
    report.message = "CLV not fitted: " + summary.status().message() + "; CLV columns are NULL";
  }
  if (report.fitted) report.model_as_of = as_of;
  const ClvSummary& s = summary.ok() ? *summary : empty;
  CI_RETURN_IF_ERROR(WriteCustomerClv(conn, s, report.fitted ? &*report.fit : nullptr, options, as_of, scope,
                                      report.fallback));
  CI_RETURN_IF_ERROR(WriteClvModel(conn, report, as_of));
  CI_RETURN_IF_ERROR(UpdateCustomerScores(conn, scope));
  return report;
}

}  // namespace custintel::models
