#include "cli/server_control.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include <httplib.h>

#include <CLI/CLI.hpp>

#include "core/data_directory.h"
#include "core/duration.h"
#include "core/server_files.h"

namespace runhook::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kStopPollInterval{20};
constexpr int kStatusNotRunning = 3;  // as LSB init scripts' "program is not running"

[[noreturn]] void Fail(const std::string& message, int status = 1) {
  std::fprintf(stderr, "runhook server: %s\n", message.c_str());
  throw CLI::RuntimeError(status);
}

struct ControlFlags {
  std::string data_dir;
  std::string timeout = "30s";
};

std::string ResolveDataDir(const ControlFlags& flags, const std::string& server_data_dir) {
  if (!flags.data_dir.empty()) return flags.data_dir;
  if (!server_data_dir.empty()) return server_data_dir;
  std::string dir = core::DataDirectory();
  if (dir.empty()) Fail("cannot find a data directory: set RUNHOOK_DIR or pass --data DIR");
  return dir;
}

std::string StopCommand(const std::string& data_dir) {
  return "runhook server stop --data " + data_dir;
}

// The record of the server holding DIR/server.lock, or a failure saying why there is none.
core::ServerRecord RunningServerRecord(const core::ServerFiles& files) {
  auto record = core::ReadServerRecord(files.record);
  if (!record)
    Fail("a process holds " + files.lock + " but its record is unusable (" +
         record.error().message +
         "); it may still be starting: try again, or find it with `fuser " + files.lock + "`");
  return *record;
}

bool AnswersHealth(const std::string& url) {
  httplib::Client client(url);
  client.set_connection_timeout(2);
  client.set_read_timeout(2);
  auto result = client.Get("/healthz");
  return result && result->status == 200;
}

void StopServer(const ControlFlags& flags, const std::string& server_data_dir) {
  auto timeout = core::ParseDuration(flags.timeout);
  if (!timeout) Fail("--timeout: '" + flags.timeout + "' is not a duration (e.g. 30s, 2m)");
  const std::string data_dir = ResolveDataDir(flags, server_data_dir);
  const core::ServerFiles files = core::ServerFilesIn(data_dir);
  if (!core::FileLock::IsHeld(files.lock)) {
    std::remove(files.record.c_str());  // stale after a server that was killed
    std::printf("runhook server: no server is running on the data directory %s\n",
                data_dir.c_str());
    return;
  }
  const core::ServerRecord record = RunningServerRecord(files);
  if (kill(record.pid, SIGTERM) != 0)
    Fail("cannot send SIGTERM to the server's pid " + std::to_string(record.pid) + ": " +
         std::strerror(errno));
  const auto deadline = Clock::now() + *timeout;
  // The server releases its lock only by exiting; flock has no wait with a timeout.
  while (core::FileLock::IsHeld(files.lock)) {
    if (Clock::now() >= deadline)
      Fail("the server (pid " + std::to_string(record.pid) + ", " + record.url +
           ") did not exit within " + flags.timeout +
           " of SIGTERM; it may still be finishing deliveries. `kill -KILL " +
           std::to_string(record.pid) +
           "` ends it at once: its pending deliveries resume when a server starts on " + data_dir +
           " again");
    std::this_thread::sleep_for(kStopPollInterval);
  }
  std::printf("runhook server: stopped the server at %s (pid %d, data %s)\n", record.url.c_str(),
              static_cast<int>(record.pid), data_dir.c_str());
}

void ShowStatus(const ControlFlags& flags, const std::string& server_data_dir) {
  const std::string data_dir = ResolveDataDir(flags, server_data_dir);
  const core::ServerFiles files = core::ServerFilesIn(data_dir);
  if (!core::FileLock::IsHeld(files.lock)) {
    std::printf("runhook server: not running on the data directory %s\n", data_dir.c_str());
    std::fflush(stdout);
    throw CLI::RuntimeError(kStatusNotRunning);
  }
  const core::ServerRecord record = RunningServerRecord(files);
  std::printf("runhook server: running at %s (pid %d, data %s, log %s), %s\n", record.url.c_str(),
              static_cast<int>(record.pid), data_dir.c_str(), files.log.c_str(),
              AnswersHealth(record.url) ? "healthy" : "not answering GET /healthz");
}

}  // namespace

core::FileLock ClaimDataDirectory(const std::string& data_dir) {
  const core::ServerFiles files = core::ServerFilesIn(data_dir);
  auto lock = core::FileLock::TryAcquire(files.lock);
  if (lock) {
    std::remove(files.record.c_str());  // left by a server that was killed
    return std::move(lock.value());
  }
  if (lock.error().code != ErrorCode::kConflict) Fail(lock.error().message);
  auto record = core::ReadServerRecord(files.record);
  const std::string holder =
      record ? "pid " + std::to_string(record->pid) + ", " + record->url : "still starting";
  Fail("another runhook server (" + holder + ") is using the data directory " + data_dir +
       "; stop it with `" + StopCommand(data_dir) + "`, or pass another --data");
}

void PublishServerRecord(const std::string& data_dir, const std::string& host, int port) {
  std::string shown = host;
  if (host.empty() || host == "0.0.0.0") shown = "127.0.0.1";
  if (host == "::") shown = "::1";
  if (shown.find(':') != std::string::npos) shown = "[" + shown + "]";
  const core::ServerRecord record{.pid = getpid(),
                                  .url = "http://" + shown + ":" + std::to_string(port)};
  const std::string path = core::ServerFilesIn(data_dir).record;
  if (auto written = core::WriteServerRecord(path, record); !written)
    std::fprintf(stderr, "runhook server: %s (`runhook server stop` will not find this server)\n",
                 written.error().message.c_str());
}

void RemoveServerRecord(const std::string& data_dir) {
  std::remove(core::ServerFilesIn(data_dir).record.c_str());
}

void AddServerControlCommands(CLI::App& server_command, const std::string& server_data_dir) {
  auto stop_flags = std::make_shared<ControlFlags>();
  CLI::App* stop = server_command.add_subcommand(
      "stop", "Stop the server running on a data directory (SIGTERM, then wait until it exits)");
  stop->add_option("--data", stop_flags->data_dir,
                   "Its data directory (default: $RUNHOOK_DIR, $XDG_DATA_HOME/runhook or "
                   "~/.local/share/runhook)");
  stop->add_option("--timeout", stop_flags->timeout,
                   "How long to wait for it to finish deliveries in flight and exit")
      ->capture_default_str();
  stop->callback([stop_flags, &server_data_dir] { StopServer(*stop_flags, server_data_dir); });

  auto status_flags = std::make_shared<ControlFlags>();
  CLI::App* status = server_command.add_subcommand(
      "status", "Show the server running on a data directory (exit status 3: none)");
  status->add_option("--data", status_flags->data_dir,
                     "Its data directory (default: as for `server stop`)");
  status->callback(
      [status_flags, &server_data_dir] { ShowStatus(*status_flags, server_data_dir); });
}

}  // namespace runhook::cli
