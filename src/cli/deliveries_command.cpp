// `runhook deliveries` and `runhook redeliver`: the delivery log of a server.
//
//   runhook deliveries list [--run RUN] [--hook NAME] [--state pending|delivered|failed|dead]
//                           [--limit N] [--json]
//   runhook deliveries show ID [--json]    the delivery and every attempt
//   runhook redeliver ID                   one more attempt, same body and webhook-id
//
// RUN is ID, PROJECT/ID or ENTITY/PROJECT/ID. Each takes --server URL. Readable tables by
// default; --json prints the API's JSON. Secret values are masked by the server.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/text_table.h"

namespace runhook::cli {
namespace {

struct DeliveriesOptions {
  std::string server_url = DefaultServerUrl();
  std::string run;
  std::string hook;
  std::string state;
  int limit = 100;
  bool json = false;
  std::string id;
};

std::string Text(const Json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

// The status or the error of a delivery's last attempt, shortened for a table cell.
std::string LastOutcome(const Json& delivery) {
  const Json& attempts = delivery["attempts"];
  std::string outcome;
  if (!attempts.empty()) {
    const Json& last = attempts.back();
    outcome = last["status_code"].is_null() ? Text(last["error"]) : Text(last["status_code"]);
  } else if (!delivery["error"].is_null()) {
    outcome = Text(delivery["error"]);
  } else {
    return "-";
  }
  constexpr size_t kCell = 40;
  return outcome.size() > kCell ? outcome.substr(0, kCell - 3) + "..." : outcome;
}

std::string RunOf(const Json& delivery) {
  return Text(delivery["entity"]) + "/" + Text(delivery["project"]) + "/" +
         Text(delivery["run_id"]);
}

std::string FormatLatency(const Json& latency_ms) {
  if (!latency_ms.is_number()) return "-";
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f ms", latency_ms.get<double>());
  return text;
}

void ListDeliveries(const DeliveriesOptions& options) {
  std::string query = "?limit=" + std::to_string(options.limit);
  if (!options.run.empty()) {
    RunReference run = ParseRunReference(options.run);
    if (!run.entity.empty()) query += "&entity=" + EncodePathSegment(run.entity);
    if (!run.project.empty()) query += "&project=" + EncodePathSegment(run.project);
    query += "&run=" + EncodePathSegment(run.id);
  }
  if (!options.hook.empty()) query += "&hook=" + EncodePathSegment(options.hook);
  if (!options.state.empty()) query += "&state=" + EncodePathSegment(options.state);
  Json answer = ApiClient(options.server_url).Get("/api/v1/deliveries" + query);
  if (options.json) {
    std::cout << answer["deliveries"].dump(2) << std::endl;
    return;
  }
  if (answer["deliveries"].empty()) {
    std::cout << "no deliveries" << std::endl;
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "STATE", "EVENT", "HOOK", "RUN", "ATTEMPTS", "LAST", "CREATED"}};
  for (const Json& delivery : answer["deliveries"]) {
    rows.push_back({Text(delivery["id"]), Text(delivery["state"]),
                    Text(delivery["event"]) + (delivery.value("test", false) ? " (test)" : ""),
                    Text(delivery["hook"]), RunOf(delivery),
                    Text(delivery["attempt_count"]) + "/" + Text(delivery["max_attempts"]),
                    LastOutcome(delivery), Text(delivery["created_at"])});
  }
  std::cout << FormatTable(rows);
}

// The delivery and its attempts, readably.
void PrintDelivery(const Json& delivery) {
  std::cout << "delivery " << Text(delivery["id"]) << "  " << Text(delivery["state"])
            << (delivery.value("test", false) ? "  (test)" : "") << "\n"
            << "webhook-id: " << Text(delivery["webhook_id"]) << "\n"
            << "run:        " << RunOf(delivery) << "\n"
            << "event:      " << Text(delivery["event"]) << "\n"
            << "hook:       " << Text(delivery["hook"]) << "\n"
            << "created:    " << Text(delivery["created_at"]) << "\n"
            << "attempts:   " << Text(delivery["attempt_count"]) << " of "
            << Text(delivery["max_attempts"]) << "\n";
  if (!delivery["next_attempt_at"].is_null())
    std::cout << "next:       " << Text(delivery["next_attempt_at"]) << "\n";
  if (!delivery["error"].is_null()) std::cout << "error:      " << Text(delivery["error"]) << "\n";
  if (!delivery["undefined"].empty())
    std::cout << "undefined:  " << delivery["undefined"].dump() << "\n";
  std::cout << "\n" << Text(delivery["method"]) << " " << Text(delivery["url"]) << "\n";
  for (const auto& [name, value] : delivery["headers"].items())
    std::cout << name << ": " << Text(value) << "\n";
  if (!Text(delivery["body"]).empty()) std::cout << "\n" << Text(delivery["body"]) << "\n";
  std::cout << "\n";
  if (delivery["attempts"].empty()) {
    std::cout << "no attempts yet" << std::endl;
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"#", "STARTED", "STATUS", "LATENCY", "ERROR"}};
  for (const Json& attempt : delivery["attempts"])
    rows.push_back({Text(attempt["number"]), Text(attempt["started_at"]),
                    Text(attempt["status_code"]), FormatLatency(attempt["latency_ms"]),
                    Text(attempt["error"])});
  std::cout << FormatTable(rows) << std::flush;
}

void ShowDelivery(const DeliveriesOptions& options) {
  Json answer =
      ApiClient(options.server_url).Get("/api/v1/deliveries/" + EncodePathSegment(options.id));
  if (options.json) {
    std::cout << answer["delivery"].dump(2) << std::endl;
    return;
  }
  PrintDelivery(answer["delivery"]);
}

void Redeliver(const DeliveriesOptions& options) {
  Json answer = ApiClient(options.server_url)
                    .Post("/api/v1/deliveries/" + EncodePathSegment(options.id) + "/redeliver");
  const Json& delivery = answer["delivery"];
  if (options.json) {
    std::cout << delivery.dump(2) << std::endl;
    return;
  }
  std::cout << "delivery " << Text(delivery["id"]) << " is " << Text(delivery["state"])
            << " again: attempt " << delivery.value("attempt_count", 0) + 1
            << " will be sent with webhook-id " << Text(delivery["webhook_id"]) << std::endl;
}

}  // namespace

void AddDeliveriesCommand(CLI::App& app) {
  CLI::App* deliveries = app.add_subcommand("deliveries", "Show the server's webhook deliveries");
  deliveries->require_subcommand(1);

  auto list_options = std::make_shared<DeliveriesOptions>();
  CLI::App* list = deliveries->add_subcommand("list", "List deliveries, newest first");
  list->add_option("--run", list_options->run,
                   "Only this run: ID, PROJECT/ID or ENTITY/PROJECT/ID");
  list->add_option("--hook", list_options->hook, "Only this hook's deliveries");
  list->add_option("--state", list_options->state, "Only deliveries in this state")
      ->check(CLI::IsMember({"pending", "delivered", "failed", "dead"}));
  list->add_option("--limit", list_options->limit, "At most this many")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  list->add_flag("--json", list_options->json, "Print the API's JSON");
  AddServerUrlOption(*list, list_options->server_url);
  list->callback([list_options] { ListDeliveries(*list_options); });

  auto show_options = std::make_shared<DeliveriesOptions>();
  CLI::App* show = deliveries->add_subcommand("show", "Show one delivery and all its attempts");
  show->add_option("ID", show_options->id, "Delivery id")->required();
  show->add_flag("--json", show_options->json, "Print the API's JSON");
  AddServerUrlOption(*show, show_options->server_url);
  show->callback([show_options] { ShowDelivery(*show_options); });
}

void AddRedeliverCommand(CLI::App& app) {
  auto options = std::make_shared<DeliveriesOptions>();
  CLI::App* command = app.add_subcommand(
      "redeliver", "Send a delivery again: one more attempt, same body and webhook-id");
  command->add_option("ID", options->id, "Delivery id")->required();
  command->add_flag("--json", options->json, "Print the API's JSON");
  AddServerUrlOption(*command, options->server_url);
  command->callback([options] { Redeliver(*options); });
}

}  // namespace runhook::cli
