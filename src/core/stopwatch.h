// Wall time of a phase, for progress logs (`-v`): Lap() returns the seconds since the last lap;
// Lap(&cpu) also the CPU seconds the process spent meanwhile (user + system, every thread: the
// steadier figure on a shared machine).
//   Stopwatch sw;  ...  LogInfo(fmt::format("features: {:.2f} s", sw.Lap()));
// ProcessCpuSeconds(): CPU seconds (user + system) of every thread of the process so far — the
// steadier figure on a shared machine; the difference across a phase is that phase's CPU.
// Thread safety: one thread per object.
#pragma once

#include <sys/resource.h>

#include <chrono>

namespace custintel {

inline double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

class Stopwatch {
 public:
  // Seconds since construction or the last Lap(); starts the next lap.
  double Lap() {
    double cpu = 0;
    return Lap(&cpu);
  }
  double Lap(double* cpu) {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - lap_).count();
    const double cpu_now = ProcessCpuSeconds();
    *cpu = cpu_now - cpu_;
    lap_ = now;
    cpu_ = cpu_now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point lap_ = std::chrono::steady_clock::now();
  double cpu_ = ProcessCpuSeconds();
};

}  // namespace custintel
