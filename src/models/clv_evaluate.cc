#include "models/clv_evaluate.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

#include "models/clv_score.h"

namespace custintel::models {
namespace {

constexpr int kTopFrequency = 7;

// Distinct purchase days per customer in (cutoff, end].
std::unordered_map<std::string, double> HoldoutPurchases(const ClvTransactions& t, double cutoff_days) {
  std::set<std::pair<std::string, int64_t>> days;
  for (size_t i = 0; i < t.timestamp.size(); ++i) {
    if (t.timestamp[i] > cutoff_days) days.insert({t.customer_id[i], static_cast<int64_t>(std::floor(t.timestamp[i]))});
  }
  std::unordered_map<std::string, double> out;
  for (const auto& [id, d] : days) out[id] += 1;
  return out;
}

double Correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = a.size();
  double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) ma += a[i] / n, mb += b[i] / n;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) * (a[i] - ma), sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

}  // namespace

Result<ClvEvaluation> EvaluateClv(store::Connection& conn, const std::string& end, const ClvEvaluationOptions& options) {
  if (!(options.holdout_days > 0)) return Status::InvalidArgument("the holdout must be a positive number of days");
  ClvEvaluation e;
  e.end = end;
  CI_ASSIGN_OR_RETURN(store::QueryResult c, conn.Query(
      "SELECT (?::TIMESTAMPTZ - to_days(CAST(? AS INTEGER)))::VARCHAR", {end, static_cast<int64_t>(options.holdout_days)}));
  e.cutoff = c.GetString(0, 0);
  e.holdout_weeks = options.holdout_days / 7.0;
  CI_ASSIGN_OR_RETURN(ClvTransactions all, LoadClvTransactions(conn, end, options.include_cancelled));
  CI_ASSIGN_OR_RETURN(double cutoff_days, EpochDays(conn, e.cutoff));
  ClvSummaryOptions so{cutoff_days, ClvTimestampUnit::kDays, ClvPeriod::kWeeks};
  CI_ASSIGN_OR_RETURN(ClvSummary s, SummarizeTransactions(all, so));
  if (s.size() == 0) return Status::NotFound("no purchases before the cutoff " + e.cutoff + "; use a shorter --holdout-days");
  Result<BgNbdFit> fit = FitBgNbd(FittableRows(s));
  if (!fit.ok()) return fit.status().WithContext("fitting BG/NBD on the calibration period");
  e.fit = *fit;
  const auto actual = HoldoutPurchases(all, cutoff_days);
  std::vector<double> pred(s.size()), act(s.size());
  e.by_frequency.resize(kTopFrequency + 1);
  for (size_t i = 0; i < s.size(); ++i) {
    pred[i] = BgNbdExpectedPurchases(e.fit.params, e.holdout_weeks, s.frequency[i], s.recency[i], s.T[i]);
    auto it = actual.find(s.customer_id[i]);
    act[i] = it == actual.end() ? 0.0 : it->second;
    e.predicted_total += pred[i], e.actual_total += act[i];
    e.mae += std::abs(pred[i] - act[i]), e.rmse += (pred[i] - act[i]) * (pred[i] - act[i]);
    ClvCalibrationRow& row = e.by_frequency[std::min<int>(kTopFrequency, static_cast<int>(s.frequency[i]))];
    ++row.customers, row.predicted_mean += pred[i], row.actual_mean += act[i];
  }
  e.customers = s.size();
  e.mae /= e.customers;
  e.rmse = std::sqrt(e.rmse / e.customers);
  e.correlation = Correlation(pred, act);
  for (int k = 0; k <= kTopFrequency; ++k) {
    ClvCalibrationRow& row = e.by_frequency[k];
    row.frequency = k;
    if (row.customers) row.predicted_mean /= row.customers, row.actual_mean /= row.customers;
  }
  // Every model on the same split: the customers with T > 0 at the cutoff, seen to the end.
  CI_ASSIGN_OR_RETURN(double end_days, EpochDays(conn, end));
  ClvSummaryOptions full_options{end_days, ClvTimestampUnit::kDays, ClvPeriod::kWeeks};
  CI_ASSIGN_OR_RETURN(ClvSummary full_all, SummarizeTransactions(all, full_options));
  const ClvSummary cal = FittableRows(s);
  ClvSummary full;
  for (size_t i = 0, j = 0; i < cal.size(); ++i) {  // both sorted by customer id
    while (j < full_all.size() && full_all.customer_id[j] < cal.customer_id[i]) ++j;
    if (j == full_all.size()) break;
    full.customer_id.push_back(full_all.customer_id[j]);
    full.frequency.push_back(full_all.frequency[j]);
    full.recency.push_back(full_all.recency[j]);
    full.T.push_back(full_all.T[j]);
    full.litt.push_back(full_all.litt[j]);
  }
  Result<clv::ModelChoice> models = clv::ChooseModel(cal, full);
  if (models.ok()) {
    e.models = std::move(*models);
  } else {
    e.models_error = models.status().message();
  }
  return e;
}

std::string ClvEvaluationToJson(const ClvEvaluation& e) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : e.by_frequency) {
    rows.push_back({{"frequency", r.frequency}, {"customers", r.customers},
                    {"predicted_mean", r.predicted_mean}, {"actual_mean", r.actual_mean}});
  }
  const BgNbdParams& p = e.fit.params;
  nlohmann::json j = {
      {"cutoff", e.cutoff}, {"end", e.end}, {"holdout_weeks", e.holdout_weeks}, {"customers", e.customers},
      {"bgnbd", {{"r", p.r}, {"alpha", p.alpha}, {"a", p.a}, {"b", p.b}, {"log_likelihood", e.fit.log_likelihood}}},
      {"predicted_purchases", e.predicted_total}, {"actual_purchases", e.actual_total},
      {"mae", e.mae}, {"rmse", e.rmse}, {"correlation", e.correlation}, {"by_frequency", rows}};
  if (e.models) {
    j["models"] = nlohmann::json::parse(clv::ModelChoiceToJson(*e.models));
  } else {
    j["models"] = {{"error", e.models_error}};
  }
  return j.dump();
}

}  // namespace custintel::models
