// CLV fit at scale: simulates 1,000,000 customers (clv_simulate.h), fits BG/NBD and
// Gamma-Gamma, scores every customer (P(alive), expected purchases, 12-month CLV), and prints
// wall time per step and peak RSS. Usage: clv_bench [customers]
//
// Two BG/NBD fits: on day-resolution times (what a summary built from dated transactions has,
// so identical (x, t_x, T) customers group) and on continuous times (no grouping at all).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "bench_util.h"
#include "models/clv/clv_bgnbd.h"
#include "models/clv/clv_gamma_gamma.h"
#include "models/clv/clv_simulate.h"

namespace {

using custintel::models::BgNbdFit;
using custintel::models::ClvSimulationOptions;
using custintel::models::ClvSummary;

using custintel::bench::PeakRssMiB;
using custintel::bench::Seconds;

bool FitAndReport(const char* label, const ClvSummary& summary) {
  BgNbdFit fit;
  bool ok = true;
  const double s = Seconds([&] {
    auto result = custintel::models::FitBgNbd(summary);
    if (!result.ok()) {
      std::printf("%s: BG/NBD failed: %s\n", label, result.status().message().c_str());
      ok = false;
      return;
    }
    fit = *result;
  });
  if (ok) {
    std::printf("bgnbd fit (%s): %.3f s  groups %zu  evals %d  converged %d  r %.4f alpha %.4f a %.4f b %.4f\n",
                label, s, fit.groups, fit.iterations, fit.converged ? 1 : 0, fit.params.r,
                fit.params.alpha, fit.params.a, fit.params.b);
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  ClvSimulationOptions options;
  options.customers = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  options.min_T = 1;
  options.max_T = 78;
  options.time_resolution = 1.0 / 7;  // whole days, in weeks
  ClvSummary daily, continuous;
  std::printf("clv_bench: %zu customers, truth r %.3f alpha %.3f a %.3f b %.3f | p %.2f q %.2f v %.2f\n",
              options.customers, options.bgnbd.r, options.bgnbd.alpha, options.bgnbd.a, options.bgnbd.b,
              options.gamma_gamma.p, options.gamma_gamma.q, options.gamma_gamma.v);
  std::printf("simulate (days): %.3f s\n", Seconds([&] { daily = custintel::models::SimulateClvSummary(options); }));
  options.time_resolution = 0;
  std::printf("simulate (continuous): %.3f s\n",
              Seconds([&] { continuous = custintel::models::SimulateClvSummary(options); }));

  if (!FitAndReport("days", daily) || !FitAndReport("continuous", continuous)) return 1;
  auto bg = custintel::models::FitBgNbd(daily);
  custintel::models::GammaGammaFit gg;
  const double gg_seconds = Seconds([&] {
    auto result = custintel::models::FitGammaGamma(daily);
    if (result.ok()) gg = *result;
  });
  std::printf("gamma-gamma fit: %.3f s  buyers %zu  evals %d  converged %d  p %.4f q %.4f v %.4f\n",
              gg_seconds, gg.customers, gg.iterations, gg.converged ? 1 : 0, gg.params.p, gg.params.q,
              gg.params.v);

  double total_clv = 0.0, total_alive = 0.0;
  const custintel::models::ClvHorizon horizon{12, 0.01, custintel::models::PeriodsPerMonth(
                                                            custintel::models::ClvPeriod::kWeeks)};
  const double score_seconds = Seconds([&] {
    for (size_t i = 0; i < daily.size(); ++i) {
      const double x = daily.frequency[i], t_x = daily.recency[i], T = daily.T[i];
      total_alive += custintel::models::BgNbdProbabilityAlive(bg->params, x, t_x, T);
      total_clv += custintel::models::CustomerLifetimeValue(bg->params, gg.params, x, t_x, T,
                                                            daily.monetary_value[i], horizon);
    }
  });
  const double n = static_cast<double>(daily.size());
  std::printf("score (P(alive) + 12-month CLV, every customer): %.3f s  mean P(alive) %.3f  mean CLV %.2f\n",
              score_seconds, total_alive / n, total_clv / n);
  std::printf("peak RSS: %.1f MiB\n", PeakRssMiB());
  return 0;
}
