// Commands of this area: analyze (issue 5). Registered from RegisterCommands.
#include "cli/commands.h"

namespace custintel::cli {

void RegisterTextCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  (void)app;
  (void)g;
  (void)action;
  (void)common;
}

}  // namespace custintel::cli
