// Model commands: clv, churn, evaluate, ... (issue 4). Each registers its flags and action here.
#include "cli/commands.h"

namespace custintel::cli {

void RegisterModelCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  (void)app;
  (void)g;
  (void)action;
  (void)common;
}

}  // namespace custintel::cli
