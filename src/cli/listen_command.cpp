// `runhook listen [--host 127.0.0.1] --port P [--jsonl FILE] [--status CODE] [--secret S]...`:
// a local webhook receiver. Prints `listening on http://HOST:PORT` once it accepts connections
// (port 0 picks a free port and prints the real one), then each request readably on stdout, and
// appends it as one JSON line to FILE (see listen_recorder.h). Answers every path and method
// with CODE. With --secret (a whsec_ value; repeat it during a rotation) it verifies each
// request's Standard Webhooks signature (5 minutes' tolerance) and shows the verdict; it
// answers with CODE either way. SIGINT or SIGTERM stops it with exit status 0.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/listen_recorder.h"
#include "core/clock.h"
#include "delivery/signature.h"

namespace runhook::cli {
namespace {

struct ListenOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string jsonl_path;
  int status = 200;
  std::vector<std::string> secrets;  // verify signatures when not empty
};

constexpr int kServerThreads = 64;  // a dispatcher keeps up to 64 connections open by default

// cpp-httplib reports the peer and local addresses as if they were request headers.
bool IsAddressPseudoHeader(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
         name == "LOCAL_PORT";
}

ReceivedWebhook ToReceivedWebhook(const httplib::Request& request) {
  ReceivedWebhook webhook;
  webhook.received_at_ms = core::NowUnixMillis();
  webhook.method = request.method;
  webhook.path = request.path;
  if (const size_t mark = request.target.find('?'); mark != std::string::npos)
    webhook.query = request.target.substr(mark + 1);
  for (const auto& [name, value] : request.headers)
    if (!IsAddressPseudoHeader(name)) webhook.headers.emplace_back(name, value);
  webhook.body = request.body;
  return webhook;
}

// "valid" or "invalid: <reason>" for the request's Standard Webhooks headers under `secrets`.
std::string CheckSignature(const httplib::Request& request,
                           const std::vector<std::string>& secrets) {
  const delivery::SignatureCheck check = delivery::VerifySignature(
      secrets, request.get_header_value("webhook-id"),
      request.get_header_value("webhook-timestamp"), request.get_header_value("webhook-signature"),
      request.body, core::NowUnixMillis() / 1000);
  return check.valid ? "valid" : "invalid: " + check.reason;
}

// Socket options for the listening socket. SO_REUSEADDR only: cpp-httplib's default adds
// SO_REUSEPORT, which lets a second listener share a port already in use and silently take half
// of its requests. Remembers the socket so its backlog can be raised after bind.
class ListeningSocketOptions {
 public:
  void operator()(socket_t socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    *last_socket_ = socket;
  }
  // cpp-httplib listens with a backlog of 5: a burst of connections (a dispatcher opening dozens
  // at once) overflows it and the dropped SYNs are retried only after 1-3 s. Listening again on
  // the bound socket raises the backlog.
  void RaiseBacklog() const {
    if (*last_socket_ >= 0) ::listen(*last_socket_, SOMAXCONN);
  }

 private:
  std::shared_ptr<socket_t> last_socket_ = std::make_shared<socket_t>(-1);
};

std::string HostForUrl(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// Waits for SIGINT or SIGTERM (blocked in every thread, so only this one takes them) and stops
// the server; gives up when `done` is set.
void StopOnSignal(httplib::Server& server, const std::atomic<bool>& done) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  const timespec poll_interval{0, 100'000'000};
  while (!done) {
    if (sigtimedwait(&signals, nullptr, &poll_interval) < 0) continue;  // timeout or EINTR
    // cpp-httplib ignores stop() before its accept loop runs, so repeat until it has run.
    while (!done) {
      if (server.is_running()) {
        server.stop();
        return;
      }
      std::this_thread::yield();
    }
  }
}

void RunListen(const ListenOptions& options) {
  for (const std::string& secret : options.secrets) {
    if (std::string problem = delivery::FindSigningSecretProblem(secret); !problem.empty()) {
      std::cerr << "runhook listen: --secret: " << problem << '\n';
      throw CLI::RuntimeError(1);
    }
  }
  std::ofstream jsonl;
  if (!options.jsonl_path.empty()) {
    jsonl.open(options.jsonl_path, std::ios::app | std::ios::binary);
    if (!jsonl) {
      std::cerr << "runhook listen: cannot open '" << options.jsonl_path
                << "' for appending: " << std::strerror(errno) << '\n';
      throw CLI::RuntimeError(1);
    }
  }
  ListenRecorder recorder(std::cout, jsonl.is_open() ? &jsonl : nullptr);

  // Before any thread starts: the signal thread alone takes SIGINT/SIGTERM, and a receiver that
  // hangs up mid-response must not kill the process with SIGPIPE.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  httplib::Server server;
  ListeningSocketOptions socket_options;
  server.set_socket_options(socket_options);
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(1000);
  // cpp-httplib's stop() waits for idle keep-alive connections to time out: keep that short so
  // Ctrl-C ends `listen` within about a second even while a dispatcher holds connections open.
  server.set_keep_alive_timeout(1);
  server.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  const int status = options.status;
  const std::vector<std::string>& secrets = options.secrets;
  const auto handler = [&recorder, &secrets, status](const httplib::Request& request,
                                                     httplib::Response& response) {
    ReceivedWebhook webhook = ToReceivedWebhook(request);
    if (!secrets.empty()) webhook.signature_verdict = CheckSignature(request, secrets);
    recorder.Record(webhook);
    response.status = status;
    response.set_content("runhook listen: received\n", "text/plain");
  };
  const std::string any_path = ".*";
  server.Get(any_path, handler).Post(any_path, handler).Put(any_path, handler);
  server.Patch(any_path, handler).Delete(any_path, handler).Options(any_path, handler);

  int port = options.port;
  if (port == 0) {
    port = server.bind_to_any_port(options.host);
  } else if (!server.bind_to_port(options.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    std::cerr << "runhook listen: cannot listen on " << options.host << ':' << options.port
              << " (is the address valid and the port free?)\n";
    throw CLI::RuntimeError(1);
  }
  socket_options.RaiseBacklog();
  std::cout << "listening on http://" << HostForUrl(options.host) << ':' << port << std::endl;

  std::atomic<bool> done{false};
  std::thread signal_thread([&] { StopOnSignal(server, done); });
  const bool stopped_cleanly = server.listen_after_bind();
  done = true;
  signal_thread.join();
  if (!stopped_cleanly) {
    std::cerr << "runhook listen: the server stopped unexpectedly\n";
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

void AddListenCommand(CLI::App& app) {
  // Shared with the callback, which runs after this function returns.
  auto options = std::make_shared<ListenOptions>();
  CLI::App* command =
      app.add_subcommand("listen", "Receive webhooks locally and print each one as it arrives");
  command->add_option("--host", options->host, "Address to listen on")->capture_default_str();
  command->add_option("--port", options->port, "Port to listen on; 0 picks a free one")
      ->required()
      ->check(CLI::Range(0, 65535));
  command->add_option("--jsonl", options->jsonl_path,
                      "Also append each request to FILE as one JSON line");
  command->add_option("--status", options->status, "HTTP status to answer every request with")
      ->capture_default_str()
      ->check(CLI::Range(100, 599));
  command->add_option("--secret", options->secrets,
                      "Verify each request's webhook-signature with this whsec_ secret (repeat "
                      "during a rotation)");
  command->callback([options] { RunListen(*options); });
}

}  // namespace runhook::cli
