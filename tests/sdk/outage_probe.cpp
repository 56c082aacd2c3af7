// A training program for tests/e2e/test_outages.py (mode from $RUNHOOK_MODE, server from
// $RUNHOOK_URL, run directory under $RUNHOOK_DIR):
//
//   outage-probe continuous --hook-url URL --id ID --stop-file F --latencies F
//       logs {"loss", "step_value"} about every 0.5 ms until file F exists, then finishes;
//       writes one line per Log call to the latencies file: "<unix time ns> <Log duration ns>".
//   outage-probe script --hook-url URL --id ID [--steps N] [--exit-code C]
//       a fixed run: config, hooks (ended: finished/failed; alerted: alert), N rows, an alert,
//       then Finish(C); prints "config=<json>" and "summary=<json>" as Run answers them locally.
//
// Both print "logged N steps" before finishing. Exit status 2 and a message on stderr for bad
// arguments or a runhook::Error from Init; else the exit code given (0 by default).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <runhook/runhook.h>

namespace {

struct Arguments {
  std::string mode;
  std::string hook_url;
  std::string id;
  std::string stop_file;
  std::string latencies_file;
  int steps = 20;
  int exit_code = 0;
};

constexpr const char* kEndBody =
    "event={{ event.type }} run={{ run.id }} state={{ run.state }} "
    "exit_code={{ run.exit_code }} rows={{ run.summary.step_value }}";
constexpr const char* kAlertBody =
    "event={{ event.type }} run={{ run.id }} title={{ alert.title }}";

bool Parse(int argc, char** argv, Arguments& arguments) {
  if (argc < 2 || argc % 2 != 0) return false;
  arguments.mode = argv[1];
  for (int index = 2; index + 1 < argc; index += 2) {
    const std::string flag = argv[index], value = argv[index + 1];
    if (flag == "--hook-url")
      arguments.hook_url = value;
    else if (flag == "--id")
      arguments.id = value;
    else if (flag == "--stop-file")
      arguments.stop_file = value;
    else if (flag == "--latencies")
      arguments.latencies_file = value;
    else if (flag == "--steps")
      arguments.steps = std::atoi(value.c_str());
    else if (flag == "--exit-code")
      arguments.exit_code = std::atoi(value.c_str());
    else
      return false;
  }
  if (arguments.mode == "continuous")
    return !arguments.stop_file.empty() && !arguments.latencies_file.empty();
  return arguments.mode == "script";
}

runhook::Run Start(const Arguments& arguments) {
  return runhook::Init(
      {.project = "outages",
       .id = arguments.id,
       .job_type = "probe",
       .tags = {"e2e"},
       .config = {{"learning_rate", 0.01}, {"layers", {64, 32}}, {"optimizer", "adam"}},
       .hooks = {runhook::Hook{.run_state = {"finished", "failed"},
                               .url = arguments.hook_url,
                               .body = kEndBody,
                               .name = "ended"},
                 runhook::Hook{.run_state = {"alert"},
                               .url = arguments.hook_url,
                               .body = kAlertBody,
                               .name = "alerted"}},
       .finish_timeout = std::chrono::seconds(20)});
}

int Continuous(const Arguments& arguments) {
  auto run = Start(arguments);
  struct Sample {
    int64_t at_ns;
    int64_t duration_ns;
  };
  std::vector<Sample> samples;
  samples.reserve(1 << 20);
  int64_t step = 0;
  while (!std::filesystem::exists(arguments.stop_file)) {
    for (int inner = 0; inner < 20; ++inner, ++step) {
      const auto before = std::chrono::steady_clock::now();
      run.Log({{"loss", 1.0 / static_cast<double>(step + 1)}, {"step_value", step}});
      const auto after = std::chrono::steady_clock::now();
      const int64_t at = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
      samples.push_back(
          {at, std::chrono::duration_cast<std::chrono::nanoseconds>(after - before).count()});
      // Pacing of the simulated training step (work between two Log calls).
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }
  std::printf("logged %lld steps\n", static_cast<long long>(step));
  std::fflush(stdout);
  run.Finish(arguments.exit_code);
  std::ofstream out(arguments.latencies_file);
  for (const Sample& sample : samples) out << sample.at_ns << ' ' << sample.duration_ns << '\n';
  return arguments.exit_code;
}

int Script(const Arguments& arguments) {
  auto run = Start(arguments);
  for (int step = 0; step < arguments.steps; ++step) {
    run.Log({{"loss", 1.0 / (step + 1)}, {"step_value", step}, {"phase", "train"}});
    if (step == arguments.steps / 2) run.Alert("halfway", "half of the steps are done");
  }
  std::printf("config=%s\nsummary=%s\nlogged %d steps\n", run.Config().dump().c_str(),
              run.Summary().dump().c_str(), arguments.steps);
  std::fflush(stdout);
  run.Finish(arguments.exit_code);
  return arguments.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  Arguments arguments;
  if (!Parse(argc, argv, arguments)) {
    std::fprintf(stderr,
                 "usage: outage-probe continuous|script --hook-url URL [--id ID] [--stop-file F "
                 "--latencies F] [--steps N] [--exit-code C]\n");
    return 2;
  }
  try {
    return arguments.mode == "continuous" ? Continuous(arguments) : Script(arguments);
  } catch (const runhook::Error& error) {
    std::fprintf(stderr, "outage-probe: %s\n", error.what());
    return 2;
  }
}
