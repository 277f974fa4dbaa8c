// Commands of this area: dev make-gguf and AI options (issue 6). Registered from RegisterCommands.
#include "cli/commands.h"

namespace custintel::cli {

void RegisterAiCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  (void)app;
  (void)g;
  (void)action;
  (void)common;
}

}  // namespace custintel::cli
