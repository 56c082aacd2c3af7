// Server: runhook's HTTP server. It owns the store, the dispatcher that sends deliveries, and
// an HTTP listener answering the API of docs/api.md and the run pages.
//
//   runhook::server::Server server({.port = 0, .store_spec = "sqlite:/tmp/x/runhook.db"});
//   auto port = server.Start();          // bound and answering when this returns
//   ...
//   server.Stop(std::chrono::seconds(5));
//
// Thread safety: Start and Stop must be called from one thread (the owner); requests are served
// on the server's own worker threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "core/result.h"
#include "delivery/dispatcher.h"

namespace runhook::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 5717;         // 0: an ephemeral port, reported by Start
  std::string store_spec;  // required, as for store::OpenStore: "sqlite:/path/runhook.db"
  std::string public_url;  // base of run.url; empty: "http://<host>:<port>"
  // Each open keep-alive connection holds one worker while it is open, so this bounds the
  // clients served at once more than CPU use (requests are short and mostly wait on SQLite).
  int worker_threads = 32;
  size_t max_request_bytes = 32u << 20;  // larger bodies get 413 too_large
  int keep_alive_max_count = 10'000;     // requests per connection before it is closed
  int keep_alive_timeout_seconds = 5;    // idle time before a keep-alive connection is closed
  // A running run without a heartbeat for this long is failed with reason `crashed`.
  std::chrono::milliseconds heartbeat_timeout{60'000};
  // `owner` defaults to "<hostname>:<pid>"; `retry_schedule` also gives the attempts of hooks
  // without max_attempts. `destination_policy.loopback_only` is set by Start from `host`
  // (delivery::IsLoopbackListenHost); its `allowed_networks` are the server's --allow-net.
  delivery::DispatcherOptions dispatcher;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  // Stop with a short timeout
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the store, starts the dispatcher, binds and starts serving. Returns the port it
  // listens on; the server answers requests (e.g. GET /healthz) once this returns. Call once.
  // Errors: the store cannot be opened, the address cannot be bound (kUnavailable).
  Result<int> Start();

  // Stops accepting, finishes requests in flight (idle keep-alive connections close within
  // keep_alive_timeout_seconds), stops the crash detector and periodic hooks (the pass in
  // progress ends), then shuts the dispatcher down waiting at most
  // `delivery_timeout` for sends in flight (the rest are retried by the next server). Always
  // returns; idempotent.
  void Stop(std::chrono::milliseconds delivery_timeout = std::chrono::seconds(5));

  // Valid after a successful Start.
  int port() const;
  const std::string& public_url() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// "http://host:port", with IPv6 hosts in brackets and the machine's name for a wildcard host.
std::string DefaultPublicUrl(const std::string& host, int port);

}  // namespace runhook::server
