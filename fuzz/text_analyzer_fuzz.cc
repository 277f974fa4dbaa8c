// libFuzzer target over the whole text analyzer: arbitrary bytes (invalid UTF-8, HTML, emoji,
// huge numbers, PII-looking strings) must never crash, hang or produce invalid JSON.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "text/analyzer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  custintel::text::AnalyzeOptions options;
  options.triage = size % 2 == 0;
  options.mask_pii = size % 3 == 0;
  options.pii.names = {"Jane Doe", "O'Brien"};
  custintel::text::Analysis a = custintel::text::Analyze(text, options);
  (void)a.ToJson().dump();  // throws (and the fuzzer reports it) if any string is not UTF-8
  return 0;
}
