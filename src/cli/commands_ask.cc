// Commands of this area: ask (issue 9). Registered from RegisterCommands.
#include "cli/commands.h"

namespace custintel::cli {

void RegisterAskCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  (void)app;
  (void)g;
  (void)action;
  (void)common;
}

}  // namespace custintel::cli
