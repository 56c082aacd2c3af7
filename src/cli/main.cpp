// runhook: the server and the command-line tools in one executable.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"runhook: experiment tracking with declarative webhooks"};
  app.set_version_flag("--version", "runhook " RUNHOOK_VERSION);
  app.require_subcommand(1);
  runhook::cli::AddServerCommand(app);
  runhook::cli::AddListenCommand(app);
  runhook::cli::AddTemplateCommand(app);
  runhook::cli::AddSecretsCommand(app);
  runhook::cli::AddDeliveriesCommand(app);
  runhook::cli::AddRedeliverCommand(app);
  runhook::cli::AddHooksCommand(app);
  runhook::cli::AddSyncCommand(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
