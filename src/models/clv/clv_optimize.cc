#include "models/clv/clv_optimize.h"

#include <nlopt.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <thread>

namespace custintel::models::clv_optimize {
namespace {

struct Context {
  const Objective* objective;
  std::vector<double> x;
  std::vector<double> gradient;
  int evaluations = 0;
};

double Trampoline(unsigned n, const double* x, double* grad, void* data) {
  auto* ctx = static_cast<Context*>(data);
  ctx->x.assign(x, x + n);
  ctx->gradient.assign(n, 0.0);
  ++ctx->evaluations;
  const double value = (*ctx->objective)(ctx->x, ctx->gradient);
  if (grad != nullptr) std::copy(ctx->gradient.begin(), ctx->gradient.end(), grad);
  // L-BFGS's line search backs off from non-finite values when they are +inf.
  return std::isfinite(value) ? value : HUGE_VAL;
}

std::string ReasonText(nlopt_result code) {
  switch (code) {
    case NLOPT_SUCCESS: return "success";
    case NLOPT_STOPVAL_REACHED: return "stop value reached";
    case NLOPT_FTOL_REACHED: return "function tolerance reached";
    case NLOPT_XTOL_REACHED: return "parameter tolerance reached";
    case NLOPT_MAXEVAL_REACHED: return "evaluation limit reached";
    case NLOPT_MAXTIME_REACHED: return "time limit reached";
    case NLOPT_ROUNDOFF_LIMITED: return "round-off limited";
    case NLOPT_OUT_OF_MEMORY: return "out of memory";
    case NLOPT_INVALID_ARGS: return "invalid arguments";
    case NLOPT_FORCED_STOP: return "forced stop";
    default: return "failure";
  }
}

double MaxAbs(const std::vector<double>& v) {
  double m = 0.0;
  for (double g : v) m = std::max(m, std::abs(g));
  return m;
}

}  // namespace

int ParallelChunks(size_t n, int threads, size_t min_per_thread,
                   const std::function<void(size_t, size_t, int)>& fn) {
  size_t wanted = threads > 0 ? static_cast<size_t>(threads)
                              : std::max<size_t>(1, std::thread::hardware_concurrency());
  wanted = std::min(wanted, std::max<size_t>(1, n / std::max<size_t>(1, min_per_thread)));
  const size_t chunks = std::max<size_t>(1, wanted);
  const size_t step = (n + chunks - 1) / chunks;
  std::vector<std::thread> workers;
  for (size_t c = 1; c < chunks; ++c) {
    const size_t begin = std::min(n, c * step), end = std::min(n, (c + 1) * step);
    workers.emplace_back(fn, begin, end, static_cast<int>(c));
  }
  fn(0, std::min(n, step), 0);
  for (std::thread& w : workers) w.join();
  return static_cast<int>(chunks);
}

Result<MinimizeResult> Minimize(const Objective& objective, std::vector<double> start,
                                const MinimizeOptions& options) {
  const unsigned n = static_cast<unsigned>(start.size());
  std::vector<double> gradient(n, 0.0);
  if (!std::isfinite(objective(start, gradient)) || !std::isfinite(MaxAbs(gradient))) {
    return Status::InvalidArgument("the likelihood is not finite at the starting point");
  }
  std::unique_ptr<nlopt_opt_s, decltype(&nlopt_destroy)> opt(nlopt_create(NLOPT_LD_LBFGS, n),
                                                            &nlopt_destroy);
  if (!opt) return Status::Internal("NLopt could not create an L-BFGS optimiser");
  Context ctx{&objective, {}, {}, 0};
  nlopt_set_min_objective(opt.get(), &Trampoline, &ctx);
  nlopt_set_xtol_rel(opt.get(), options.relative_x_tolerance);
  nlopt_set_ftol_rel(opt.get(), 1e-14);
  nlopt_set_maxeval(opt.get(), options.max_evaluations);
  nlopt_set_vector_storage(opt.get(), 20);

  MinimizeResult result;
  result.x = std::move(start);
  const nlopt_result code = nlopt_optimize(opt.get(), result.x.data(), &result.value);
  result.evaluations = ctx.evaluations;
  result.stop_reason = ReasonText(code);
  if (code == NLOPT_INVALID_ARGS || code == NLOPT_OUT_OF_MEMORY) {
    return Status::Internal("NLopt failed: " + result.stop_reason);
  }
  // Judge convergence by the gradient at the returned point, whatever NLopt's stop reason.
  result.value = objective(result.x, gradient);
  const bool stationary = MaxAbs(gradient) <= options.gradient_tolerance;
  result.converged = std::isfinite(result.value) && stationary;
  return result;
}

}  // namespace custintel::models::clv_optimize
