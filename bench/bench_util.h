// What every whole-job bench prints: wall seconds of a step and the process's peak RSS.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <functional>

namespace custintel::bench {

// Wall seconds `fn` takes.
inline double Seconds(const std::function<void()>& fn) {
  const auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Wall seconds since `since`.
inline double SecondsSince(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Peak resident set size of this process so far, MiB (ru_maxrss is KiB on Linux).
inline double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace custintel::bench
