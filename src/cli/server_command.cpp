// `runhook server`: runs the HTTP API, the run pages and the webhook dispatcher until SIGINT or
// SIGTERM.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/server_control.h"
#include "core/data_directory.h"
#include "core/duration.h"
#include "core/server_files.h"
#include "delivery/destination_policy.h"
#include "delivery/retry_schedule.h"
#include "server/server.h"

namespace runhook::cli {
namespace {

constexpr auto kDeliveryShutdownTimeout = std::chrono::seconds(10);

struct ServerFlags {
  std::string host = "127.0.0.1";
  int port = core::kDefaultLocalPort;  // or $RUNHOOK_LOCAL_PORT, set in AddServerCommand
  std::string data_dir;
  std::string store_spec;
  std::string public_url;
  std::string retry_schedule;
  std::string heartbeat_timeout = "60s";
  std::vector<std::string> allowed_networks;  // --allow-net, CIDR
  int max_per_host = delivery::DispatcherOptions{}.max_per_host;
};

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "runhook server: %s\n", message.c_str());
  throw CLI::RuntimeError(1);
}

// core::DataDirectory(): $RUNHOOK_DIR, else $XDG_DATA_HOME/runhook, else ~/.local/share/runhook.
std::string DefaultDataDir() {
  std::string dir = core::DataDirectory();
  if (dir.empty()) Fail("cannot find a data directory: set RUNHOOK_DIR or pass --data DIR");
  return dir;
}

// glibc's allocator, as the server uses it: the history batches a training run posts are bodies
// of 100 KB to 1 MB, read and parsed on whichever of the worker threads takes the request. With
// the defaults, such a buffer is mmap()ed and unmapped again per request (until the dynamic
// threshold has risen past every size seen, in every worker's arena), and freeing it at the top
// of a heap hands the pages back (trim threshold 128 KiB), so the next request faults them in
// again: a fresh server ingested its first 1M points at 0.8M points/s and the next 1M at 1.2M.
// Fixed thresholds of 1 MiB (mmap) and 4 MiB (trim) keep those buffers in the heaps; the
// resident size after 10 runs of 1M points stays under 50 MiB (bench/ingest_bench.py
// --rss-runs 10).
void TuneAllocatorForRequestBodies() {
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  mallopt(M_TRIM_THRESHOLD, 4 << 20);
}

void RunServer(const ServerFlags& flags) {
  TuneAllocatorForRequestBodies();
  server::ServerOptions options;
  options.host = flags.host;
  options.port = flags.port;
  options.public_url = flags.public_url;
  options.store_spec = flags.store_spec;
  auto heartbeat_timeout = core::ParseDuration(flags.heartbeat_timeout);
  if (!heartbeat_timeout || heartbeat_timeout->count() <= 0)
    Fail("--heartbeat-timeout: '" + flags.heartbeat_timeout +
         "' is not a positive duration (e.g. 60s, 2m, 500ms)");
  options.heartbeat_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(*heartbeat_timeout);
  if (!flags.retry_schedule.empty()) {
    auto schedule = delivery::ParseRetrySchedule(flags.retry_schedule);
    if (!schedule) Fail("--retry-schedule: " + schedule.error().message);
    options.dispatcher.retry_schedule = std::move(schedule.value());
  }
  for (const std::string& text : flags.allowed_networks) {
    auto network = delivery::ParseIpNetwork(text);
    if (!network) Fail("--allow-net " + text + ": " + network.error().message);
    options.dispatcher.destination_policy.allowed_networks.push_back(*network);
  }
  options.dispatcher.max_per_host = flags.max_per_host;
  std::string data_dir;                         // empty: none used (--store without --data)
  std::optional<core::FileLock> data_dir_lock;  // one server per data directory, held to the end
  if (options.store_spec.empty() || !flags.data_dir.empty()) {
    data_dir = flags.data_dir.empty() ? DefaultDataDir() : flags.data_dir;
    std::error_code error;
    std::filesystem::create_directories(data_dir, error);
    if (error) Fail("cannot create the data directory " + data_dir + ": " + error.message());
    data_dir_lock.emplace(ClaimDataDirectory(data_dir));
    if (options.store_spec.empty()) options.store_spec = "sqlite:" + data_dir + "/runhook.db";
  }

  // SIGINT and SIGTERM are taken by sigwait below; every thread the server starts inherits the
  // blocked mask, so no thread is interrupted by them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  server::Server server(options);
  auto port = server.Start();
  if (!port) Fail(port.error().message);
  std::printf("runhook server listening on http://%s:%d (store: %s, public URL: %s)\n",
              flags.host.find(':') != std::string::npos ? ("[" + flags.host + "]").c_str()
                                                        : flags.host.c_str(),
              *port, options.store_spec.c_str(), server.public_url().c_str());
  if (!delivery::IsLoopbackListenHost(flags.host)) {
    std::string allowed;
    for (const auto& network : options.dispatcher.destination_policy.allowed_networks)
      allowed += (allowed.empty() ? "" : ", ") + delivery::FormatIpNetwork(network);
    std::printf(
        "runhook server: not loopback-only, so webhooks to loopback, private, link-local and "
        "reserved addresses are refused (--allow-net: %s)\n",
        allowed.empty() ? "none" : allowed.c_str());
  }
  std::fflush(stdout);
  if (!data_dir.empty()) PublishServerRecord(data_dir, flags.host, *port);

  int received = 0;
  sigwait(&stop_signals, &received);
  std::printf("runhook server: %s received, stopping\n", received == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stdout);
  server.Stop(kDeliveryShutdownTimeout);
  if (!data_dir.empty()) RemoveServerRecord(data_dir);
  std::printf("runhook server: stopped\n");
  std::fflush(stdout);
}

}  // namespace

void AddServerCommand(CLI::App& app) {
  auto flags = std::make_shared<ServerFlags>();
  CLI::App* command = app.add_subcommand(
      "server", "Run the runhook server: HTTP API, run pages and webhook delivery");
  if (auto port = core::DefaultLocalPort()) flags->port = *port;  // $RUNHOOK_LOCAL_PORT
  command->add_option("--host", flags->host, "Address to listen on")->capture_default_str();
  command->add_option("--port", flags->port, "Port to listen on (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  command->add_option(
      "--data", flags->data_dir,
      "Data directory (default: $RUNHOOK_DIR, $XDG_DATA_HOME/runhook or ~/.local/share/runhook)");
  command->add_option(
      "--store", flags->store_spec,
      "Store to use, e.g. sqlite:/path/runhook.db (default: sqlite:DATA/runhook.db)");
  command->add_option("--public-url", flags->public_url,
                      "Base URL of run pages in webhooks (default: http://HOST:PORT)");
  command->add_option("--retry-schedule", flags->retry_schedule,
                      "Delivery attempts as waits, e.g. 0,5s,5m,30m,2h,5h,10h,10h (the default)");
  command
      ->add_option("--heartbeat-timeout", flags->heartbeat_timeout,
                   "A running run without a heartbeat for this long fails as crashed")
      ->capture_default_str();
  command->add_option("--allow-net", flags->allowed_networks,
                      "A network webhooks may go to although it is loopback, private, link-local "
                      "or reserved, e.g. 10.0.0.0/8 or fd00::/8 (repeatable; only matters when "
                      "--host is not a loopback address)");
  command
      ->add_option("--max-per-host", flags->max_per_host,
                   "Deliveries in flight to one destination (scheme, host, port) at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000));
  AddServerControlCommands(*command, flags->data_dir);
  // `runhook server stop|status` run their own callbacks; the server runs only without them.
  command->callback([flags, command] {
    if (command->get_subcommands().empty()) RunServer(*flags);
  });
}

}  // namespace runhook::cli
