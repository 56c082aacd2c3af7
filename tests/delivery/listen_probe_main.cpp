// A stand-in for the `runhook` executable that holds only the `listen` subcommand, so the
// command can be tested as a real process without linking the server.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"runhook listen, alone"};
  app.require_subcommand(1);
  runhook::cli::AddListenCommand(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
