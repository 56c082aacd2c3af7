// A training program that ends its run in one chosen way, for tests/e2e/test_sdk_lifecycle.py.
//
//   lifecycle-probe MODE --hook-url URL [--id ID] [--resume allow|must|never] [--steps N]
//
// The server is $RUNHOOK_URL. Every mode declares one hook for finished and failed whose body
// is plain text showing the event, the exit code, the failure reason and the error, and (mode
// alert) one for alerts. MODE:
//   no-finish  logs and returns from main without Finish          -> finished, exit status 0
//   finish3    logs and calls Finish(3), returns 3                -> failed/exit_code 3
//   throw      throws probe::DivergedError from the training loop; main catches it after the
//              Run was destroyed during unwinding, returns 1      -> failed/exception
//   terminate  throws the same and nobody catches it              -> failed/exception, SIGABRT
//   sigterm    prints "training" and logs until a signal ends it  -> failed/killed, by the signal
//   segv       raises SIGSEGV after logging                       -> failed/crashed, by SIGSEGV
//   alert      sends one alert, then finishes                     -> alert, finished
//   log        logs --steps steps and finishes (with --id/--resume: resume tests)
// Exit status 2 and a message on stderr for bad arguments or a runhook::Error from Init.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include <runhook/runhook.h>

namespace probe {

class DivergedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Arguments {
  std::string mode;
  std::string hook_url;
  std::string id;
  std::string resume;
  int steps = 5;
};

constexpr const char* kEndBody =
    "event={{ event.type }} run={{ run.id }} state={{ run.state }} "
    "exit_code={{ run.exit_code }} reason={{ run.failure_reason }} "
    "error_type={{ run.error.type }} error_message={{ run.error.message }}";
constexpr const char* kAlertBody =
    "event={{ event.type }} run={{ run.id }} title={{ alert.title }} level={{ alert.level }} "
    "text={{ alert.text }}";

bool Parse(int argc, char** argv, Arguments& arguments) {
  if (argc < 2) return false;
  arguments.mode = argv[1];
  for (int index = 2; index + 1 < argc; index += 2) {
    const std::string flag = argv[index], value = argv[index + 1];
    if (flag == "--hook-url") {
      arguments.hook_url = value;
    } else if (flag == "--id") {
      arguments.id = value;
    } else if (flag == "--resume") {
      arguments.resume = value;
    } else if (flag == "--steps") {
      arguments.steps = std::atoi(value.c_str());
    } else {
      return false;
    }
  }
  return (argc % 2) == 0 && !arguments.hook_url.empty();
}

runhook::Run Start(const Arguments& arguments) {
  std::vector<runhook::Hook> hooks = {runhook::Hook{.run_state = {"finished", "failed"},
                                                    .url = arguments.hook_url,
                                                    .body = kEndBody,
                                                    .name = "ended"}};
  if (arguments.mode == "alert")
    hooks.push_back(runhook::Hook{
        .run_state = {"alert"}, .url = arguments.hook_url, .body = kAlertBody, .name = "alerted"});
  return runhook::Init({.project = "lifecycle",
                        .id = arguments.id,
                        .resume = arguments.resume,
                        .config = {{"mode", arguments.mode}},
                        .hooks = hooks});
}

void Train(const Arguments& arguments) {
  auto run = Start(arguments);
  for (int step = 0; step < arguments.steps; ++step) {
    run.Log({{"loss", 1.0 / (step + 1)}});
    if (arguments.mode == "throw" || arguments.mode == "terminate") {
      if (step == 2) throw DivergedError("loss is NaN at step 2");
    }
  }
  if (arguments.mode == "finish3") {
    run.Finish(3);
  } else if (arguments.mode == "alert") {
    run.Alert("loss diverged", "at step 2", runhook::AlertLevel::kWarn);
    run.Finish();
  } else if (arguments.mode == "sigterm") {
    std::printf("training\n");
    std::fflush(stdout);
    for (int step = arguments.steps;; ++step) {
      run.Log({{"loss", 1.0 / (step + 1)}});
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // a training step's work
    }
  } else if (arguments.mode == "segv") {
    std::raise(SIGSEGV);
  } else if (arguments.mode == "log") {
    run.Finish();
  }
  // no-finish: the destructor finishes the run.
}

}  // namespace probe

int main(int argc, char** argv) {
  probe::Arguments arguments;
  if (!probe::Parse(argc, argv, arguments)) {
    std::fprintf(stderr,
                 "usage: lifecycle-probe MODE --hook-url URL [--id ID] [--resume MODE] "
                 "[--steps N]\n");
    return 2;
  }
  if (arguments.mode == "terminate") {
    probe::Train(arguments);  // the exception escapes main: std::terminate
    return 0;
  }
  try {
    probe::Train(arguments);
  } catch (const probe::DivergedError& error) {
    std::fprintf(stderr, "caught: %s\n", error.what());
    return 1;
  } catch (const runhook::Error& error) {
    std::fprintf(stderr, "runhook error: %s\n", error.what());
    return 2;
  }
  return arguments.mode == "finish3" ? 3 : 0;
}
