// `runhook secrets`: the secrets stored on a server, usable in hook templates as
// `{{ secrets.NAME }}` and as a hook's signing secret by name.
//
//   runhook secrets set NAME        value read from stdin (one trailing newline dropped)
//   runhook secrets generate NAME   stores a new whsec_ signing secret and prints it, once
//   runhook secrets list            names and times, never values
//   runhook secrets rm NAME
//
// Each takes --server URL. A value is printed only by `generate`, and only that once.
#include <CLI/CLI.hpp>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/text_table.h"
#include "delivery/signature.h"

namespace runhook::cli {
namespace {

struct SecretsOptions {
  std::string server_url = DefaultServerUrl();
  std::string name;
};

std::string SecretPath(const std::string& name) {
  return "/api/v1/secrets/" + EncodePathSegment(name);
}

// All of stdin with one trailing "\n" (or "\r\n") removed.
std::string ReadValueFromStdin() {
  std::string value((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (!value.empty() && value.back() == '\n') value.pop_back();
  if (!value.empty() && value.back() == '\r') value.pop_back();
  return value;
}

void SetSecret(const SecretsOptions& options) {
  const std::string value = ReadValueFromStdin();
  if (value.empty()) Fail("secret '" + options.name + "': no value on stdin");
  ApiClient(options.server_url).Put(SecretPath(options.name), Json{{"value", value}});
  std::cout << "secret '" << options.name << "' stored" << std::endl;
}

void GenerateSecret(const SecretsOptions& options) {
  Result<std::string> secret = delivery::GenerateSigningSecret();
  if (!secret) Fail(secret.error().message);
  ApiClient(options.server_url).Put(SecretPath(options.name), Json{{"value", *secret}});
  // Printed once: the receiver needs it to verify signatures; the server never shows it again.
  std::cout << *secret << std::endl;
}

void ListSecrets(const SecretsOptions& options) {
  Json answer = ApiClient(options.server_url).Get("/api/v1/secrets");
  const Json& secrets = answer["secrets"];
  if (secrets.empty()) {
    std::cout << "no secrets stored" << std::endl;
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "CREATED", "UPDATED"}};
  for (const Json& secret : secrets)
    rows.push_back(
        {secret.value("name", ""), secret.value("created_at", ""), secret.value("updated_at", "")});
  std::cout << FormatTable(rows);
}

void RemoveSecret(const SecretsOptions& options) {
  ApiClient(options.server_url).Delete(SecretPath(options.name));
  std::cout << "secret '" << options.name << "' removed" << std::endl;
}

// Adds subcommand `verb` taking NAME and --server, running `action`.
void AddNamedVerb(CLI::App& secrets, const char* verb, const char* description,
                  void (*action)(const SecretsOptions&)) {
  auto options = std::make_shared<SecretsOptions>();
  CLI::App* command = secrets.add_subcommand(verb, description);
  command->add_option("NAME", options->name, "Secret name (A-Z, a-z, 0-9, _)")->required();
  AddServerUrlOption(*command, options->server_url);
  command->callback([options, action] { action(*options); });
}

}  // namespace

void AddSecretsCommand(CLI::App& app) {
  CLI::App* secrets = app.add_subcommand("secrets", "Manage the secrets stored on the server");
  secrets->require_subcommand(1);
  AddNamedVerb(*secrets, "set", "Store a secret; its value is read from stdin", SetSecret);
  AddNamedVerb(*secrets, "generate",
               "Store a new whsec_ signing secret (32 random bytes) and print it once",
               GenerateSecret);
  AddNamedVerb(*secrets, "rm", "Remove a secret", RemoveSecret);

  auto options = std::make_shared<SecretsOptions>();
  CLI::App* list = secrets->add_subcommand("list", "List the secrets' names (never values)");
  AddServerUrlOption(*list, options->server_url);
  list->callback([options] { ListSecrets(*options); });
}

}  // namespace runhook::cli
