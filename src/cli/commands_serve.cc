// Commands of this area: serve, tenants, keys (issue 8). Registered from RegisterCommands.
#include "cli/commands.h"

namespace custintel::cli {

void RegisterServeCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  (void)app;
  (void)g;
  (void)action;
  (void)common;
}

}  // namespace custintel::cli
