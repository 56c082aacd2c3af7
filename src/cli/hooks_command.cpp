// `runhook hooks test --run RUN --hook NAME [--no-wait] [--wait SECONDS] [--json]`: renders a
// hook of a stored run against the run as it stands now (event type "test") and sends it once,
// as a delivery marked test. By default it waits (at most --wait seconds) for the attempt and
// prints its outcome; the exit status is 0 only when the receiver answered 2xx (or, with
// --no-wait, when the test delivery was queued).
//
// RUN is ENTITY/PROJECT/ID, PROJECT/ID, or a bare ID whose entity and project are looked up in
// the run's deliveries (when it has none, give the full form).
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "cli/api_client.h"
#include "cli/commands.h"

namespace runhook::cli {
namespace {

struct HooksTestOptions {
  std::string server_url = DefaultServerUrl();
  std::string run;
  std::string hook;
  bool no_wait = false;
  double wait_seconds = 30;
  bool json = false;
};

constexpr std::chrono::milliseconds kPollInterval{100};

// Fills in the entity and project of a bare run id from its deliveries.
RunReference ResolveRun(ApiClient& client, const std::string& text) {
  RunReference run = ParseRunReference(text);
  if (!run.project.empty()) return run;
  Json answer = client.Get("/api/v1/deliveries?limit=1000&run=" + EncodePathSegment(run.id));
  std::set<std::pair<std::string, std::string>> places;
  for (const Json& delivery : answer["deliveries"])
    places.emplace(delivery.value("entity", ""), delivery.value("project", ""));
  if (places.empty())
    Fail("cannot tell which project run '" + run.id +
         "' belongs to (it has no deliveries yet); give --run ENTITY/PROJECT/ID");
  if (places.size() > 1)
    Fail("run id '" + run.id + "' exists in several projects; give --run ENTITY/PROJECT/ID");
  run.entity = places.begin()->first;
  run.project = places.begin()->second;
  return run;
}

void TestHook(const HooksTestOptions& options) {
  ApiClient client(options.server_url);
  const RunReference run = ResolveRun(client, options.run);
  Json answer = client.Post("/api/v1/runs/" + EncodePathSegment(run.entity) + "/" +
                            EncodePathSegment(run.project) + "/" + EncodePathSegment(run.id) +
                            "/hooks/" + EncodePathSegment(options.hook) + "/test");
  Json delivery = answer["delivery"];
  const std::string id = std::to_string(delivery.value("id", int64_t{0}));
  if (!options.json)
    std::cout << "test delivery " << id << " of hook '" << options.hook << "' queued (webhook-id "
              << delivery.value("webhook_id", "") << ")" << std::endl;
  if (!options.no_wait) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(options.wait_seconds));
    while (delivery.value("state", "") == "pending" &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(kPollInterval);  // polling a remote state, with a deadline
      delivery = client.Get("/api/v1/deliveries/" + id)["delivery"];
    }
  }
  if (options.json) std::cout << delivery.dump(2) << std::endl;
  const std::string state = delivery.value("state", "");
  if (options.no_wait && state == "pending") return;
  const Json& attempts = delivery["attempts"];
  if (!options.json) {
    std::cout << "state: " << state;
    if (!attempts.empty()) {
      const Json& last = attempts.back();
      if (!last["status_code"].is_null()) std::cout << ", status " << last["status_code"].dump();
      if (last["latency_ms"].is_number())
        std::cout << ", " << last["latency_ms"].get<double>() << " ms";
    }
    if (!delivery["error"].is_null())
      std::cout << ", error: " << delivery["error"].get<std::string>();
    std::cout << std::endl;
  }
  if (state != "delivered") {
    if (state == "pending")
      Fail("test delivery " + id + " was not attempted within " +
           std::to_string(options.wait_seconds) + " s");
    Fail("test delivery " + id + " was not delivered");
  }
}

}  // namespace

void AddHooksCommand(CLI::App& app) {
  CLI::App* hooks = app.add_subcommand("hooks", "Work with a run's hooks");
  hooks->require_subcommand(1);
  auto options = std::make_shared<HooksTestOptions>();
  CLI::App* test = hooks->add_subcommand(
      "test", "Render a hook against a stored run and send it once, marked as a test");
  test->add_option("--run", options->run, "The run: ENTITY/PROJECT/ID, PROJECT/ID or ID")
      ->required();
  test->add_option("--hook", options->hook, "The hook's name")->required();
  test->add_flag("--no-wait", options->no_wait, "Queue the test delivery and return");
  test->add_option("--wait", options->wait_seconds, "Wait at most this many seconds for it")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  test->add_flag("--json", options->json, "Print the delivery's JSON");
  AddServerUrlOption(*test, options->server_url);
  test->callback([options] { TestHook(*options); });
}

}  // namespace runhook::cli
