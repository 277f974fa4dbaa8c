// Short reviews per second for sentiment + themes + summary on one thread (target: 20,000/s).
// Prints the figure; run with `make bench` or directly.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "text/analyzer.h"
#include "text/clean.h"
#include "text/insight_batch.h"
#include "text/sentiment.h"
#include "text/summary.h"
#include "text/themes.h"

namespace {

const std::vector<std::string>& Reviews() {
  static const std::vector<std::string> reviews = {
      "Fast shipping but the case cracked within a week.",
      "Absolutely love this blender, it crushes ice like nothing!",
      "Customer service was rude and never answered my emails. Waste of money.",
      "Not bad at all for the price. The battery lasts all day.",
      "The app keeps crashing since the last update :( please fix",
      "Arrived on time, well packaged, works like a charm. Five stars.",
      "I was charged twice and the refund still hasn't arrived after 3 weeks.",
      "Good quality, a bit expensive, but I would buy again.",
  };
  return reviews;
}

// The pipeline path: clean + tokenise once, then sentiment, themes and summary on the tokens.
void BM_SentimentThemesSummary(benchmark::State& state) {
  using namespace custintel::text;
  SentimentAnalyzer sentiment;
  ThemeExtractor themes;
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string& text = Reviews()[i++ % Reviews().size()];
    CleanedText clean = CleanText(text);
    TokenizedText t = Tokenize(clean.text);
    SentimentDetail d = sentiment.Score(t);
    ThemeResult r = themes.Extract(t, d);
    std::string s = Summarize(t, d);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(s);
  }
  state.counters["reviews_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SentimentThemesSummary);

// The full Analyze() entry point including JSON, as the CLI calls it.
void BM_AnalyzeToJson(benchmark::State& state) {
  std::size_t i = 0;
  for (auto _ : state) {
    custintel::text::Analysis a = custintel::text::Analyze(Reviews()[i++ % Reviews().size()]);
    std::string json = a.ToJson().dump();
    benchmark::DoNotOptimize(json);
  }
  state.counters["reviews_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AnalyzeToJson);

// The pipeline's ticket path on one thread: AnalyzeBatch (sentiment, themes, summary, triage)
// against 30 playbook notes, as gold.ticket_insights is filled.
void BM_TicketBatchWithPlaybooks(benchmark::State& state) {
  using namespace custintel::text;
  std::vector<PlaybookNote> notes;
  for (int i = 0; i < 30; ++i) {
    notes.push_back({"N" + std::to_string(i), "Playbook " + std::to_string(i) + ": late delivery and refunds",
                     "Apologise first, check the carrier tracking, refund the shipping fee and offer a voucher. "
                     "Escalate double charges to billing the same day.",
                     {"shipping", "billing", "refund"}});
  }
  std::vector<TextInput> batch;
  for (int i = 0; i < 1024; ++i) batch.push_back({"Order problem", Reviews()[i % Reviews().size()], std::nullopt});
  for (auto _ : state) {
    std::vector<TextInsight> out = AnalyzeBatch(TextSource::kTicket, batch, {1, notes});
    benchmark::DoNotOptimize(out);
  }
  state.counters["tickets_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * batch.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TicketBatchWithPlaybooks)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
