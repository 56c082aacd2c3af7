// A stand-alone `runhook`-like executable with only the template subcommand, so the CLI and the
// differential suite can run without the server (which the full `runhook` binary links).
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"runhook template tools"};
  app.require_subcommand(1);
  runhook::cli::AddTemplateCommand(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
