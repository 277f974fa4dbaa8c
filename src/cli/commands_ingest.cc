// Commands of this area: rejects (issue 3). Registered from RegisterCommands.
#include "cli/commands.h"

namespace custintel::cli {

void RegisterIngestCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  (void)app;
  (void)g;
  (void)action;
  (void)common;
}

}  // namespace custintel::cli
