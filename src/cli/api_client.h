// ApiClient: the CLI verbs' blocking JSON client for a runhook server's API (docs/api.md), and
// the `--server URL` option they share (default: $RUNHOOK_URL, else http://127.0.0.1:5717).
//
// A request that cannot be sent, or that the server answers with a status other than 2xx,
// prints "runhook: <what failed>" (the server's error message when it sent one) to stderr and
// throws CLI::RuntimeError(1), the way commands.h says a subcommand ends with a failure.
//
// Thread safety: one thread at a time per ApiClient.
#pragma once

#include <memory>
#include <string>

#include "core/json.h"

namespace CLI {
class App;
}
namespace httplib {
class Client;
}

namespace runhook::cli {

// $RUNHOOK_URL when set and not empty, else core::DefaultLocalServerUrl() ("http://127.0.0.1:5717",
// or the port in $RUNHOOK_LOCAL_PORT).
std::string DefaultServerUrl();

// Adds `--server URL` (alias `--url`) to `command`, stored in `url` (which should hold
// DefaultServerUrl()).
void AddServerUrlOption(CLI::App& command, std::string& url);

// Percent-encodes one path segment (a name that may hold '/', spaces, ...).
std::string EncodePathSegment(const std::string& segment);

// A run as the CLI verbs take it: "entity/project/id", "project/id" (entity from
// $RUNHOOK_ENTITY, else "local") or a bare "id" (entity and project empty: unknown).
struct RunReference {
  std::string entity;
  std::string project;
  std::string id;
};
// Errors go through Fail (more than three parts, or an empty one).
RunReference ParseRunReference(const std::string& text);

class ApiClient {
 public:
  // `server_url` like "http://127.0.0.1:5717" (a trailing '/' is ignored).
  explicit ApiClient(const std::string& server_url);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // The parsed JSON answer of a 2xx. `body` is sent as JSON when not null.
  Json Get(const std::string& path);
  Json Post(const std::string& path, const Json& body = Json::object());
  Json Put(const std::string& path, const Json& body);
  Json Delete(const std::string& path);

 private:
  Json Send(const std::string& method, const std::string& path, const Json& body);

  std::string server_url_;
  std::unique_ptr<httplib::Client> client_;
};

// Prints "runhook: <message>" to stderr and throws CLI::RuntimeError(1).
[[noreturn]] void Fail(const std::string& message);

}  // namespace runhook::cli
