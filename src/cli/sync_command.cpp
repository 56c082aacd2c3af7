// `runhook sync DIR... [--url URL]`: uploads runs recorded in run directories (an offline run, or
// what an online run spooled because the server was away) to a server (default: DefaultServerUrl(),
// api_client.h), then records in DIR/spool.acked how far it got.
//
// The records of DIR/spool.jsonl (sdk/spool.h) are sent in order, each as recorded: a register
// record creates the run, or resumes it (always with resume="allow"), with its metadata, config
// and hooks; `/start` is skipped when the server already has the run running; history batches keep
// their batch ids, so the server stores each once; then alerts, config changes and the final
// state. The run's events fire now, at sync time. Records already acknowledged (before
// spool.acked's offset) are not sent again, so syncing twice sends nothing the second time. A
// record the server rejects as invalid (4xx) is skipped with a warning; when the server cannot be
// reached or fails (5xx), sync stops, keeps its progress, and exits 1: run it again later.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "sdk/http_client.h"
#include "sdk/spool.h"

namespace runhook::cli {
namespace {

constexpr std::chrono::seconds kRequestTimeout{30};

struct SyncOptions {
  std::string server_url = DefaultServerUrl();
  std::vector<std::string> directories;
};

struct SyncCounts {
  size_t batches = 0;
  size_t rows = 0;
  size_t requests = 0;  // other than history
  size_t rejected = 0;
};

bool Transient(const sdk::HttpResponse& response) {
  return !response.transport_ok() || response.status == 408 || response.status == 429 ||
         response.status >= 500;
}

std::string RunPath(const Json& registration) {
  return "/api/v1/runs/" + EncodePathSegment(registration.value("entity", "local")) + "/" +
         EncodePathSegment(registration.value("project", "")) + "/" +
         EncodePathSegment(registration.value("id", ""));
}

std::string RunName(const Json& registration) {
  return registration.value("entity", "local") + "/" + registration.value("project", "") + "/" +
         registration.value("id", "");
}

// Sends one run directory's unacknowledged records. Fails (exit 1) on a transient error.
void SyncDirectory(sdk::HttpClient& client, const std::string& directory) {
  auto contents = sdk::ReadSpool(directory);
  if (!contents) Fail(contents.error().message);
  const auto& records = contents->records;
  if (records.empty() || records.front().kind != "register")
    Fail(directory + "/" + sdk::kSpoolFileName + " does not start with a register record");
  Json registration;
  std::string run_path;
  std::string run_state;  // as the server last told it; empty when not known
  SyncCounts counts;
  size_t record_number = 0;
  size_t already_synced = 0;
  for (const sdk::SpoolRecord& record : records) {
    ++record_number;
    const bool acknowledged = record.end <= contents->acked;
    if (record.kind == "register") {
      registration = Json::parse(record.body);
      run_path = RunPath(registration);
      run_state.clear();
    }
    if (acknowledged) {
      ++already_synced;
      continue;
    }
    const auto deadline = sdk::SteadyClock::now() + kRequestTimeout;
    sdk::HttpResponse response;
    if (record.kind == "register") {
      Json body = registration;
      body["resume"] = "allow";
      response = client.PostJson("/api/v1/runs", body.dump(), deadline);
      if (response.success()) {
        const Json answer = Json::parse(response.body, nullptr, false);
        if (answer.is_object() && answer.contains("run") && answer["run"].is_object())
          run_state = answer["run"].value("state", "");
      } else if (!Transient(response)) {
        Fail("the server at " + client.base_url() + " refused to create or resume run " +
             RunName(registration) + ": " + sdk::DescribeFailure(response));
      }
    } else if (record.path == "/start" && run_state == "running") {
      response.status = 200;  // already running on the server: starting again would resume it
    } else {
      response = client.Send(record.method.c_str(), run_path + record.path, record.body, deadline,
                             record.content_type);
      if (record.path == "/start" && response.success()) run_state = "running";
    }
    if (Transient(response))
      Fail("could not send record " + std::to_string(record_number) + " (" +
           (record.kind == "register" ? std::string("register") : record.path) + ") of " +
           directory + " to " + client.base_url() + ": " + sdk::DescribeFailure(response) +
           "; run `runhook sync " + directory + "` again to continue");
    if (!response.success()) {
      ++counts.rejected;
      std::fprintf(stderr, "runhook: warning: the server rejected record %zu (%s) of %s: %s\n",
                   record_number, record.path.c_str(), directory.c_str(),
                   sdk::DescribeFailure(response).c_str());
    } else if (record.path == "/history") {
      ++counts.batches;
      counts.rows += record.rows;
    } else if (record.kind == "request") {
      ++counts.requests;
    }
    if (Status written = sdk::WriteSpoolAcked(directory, record.end); !written)
      Fail(written.error().message);
  }
  if (already_synced == records.size()) {
    std::printf("runhook: %s is already synced (run %s); nothing to send\n", directory.c_str(),
                RunName(registration).c_str());
    return;
  }
  const std::string rejected =
      counts.rejected ? ", " + std::to_string(counts.rejected) + " rejected" : "";
  std::printf(
      "runhook: synced run %s from %s to %s: %zu history batches (%zu rows), %zu other "
      "requests%s\n",
      RunName(registration).c_str(), directory.c_str(), client.base_url().c_str(), counts.batches,
      counts.rows, counts.requests, rejected.c_str());
}

}  // namespace

void AddSyncCommand(CLI::App& app) {
  auto options = std::make_shared<SyncOptions>();
  CLI::App* command = app.add_subcommand(
      "sync", "Upload offline or spooled runs (their run directories) to a runhook server");
  command->add_option("directories", options->directories, "Run directories (DIR/spool.jsonl)")
      ->required();
  AddServerUrlOption(*command, options->server_url);
  command->callback([options] {
    const char* api_key = std::getenv("RUNHOOK_API_KEY");
    sdk::HttpClient client(options->server_url, api_key ? api_key : "");
    for (const std::string& directory : options->directories) SyncDirectory(client, directory);
  });
}

}  // namespace runhook::cli
