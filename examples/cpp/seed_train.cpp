// The seed's MNIST script in C++: a run with a `finished` and a `failed` webhook, a short
// simulated training loop that logs a decreasing loss, and Finish.
//
//   seed-train [--hook-url URL] [--server URL] [--steps N] [--fail]
//
// --hook-url: where the server sends the webhooks (default: the demo's `runhook listen` at
//             http://127.0.0.1:5718/hook).
// --server:   the runhook server (default: $RUNHOOK_URL, else http://127.0.0.1:5717).
// --steps:    training steps per epoch (default 300).
// --fail:     finish with exit code 1, so the run fails and the `failed` hook fires.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <runhook/runhook.h>

namespace {

struct Arguments {
  std::string hook_url = "http://127.0.0.1:5718/hook";
  std::string server_url;
  int steps_per_epoch = 300;
  bool fail = false;
};

void PrintUsage() {
  std::fprintf(stderr, "usage: seed-train [--hook-url URL] [--server URL] [--steps N] [--fail]\n");
}

bool ParseArguments(int argc, char** argv, Arguments& arguments) {
  for (int index = 1; index < argc; ++index) {
    const std::string flag = argv[index];
    const bool has_value = index + 1 < argc;
    if (flag == "--hook-url" && has_value) {
      arguments.hook_url = argv[++index];
    } else if (flag == "--server" && has_value) {
      arguments.server_url = argv[++index];
    } else if (flag == "--steps" && has_value) {
      arguments.steps_per_epoch = std::atoi(argv[++index]);
      if (arguments.steps_per_epoch <= 0) return false;
    } else if (flag == "--fail") {
      arguments.fail = true;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Arguments arguments;
  if (!ParseArguments(argc, argv, arguments)) {
    PrintUsage();
    return 2;
  }
  try {
    auto run = runhook::Init({
        .project = "webhook-demo",
        .job_type = "training",
        .config = {{"learning_rate", 0.001}, {"epochs", 3}, {"batch_size", 64}},
        .hooks =
            {
                runhook::Hook{.run_state = {"finished"},
                              .url = arguments.hook_url,
                              .method = "POST",
                              .body =
                                  R"({"event": "wandb_run_finished", "run_id": "{{run.id}}", )"
                                  R"("project": "{{run.project.name}}", "run_url": "{{run.url}}"})",
                              .name = "notify-finished"},
                runhook::Hook{.run_state = {"failed"},
                              .url = arguments.hook_url,
                              .method = "POST",
                              .body =
                                  R"({"event": "wandb_run_failed", "run_id": "{{run.id}}", )"
                                  R"("project": "{{run.project.name}}", )"
                                  R"("exit_code": {{run.exit_code}}, "run_url": "{{run.url}}"})",
                              .name = "notify-failed"},
            },
        .server_url = arguments.server_url,
    });

    const int epochs = run.Config()["epochs"].get<int>();
    const int steps = arguments.steps_per_epoch;
    for (int epoch = 0; epoch < epochs; ++epoch) {
      for (int step = 0; step < steps; ++step) {
        // A loss that falls like a small MLP's on MNIST, with a little deterministic noise.
        const double progress = static_cast<double>(epoch * steps + step) / (epochs * steps);
        const double loss = 2.3 * std::exp(-4.0 * progress) + 0.05 + 0.02 * std::sin(step * 0.7);
        run.Log({{"loss", loss}, {"epoch", epoch}});
        if ((step + 1) % 100 == 0)
          std::printf("Epoch [%d/%d], Step [%d/%d], Loss: %.4f\n", epoch + 1, epochs, step + 1,
                      steps, loss);
      }
    }
    run.Log({{"accuracy", 0.9712}});
    std::fflush(stdout);
    // Finish returns once the server has recorded the final state; the webhook is the server's
    // job from then on, so this stays fast even when the receiver is down.
    const auto finish_start = std::chrono::steady_clock::now();
    run.Finish(arguments.fail ? 1 : 0);
    const std::chrono::duration<double, std::milli> finish_time =
        std::chrono::steady_clock::now() - finish_start;
    std::printf("seed-train: finish took %.1f ms\n", finish_time.count());
  } catch (const runhook::Error& error) {
    std::fprintf(stderr, "seed-train: %s\n", error.what());
    return 1;
  }
  return arguments.fail ? 1 : 0;
}
