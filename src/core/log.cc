#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace custintel {
namespace {

spdlog::logger& Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_color_mt("custintel");
    l->set_pattern("%^[%l]%$ %v");
    l->set_level(spdlog::level::warn);
    return l;
  }();
  return *logger;
}

}  // namespace

void SetLogLevel(LogLevel level) {
  static constexpr spdlog::level::level_enum kMap[] = {
      spdlog::level::debug, spdlog::level::info, spdlog::level::warn, spdlog::level::err,
      spdlog::level::off};
  Logger().set_level(kMap[static_cast<int>(level)]);
}

void LogDebug(std::string_view m) { Logger().debug(m); }
void LogInfo(std::string_view m) { Logger().info(m); }
void LogWarn(std::string_view m) { Logger().warn(m); }
void LogError(std::string_view m) { Logger().error(m); }

}  // namespace custintel
