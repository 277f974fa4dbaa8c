// GenerateShop: validates options, builds the catalog and phrase banks, then runs blocks of
// customers through simulate (parallel) → number (sequential prefix sums) → format (parallel)
// → write (in block order, on a writer thread overlapping the next wave), a wave of blocks at
// a time so memory stays bounded.
#include "gen/gen_data.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <thread>

#include "core/parallel.h"
#include "gen/csv_buffer.h"
#include "gen/phrase_bank.h"
#include "gen/shop_block.h"
#include "gen/shop_files.h"

namespace custintel::gen {
namespace {

constexpr int64_t kMinCustomers = 1000;
constexpr int64_t kMaxCustomers = 1000000;
constexpr int64_t kWaveBlocks = 16;  // blocks held in memory at once (does not shape the output)

int Digits(int64_t v) {
  int d = 1;
  while (v >= 10) v /= 10, ++d;
  return d;
}

Status CheckPositive(double v, const char* name) {
  if (std::isfinite(v) && v > 0) return Status::Ok();
  return Status::InvalidArgument(std::string(name) + " must be a positive number");
}

Status CheckShare(double v, const char* name) {
  if (v >= 0 && v <= 1) return Status::Ok();
  return Status::InvalidArgument(std::string(name) + " must be between 0 and 1");
}

struct Run {
  SimContext ctx;
  int threads = 1;
  GenReport report;
};

Status WriteBlocks(Run& run, ShopFiles& files) {
  const GenOptions& o = *run.ctx.options;
  const int64_t blocks = (o.customers + kBlockSize - 1) / kBlockSize;
  IdBase next;
  std::future<Status> writing;  // the previous wave's write, at most one in flight
  for (int64_t wave = 0; wave < blocks; wave += kWaveBlocks) {
    const int64_t n = std::min(kWaveBlocks, blocks - wave);
    std::vector<ShopBlock> sims(n);
    ParallelFor(static_cast<size_t>(n), static_cast<size_t>(std::max(1, run.threads)), 1, [&](size_t i) {
      const int64_t first = (wave + i) * kBlockSize;
      SimulateBlock(run.ctx, wave + i, first, std::min(kBlockSize, o.customers - first), &sims[i]);
    });
    std::vector<IdBase> bases(n);
    for (int64_t i = 0; i < n; ++i) {
      bases[i] = next;
      const ShopBlock& b = sims[i];
      next.order += static_cast<int64_t>(b.orders.size());
      next.event += static_cast<int64_t>(b.events.size());
      next.review += static_cast<int64_t>(b.reviews.size());
      next.ticket += static_cast<int64_t>(b.tickets.size());
      run.report.customers += static_cast<int64_t>(b.customers.size());
      run.report.order_items += static_cast<int64_t>(b.items.size());
    }
    std::vector<BlockText> texts(n);
    ParallelFor(static_cast<size_t>(n), static_cast<size_t>(std::max(1, run.threads)), 1, [&](size_t i) {
      FormatBlock(run.ctx, sims[i], bases[i], &texts[i]);
      sims[i] = ShopBlock{};  // free early: the wave's peak memory is structs or text, not both
    });
    // Write this wave while the next one is simulated; waves still reach the files in order.
    if (writing.valid()) CI_RETURN_IF_ERROR(writing.get());
    writing = std::async(std::launch::async, [&files, texts = std::move(texts)] {
      for (const BlockText& t : texts) CI_RETURN_IF_ERROR(files.WriteBlock(t));
      return Status::Ok();
    });
  }
  if (writing.valid()) CI_RETURN_IF_ERROR(writing.get());
  run.report.orders = next.order;
  run.report.events = next.event;
  run.report.reviews = next.review;
  run.report.tickets = next.ticket;
  return Status::Ok();
}

}  // namespace

Status ValidateOptions(const GenOptions& o) {
  if (o.customers < kMinCustomers || o.customers > kMaxCustomers) {
    return Status::InvalidArgument("customers must be between 1,000 and 1,000,000 (got " +
                                   std::to_string(o.customers) + ")");
  }
  if (o.out_dir.empty()) return Status::InvalidArgument("an output folder (out_dir) is required");
  if (o.threads < 0) return Status::InvalidArgument("threads must be 0 (all cores) or more");
  int64_t end = 0;
  if (!ParseTimestamp(o.window_end, &end)) {
    return Status::InvalidArgument("window_end '" + o.window_end + "' is not YYYY-MM-DDTHH:MM:SSZ");
  }
  if (o.products < 100 || o.products > 5000) {
    return Status::InvalidArgument("products must be between 100 and 5,000");
  }
  if (!(o.acquisition_weeks >= 4 && o.acquisition_weeks <= 520)) {
    return Status::InvalidArgument("acquisition_weeks must be between 4 and 520");
  }
  CI_RETURN_IF_ERROR(CheckPositive(o.bgnbd_r, "bgnbd_r"));
  CI_RETURN_IF_ERROR(CheckPositive(o.bgnbd_alpha, "bgnbd_alpha"));
  CI_RETURN_IF_ERROR(CheckPositive(o.bgnbd_a, "bgnbd_a"));
  CI_RETURN_IF_ERROR(CheckPositive(o.bgnbd_b, "bgnbd_b"));
  CI_RETURN_IF_ERROR(CheckPositive(o.spend_p, "spend_p"));
  CI_RETURN_IF_ERROR(CheckPositive(o.spend_v, "spend_v"));
  if (!(o.spend_q > 1)) return Status::InvalidArgument("spend_q must be above 1 (finite mean spend)");
  CI_RETURN_IF_ERROR(CheckShare(o.staple_customer_share, "staple_customer_share"));
  CI_RETURN_IF_ERROR(CheckShare(o.late_delivery_rate, "late_delivery_rate"));
  CI_RETURN_IF_ERROR(CheckShare(o.damage_rate, "damage_rate"));
  CI_RETURN_IF_ERROR(CheckShare(o.review_rate, "review_rate"));
  CI_RETURN_IF_ERROR(CheckShare(o.missing_last_active_share, "missing_last_active_share"));
  if (!(o.background_ticket_rate >= 0 && o.background_ticket_rate < 10)) {
    return Status::InvalidArgument("background_ticket_rate must be between 0 and 10 per week");
  }
  if (!(o.pre_dropout_problem_multiplier >= 1 && o.pre_dropout_problem_multiplier <= 10)) {
    return Status::InvalidArgument("pre_dropout_problem_multiplier must be between 1 and 10");
  }
  if (!(o.pre_dropout_weeks >= 0 && o.pre_dropout_weeks <= 104)) {
    return Status::InvalidArgument("pre_dropout_weeks must be between 0 and 104");
  }
  return Status::Ok();
}

Result<GenReport> GenerateShop(const GenOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  CI_RETURN_IF_ERROR(ValidateOptions(options));
  CI_ASSIGN_OR_RETURN(PhraseBank bank, PhraseBank::LoadEmbedded());
  const TextComposer composer(bank);
  const Catalog catalog = Catalog::Build(options.seed, options.products);
  Run run;
  run.ctx.options = &options;
  run.ctx.catalog = &catalog;
  run.ctx.composer = &composer;
  (void)ParseTimestamp(options.window_end, &run.ctx.window_end);
  run.ctx.window_start = run.ctx.window_end - static_cast<int64_t>(options.acquisition_weeks * kWeekSeconds);
  run.ctx.customer_id_width = std::max(6, Digits(options.customers));
  run.threads = options.threads > 0 ? options.threads
                                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));

  ShopFiles files;
  CI_RETURN_IF_ERROR(files.Open(options.out_dir));
  CI_RETURN_IF_ERROR(WriteBlocks(run, files));
  CI_RETURN_IF_ERROR(files.Close());
  CI_RETURN_IF_ERROR(files.WriteWhole("products.csv", ProductsCsv(catalog)));
  CI_RETURN_IF_ERROR(files.WriteWhole("truth/products.csv", ProductsTruthCsv(catalog)));
  CI_ASSIGN_OR_RETURN(std::string notes, NotesCsv(&run.report.notes));
  CI_RETURN_IF_ERROR(files.WriteWhole("notes.csv", notes));
  run.report.products = static_cast<int64_t>(catalog.products().size());
  CI_RETURN_IF_ERROR(files.WriteWhole("truth/population.json", PopulationJson(options, run.ctx, run.report)));
  run.report.bytes_written = files.bytes_written();
  run.report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return run.report;
}

}  // namespace custintel::gen
