// The `runhook` executable's subcommands. Each Add*Command registers one CLI11 subcommand on
// `app` with its options and a callback. A callback that must end the process with a non-zero
// status throws CLI::RuntimeError(status) after printing its message to stderr.
#pragma once

namespace CLI {
class App;
}

namespace runhook::cli {

void AddServerCommand(CLI::App& app);    // runhook server ...     (server_command.cpp)
void AddListenCommand(CLI::App& app);    // runhook listen ...     (listen_command.cpp)
void AddTemplateCommand(CLI::App& app);  // runhook template ...   (template_command.cpp)
// Operator verbs talking to a server's API (--server URL, default $RUNHOOK_URL).
void AddSecretsCommand(CLI::App& app);     // runhook secrets ...    (secrets_command.cpp)
void AddDeliveriesCommand(CLI::App& app);  // runhook deliveries ... (deliveries_command.cpp)
void AddRedeliverCommand(CLI::App& app);   // runhook redeliver ID   (deliveries_command.cpp)
void AddHooksCommand(CLI::App& app);       // runhook hooks test ... (hooks_command.cpp)
// Uploads offline or spooled run directories (--url URL, default $RUNHOOK_URL).
void AddSyncCommand(CLI::App& app);  // runhook sync DIR...  (sync_command.cpp)

}  // namespace runhook::cli
