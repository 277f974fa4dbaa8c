// Wall time of a phase, for progress logs (`-v`): Lap() returns the seconds since the last lap.
//   Stopwatch sw;  ...  LogInfo(fmt::format("features: {:.2f} s", sw.Lap()));
// Thread safety: one thread per object.
#pragma once

#include <chrono>

namespace custintel {

class Stopwatch {
 public:
  // Seconds since construction or the last Lap(); starts the next lap.
  double Lap() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - lap_).count();
    lap_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point lap_ = std::chrono::steady_clock::now();
};

}  // namespace custintel
