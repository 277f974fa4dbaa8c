// Runs a libFuzzer target without libFuzzer (any compiler): LLVMFuzzerTestOneInput over seeded
// pseudo-random inputs until the given seconds pass, so ctest exercises the target in every
// build. Not coverage-guided: the clang build (-fsanitize=fuzzer) is the real fuzzer.
//   http_request_fuzz_smoke [seconds=30] [seed=1]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 30;
  std::mt19937_64 rng(argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  uint64_t inputs = 0;
  std::vector<uint8_t> input;
  while (std::chrono::steady_clock::now() < deadline) {
    input.resize(rng() % 768);
    for (uint8_t& b : input) {
      // Mostly printable, sometimes any byte: paths and bodies that parse, and ones that do not.
      b = rng() % 4 ? static_cast<uint8_t>(0x20 + rng() % 95) : static_cast<uint8_t>(rng());
    }
    LLVMFuzzerTestOneInput(input.data(), input.size());
    ++inputs;
  }
  std::printf("%llu inputs in %.0f s: no crash, no failed check\n", static_cast<unsigned long long>(inputs), seconds);
  return 0;
}
