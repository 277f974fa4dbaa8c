// Logging to stderr. Messages are built with fmt at the call site:
//   LogInfo(fmt::format("loaded {} rows from {}", n, path));
// Default level: warn (the CLI prints its own results on stdout); -v raises it to info/debug.
// Thread safety: safe to call from any thread.
#pragma once

#include <string_view>

namespace custintel {

enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };

void SetLogLevel(LogLevel level);
void LogDebug(std::string_view message);
void LogInfo(std::string_view message);
void LogWarn(std::string_view message);
void LogError(std::string_view message);

}  // namespace custintel
