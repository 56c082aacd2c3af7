#include "sdk/failure_handlers.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/thread_name.h"
#include "sdk/crash_report.h"
#include "sdk/exception_capture.h"
#include "sdk/run_state.h"
#include "sdk/timed_mutex.h"

namespace runhook::sdk {
namespace {

constexpr int kStopSignals[] = {SIGINT, SIGTERM};
constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
// How long a handler waits for WatchRun/UnwatchRun on another thread (they never block long).
constexpr std::chrono::seconds kRegistryWait{5};

struct Registry {
  TimedMutex mutex;
  std::vector<detail::RunState*> runs;  // guarded by mutex
};

// Never destroyed: handlers may run while static objects are being destroyed at exit.
Registry& TheRegistry() {
  static Registry* registry = new Registry;
  return *registry;
}

// Written before the SDK's handler for that signal is installed, read-only afterwards.
struct sigaction previous_actions[NSIG];
int signal_pipe[2] = {-1, -1};
std::atomic<int> stop_signal_received{0};
std::terminate_handler previous_terminate = nullptr;
std::once_flag install_once;
// The process the runs belong to. A child made by fork() inherits the handlers and the pipe but
// not the runs: its signals must not report (or kill) the parent's runs.
pid_t owner_pid = 0;

// Async-signal-safe: gives the signal to whatever handled it before the SDK.
void PassOn(int signal_number) {
  sigaction(signal_number, &previous_actions[signal_number], nullptr);
  raise(signal_number);
}

void OnStopSignal(int signal_number) {
  const int saved_errno = errno;
  int expected = 0;
  if (getpid() != owner_pid) {
    PassOn(signal_number);
  } else if (!stop_signal_received.compare_exchange_strong(expected, signal_number)) {
    PassOn(signal_number);  // a second signal: do not wait for the report
  } else {
    const auto byte = static_cast<unsigned char>(signal_number);
    if (write(signal_pipe[1], &byte, 1) != 1) PassOn(signal_number);
  }
  errno = saved_errno;
}

void OnFatalSignal(int signal_number) {
  if (getpid() == owner_pid) SendCrashReports(signal_number);
  PassOn(signal_number);  // delivered when this handler returns (the signal is blocked in it)
}

const char* StopSignalName(int signal_number) {
  return signal_number == SIGINT ? "SIGINT" : signal_number == SIGTERM ? "SIGTERM" : "signal";
}

// Finishes every watched run with `report`, holding the registry so that UnwatchRun waits.
void FinishWatchedRuns(const detail::FinishReport& report) {
  Registry& registry = TheRegistry();
  std::unique_lock lock(registry.mutex, std::defer_lock);
  if (!lock.try_lock_for(kRegistryWait)) return;
  for (detail::RunState* run : registry.runs) detail::FinishRun(*run, report);
}

void WatchStopSignals() {
  core::NameCurrentThread("runhook-signals");
  while (true) {
    unsigned char byte = 0;
    const ssize_t count = read(signal_pipe[0], &byte, 1);
    if (count < 0 && errno == EINTR) continue;
    if (count != 1) return;
    const int signal_number = byte;
    const std::string name = StopSignalName(signal_number);
    FinishWatchedRuns(detail::FinishReport{
        .exit_code = 128 + signal_number,
        .reason = "killed",
        .error = Json{{"type", name},
                      {"message", "the process received " + name + " (signal " +
                                      std::to_string(signal_number) + ")"}}});
    PassOn(signal_number);
    // Reached only when the previous action was a handler that returned: it owns the signal now.
  }
}

[[noreturn]] void OnTerminate() {
  Json error = Json{{"type", "std::terminate"},
                    {"message", "std::terminate was called without an active exception"}};
  if (auto exception = CurrentException())
    error = Json{{"type", exception->type}, {"message", exception->message}};
  FinishWatchedRuns(detail::FinishReport{.exit_code = 1, .reason = "exception", .error = error});
  if (previous_terminate != nullptr) previous_terminate();
  std::abort();
}

// Installs `handler` for `signal_number` unless the signal is ignored.
void InstallSignalHandler(int signal_number, void (*handler)(int)) {
  struct sigaction current {};
  if (sigaction(signal_number, nullptr, &current) != 0) return;
  if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_IGN) return;
  previous_actions[signal_number] = current;
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(signal_number, &action, nullptr);
}

void InstallHandlers() {
  owner_pid = getpid();
  previous_terminate = std::set_terminate(OnTerminate);
  if (pipe2(signal_pipe, O_CLOEXEC) == 0) {
    fcntl(signal_pipe[1], F_SETFL, fcntl(signal_pipe[1], F_GETFL) | O_NONBLOCK);
    std::thread(WatchStopSignals).detach();
    for (int signal_number : kStopSignals) InstallSignalHandler(signal_number, OnStopSignal);
  }
  for (int signal_number : kFatalSignals) InstallSignalHandler(signal_number, OnFatalSignal);
}

}  // namespace

void WatchRun(detail::RunState& run) {
  std::call_once(install_once, InstallHandlers);
  Registry& registry = TheRegistry();
  std::lock_guard lock(registry.mutex);
  registry.runs.push_back(&run);
}

void UnwatchRun(detail::RunState& run) {
  Registry& registry = TheRegistry();
  std::lock_guard lock(registry.mutex);
  std::erase(registry.runs, &run);
}

}  // namespace runhook::sdk
