// llama_batch_bench: 256 classification prompts sharing a ~200-token instruction, on a
// random-weight llama of a realistic shape (default n_embd 512, n_layer 8, n_ff 1536: ~60M
// parameters with the 32k vocabulary), written with MakeGguf into a temporary folder.
// One-at-a-time (one call per row, no sharing) vs batched (one call, n_parallel sequences in
// flight, the instruction evaluated once): rows/s for both and the ratio (issue 6 target: >= 4x
// on 2 CPU cores). Two tasks: choose (score 3 labels) and generate (4 tokens).
//
//   llama_batch_bench [--rows 256] [--threads 2] [--n-parallel 32] [--n-embd 512] [--n-layer 8]
//                     [--n-ff 1536] [--gpu-layers 0]
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <span>
#include <thread>
#include <string>
#include <vector>

#include "ai/llama/llama_make_gguf.h"
#include "ai/llama/llama_model.h"

namespace {

using namespace custintel;
using namespace custintel::ai;

struct Args {
  int rows = 256, threads = 2, n_parallel = 32, n_embd = 512, n_layer = 8, n_ff = 1536, gpu_layers = 0;
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (k == "--rows") a.rows = v;
    else if (k == "--threads") a.threads = v;
    else if (k == "--n-parallel") a.n_parallel = v;
    else if (k == "--n-embd") a.n_embd = v;
    else if (k == "--n-layer") a.n_layer = v;
    else if (k == "--n-ff") a.n_ff = v;
    else if (k == "--gpu-layers") a.gpu_layers = v;
  }
  return a;
}

// ~200 tokens of instruction shared by every row, then the row's own review.
std::vector<std::string> Prompts(int n) {
  std::string instruction =
      "You are a customer-intelligence analyst for an online shop. You read one customer review "
      "at a time and classify the overall sentiment the customer expresses about their experience "
      "with the shop. Consider delivery speed, packaging, product quality, price, and the "
      "helpfulness of customer support. Sarcasm counts as negative. A review that mixes praise and "
      "complaints is neutral unless one side clearly dominates. Reviews that only describe the "
      "product without any judgement are neutral. Ignore spelling mistakes, emoji and shouting. "
      "Do not explain your reasoning, do not repeat the review, and do not add any other words. "
      "If the review is about a different shop, or is empty, answer neutral. Reviews can be in "
      "any language; classify them all the same way. Treat a refund that was refused, a missing "
      "item or a broken product as negative even when the tone is polite. "
      "Answer with exactly one of the labels positive, negative or neutral, in lower case.\n\n";
  const char* bodies[] = {"The parcel arrived two days late and the box was crushed.",
                          "Great quality, fast shipping, will definitely buy again!",
                          "It works. Nothing special for the price.",
                          "Support never answered my emails about the refund.",
                          "Love the colour, but the size runs small."};
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(instruction + "Review #" + std::to_string(i) + ": " + bodies[i % 5]);
  return out;
}

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <typename F>
double Time(F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return Seconds(t0);
}

void Die(const Status& s) {
  std::fprintf(stderr, "llama_batch_bench: %s\n", s.message().c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  const Args a = Parse(argc, argv);
  const std::string dir = std::filesystem::temp_directory_path() / ("llama_batch_bench." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  MakeGgufOptions mk;
  mk.out_path = dir + "/bench.gguf";
  mk.n_embd = a.n_embd;
  mk.n_layer = a.n_layer;
  mk.n_head = 8;
  mk.n_head_kv = 8;
  mk.n_ff = a.n_ff;
  mk.n_ctx = 8192;
  mk.tensor_type = "f16";
  if (Status s = MakeGguf(mk); !s.ok()) Die(s);
  const double params = 2.0 * 32000 * a.n_embd + a.n_layer * (4.0 * a.n_embd * a.n_embd + 3.0 * a.n_embd * a.n_ff);
  LlamaOptions lo;
  lo.n_ctx = 8192;
  lo.n_threads = a.threads;
  lo.n_parallel = a.n_parallel;
  lo.n_gpu_layers = a.gpu_layers;
  auto loaded = LlamaModel::Load(mk.out_path, lo);
  if (!loaded.ok()) Die(loaded.status());
  LlamaModel& model = **loaded;
  const auto prompts = Prompts(a.rows);
  const std::vector<std::string> labels = {"positive", "negative", "neutral"};
  auto prompt_tokens = model.Tokenize(prompts[0]);
  std::printf("model: llama n_embd %d n_layer %d n_ff %d, %.1fM parameters (f16); %d rows, prompt ~%zu tokens; "
              "threads %d, n_parallel %d, gpu layers %d\n",
              a.n_embd, a.n_layer, a.n_ff, params / 1e6, a.rows, prompt_tokens.ok() ? prompt_tokens->size() : 0,
              a.threads, a.n_parallel, a.gpu_layers);
  GenerateOptions gen;
  gen.max_tokens = 4;
  gen.ignore_eog = true;
  struct Task {
    const char* name;
    std::function<Status(std::span<const std::string>)> run;
  };
  const std::vector<Task> tasks = {
      {"choose (3 labels)", [&](std::span<const std::string> p) { return model.ChooseBatch(p, labels).status(); }},
      {"generate (4 tokens)", [&](std::span<const std::string> p) { return model.GenerateBatch(p, gen).status(); }},
  };
  for (const Task& t : tasks) {
    Status st;
    const double single = Time([&] {
      for (size_t i = 0; i < prompts.size() && st.ok(); ++i) st = t.run(std::span(&prompts[i], 1));
    });
    if (!st.ok()) Die(st);
    const int64_t single_tokens = model.last_batch_stats().tokens_evaluated * a.rows;
    const double batched = Time([&] { st = t.run(prompts); });
    if (!st.ok()) Die(st);
    const BatchStats bs = model.last_batch_stats();
    std::printf("%-20s one-at-a-time %7.2f rows/s (%6.1fs, ~%lld tokens) | batched %7.2f rows/s (%6.1fs, %lld tokens, "
                "shared prefix %lld) | ratio %.2fx\n",
                t.name, a.rows / single, single, static_cast<long long>(single_tokens), a.rows / batched, batched,
                static_cast<long long>(bs.tokens_evaluated), static_cast<long long>(bs.shared_prefix_tokens),
                single / batched);
  }
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("load average: %.2f %.2f %.2f (%u hardware threads)\n", load[0], load[1], load[2],
              std::thread::hardware_concurrency());
  std::filesystem::remove_all(dir);
  return 0;
}
