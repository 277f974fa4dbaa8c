// Every customer-base model (models/clv/) at scale: for each model, 1,000,000 customers are
// simulated from it (first purchases over 26 weeks, 78 weeks observed, whole days), the model is
// fitted by maximum likelihood, and every customer is scored (P(alive) and expected purchases in
// 13 weeks). Then model choice on a 52/26-week split of one simulation (the pipeline judges at
// most 100,000 customers; this judges them all). Prints wall seconds, evaluations and peak RSS.
// Usage: clv_models_bench [customers]
#include <cstdio>
#include <cstdlib>

#include "bench_util.h"
#include "models/clv/customer_base.h"
#include "models/clv/model_choice.h"
#include "models/clv/simulate.h"

namespace {

using namespace custintel::models::clv;
using custintel::bench::PeakRssMiB;
using custintel::bench::Seconds;

struct Truth {
  ModelKind kind;
  std::vector<double> params;
  int k;
};

}  // namespace

int main(int argc, char** argv) {
  const size_t customers = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const Truth truths[] = {{ModelKind::kBgNbd, {0.75, 7.5, 0.8, 2.4}, 1},
                          {ModelKind::kMbgNbd, {0.75, 7.5, 0.8, 2.4}, 1},
                          {ModelKind::kParetoNbd, {0.75, 7.5, 0.6, 12.0}, 1},
                          {ModelKind::kBgCnbdK, {1.5, 7.5, 0.8, 2.4}, 3},
                          {ModelKind::kMbgCnbdK, {1.5, 7.5, 0.8, 2.4}, 3},
                          {ModelKind::kBgBb, {1.2, 0.75, 0.66, 2.8}, 1}};
  std::printf("clv_models_bench: %zu customers per model\n", customers);
  for (const Truth& t : truths) {
    ModelFit truth;
    truth.kind = t.kind;
    truth.params = t.params;
    truth.k = t.k;
    SimulationOptions o;
    o.customers = customers;
    const bool discrete = t.kind == ModelKind::kBgBb;
    o.birth_max = discrete ? 0 : 26;
    o.end = discrete ? 6 : 78;
    o.time_resolution = discrete ? 0 : 1.0 / 7;
    custintel::models::ClvSummary s;
    const double sim_s = Seconds([&] { s = SummarizeAt(Simulate(truth, o), o.end); });
    custintel::Result<ModelFit> fit = ModelFit{};
    const double fit_s = Seconds([&] { fit = FitModel(t.kind, FromSummary(s)); });
    if (!fit.ok()) {
      std::printf("%-11s fit failed: %s\n", ModelTitle(t.kind).c_str(), fit.status().message().c_str());
      return 1;
    }
    double alive = 0, purchases = 0;
    const double score_s = Seconds([&] {
      for (size_t i = 0; i < s.size(); ++i) {
        alive += ProbabilityAlive(*fit, s.frequency[i], s.recency[i], s.T[i], s.litt[i]);
        purchases += ExpectedPurchases(*fit, discrete ? 1 : 13, s.frequency[i], s.recency[i], s.T[i], s.litt[i]);
      }
    });
    std::printf("%-11s simulate %.2f s | fit %.3f s, %d evals, converged %d: %s (truth k=%d) | score %.2f s, "
                "mean P(alive) %.3f | peak RSS %.0f MiB\n",
                ModelTitle(t.kind).c_str(), sim_s, fit_s, fit->iterations, fit->converged ? 1 : 0,
                ParamsText(*fit).c_str(), t.k, score_s, alive / s.size(), PeakRssMiB());
  }
  // Model choice on MBG/NBD data: 52 weeks calibration, 26 weeks holdout.
  ModelFit truth;
  truth.kind = ModelKind::kMbgNbd;
  truth.params = {0.75, 7.5, 0.8, 2.4};
  SimulationOptions o;
  o.customers = customers;
  o.birth_max = 26;
  o.end = 78;
  o.time_resolution = 1.0 / 7;
  const SimulatedCustomers sim = Simulate(truth, o);
  const custintel::models::ClvSummary cal = SummarizeAt(sim, 52), full_all = SummarizeAt(sim, 78);
  custintel::models::ClvSummary full;
  for (size_t i = 0, j = 0; i < full_all.size() && j < cal.size(); ++i) {
    if (full_all.customer_id[i] != cal.customer_id[j]) continue;
    full.customer_id.push_back(full_all.customer_id[i]);
    full.frequency.push_back(full_all.frequency[i]);
    full.recency.push_back(full_all.recency[i]);
    full.T.push_back(full_all.T[i]);
    full.litt.push_back(full_all.litt[i]);
    ++j;
  }
  custintel::Result<ModelChoice> choice = ModelChoice{};
  const double choice_s = Seconds([&] { choice = ChooseModel(cal, full); });
  if (!choice.ok()) {
    std::printf("model choice failed: %s\n", choice.status().message().c_str());
    return 1;
  }
  std::printf("model choice on %zu customers (5 candidates, CNBD-k trying k = 1, 2, ...): %.2f s | %s | peak RSS %.0f MiB\n",
              cal.size(), choice_s, choice->why.c_str(), PeakRssMiB());
  return 0;
}
