// finish_latency: the time from a run's Finish() returning to its webhook reaching the receiver,
// measured through the C++ SDK against a real `runhook server` (bench/delivery_bench.py).
//
//   finish_latency --server URL --receiver URL [--runs N]
//
// For each of N runs, one after another: Init with one hook on `finished` that POSTs to
// RECEIVER/latency/{{ run.id }}, Log one row, Finish(). Prints one line per run, "RUN_ID NS",
// where NS is the steady clock (CLOCK_MONOTONIC) in nanoseconds just after Finish returned;
// delivery_receiver keeps its receipt time of /latency/RUN_ID on the same clock, so the
// difference is the latency (negative when the webhook arrived before Finish returned).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "runhook/runhook.h"

int main(int argc, char** argv) {
  std::string server_url;
  std::string receiver_url;
  int runs = 500;
  for (int index = 1; index + 1 < argc; index += 2) {
    if (std::strcmp(argv[index], "--server") == 0) {
      server_url = argv[index + 1];
    } else if (std::strcmp(argv[index], "--receiver") == 0) {
      receiver_url = argv[index + 1];
    } else if (std::strcmp(argv[index], "--runs") == 0) {
      runs = std::atoi(argv[index + 1]);
    } else {
      std::fprintf(stderr, "finish_latency: unknown option '%s'\n", argv[index]);
      return 2;
    }
  }
  if (server_url.empty() || receiver_url.empty()) {
    std::fprintf(stderr, "usage: finish_latency --server URL --receiver URL [--runs N]\n");
    return 2;
  }
  for (int index = 0; index < runs; ++index) {
    runhook::Run run = runhook::Init(
        {.project = "finish-latency",
         .hooks = {runhook::Hook{.run_state = {"finished"},
                                 .url = receiver_url + "/latency/{{ run.id }}",
                                 .body = R"({"run_id": "{{ run.id }}", "url": "{{ run.url }}"})"}},
         .server_url = server_url,
         .quiet = true});
    run.Log({{"loss", 1.0 / (index + 1)}});
    run.Finish();
    const auto finished = std::chrono::steady_clock::now();
    std::printf("%s %lld\n", run.Id().c_str(),
                static_cast<long long>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                           finished.time_since_epoch())
                                           .count()));
  }
  return 0;
}
