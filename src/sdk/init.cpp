// runhook::Init: defaults, hook validation, registration with the server, the shipping thread.
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "core/hook.h"
#include "core/ids.h"
#include "core/server_files.h"
#include "sdk/crash_report.h"
#include "sdk/failure_handlers.h"
#include "sdk/hook_validation.h"
#include "sdk/init_modes.h"
#include "sdk/local_server.h"
#include "sdk/run_state.h"

namespace runhook {
namespace {

constexpr std::chrono::seconds kRegisterTimeout{15};
constexpr size_t kBatchRows = 1000;

std::string Environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

std::string OsUserName() {
  if (const passwd* entry = getpwuid(geteuid()); entry && entry->pw_name && *entry->pw_name)
    return entry->pw_name;
  return "";
}

std::string HostName() {
  char host[256] = "";
  if (gethostname(host, sizeof host - 1) != 0) return "";
  return host;
}

std::string FirstNonEmpty(std::initializer_list<std::string> candidates) {
  for (const auto& candidate : candidates)
    if (!candidate.empty()) return candidate;
  return "";
}

// Fills in the defaults of Options (entity, server URL, id, name) and checks the names.
void ApplyDefaults(Options& options) {
  options.entity =
      FirstNonEmpty({options.entity, Environment("RUNHOOK_ENTITY"), OsUserName(), "local"});
  options.server_url = FirstNonEmpty(
      {options.server_url, Environment("RUNHOOK_URL"), core::DefaultLocalServerUrl()});
  if (!options.resume.empty() && options.resume != "never" && options.resume != "allow" &&
      options.resume != "must")
    throw Error("resume '" + options.resume + "' is not one of allow, must, never");
  if (options.resume == "must" && options.id.empty())
    throw Error("resume=\"must\" needs Options::id: the id of the run to resume");
  if (options.id.empty()) options.id = core::GenerateRunId();
  if (options.name.empty()) options.name = core::GenerateRunName();
  if (!core::IsValidSlug(options.entity))
    throw Error("entity '" + options.entity +
                "' is not a valid name (1 to 128 of A-Z a-z 0-9 _ . -, not starting with '.')");
  if (!core::IsValidSlug(options.project))
    throw Error("project '" + options.project +
                "' is not a valid name (1 to 128 of A-Z a-z 0-9 _ . -, not starting with '.')");
  if (!core::IsValidRunId(options.id))
    throw Error("run id '" + options.id + "' is not valid (1 to 64 of A-Z a-z 0-9 _ -)");
}

Json RegistrationBody(const Options& options, const std::vector<core::HookSpec>& hooks) {
  Json hook_list = Json::array();
  for (const auto& hook : hooks) hook_list.push_back(core::HookToJson(hook));
  Json body{{"entity", options.entity}, {"project", options.project},   {"id", options.id},
            {"name", options.name},     {"job_type", options.job_type}, {"group", options.group},
            {"tags", options.tags},     {"notes", options.notes},       {"host", HostName()},
            {"config", options.config}, {"hooks", std::move(hook_list)}};
  if (!options.resume.empty()) body["resume"] = options.resume;
  return body;
}

// POSTs `body` and returns the parsed response; throws Error naming the server and its message.
Json PostOrThrow(sdk::HttpClient& client, const std::string& path, const Json& body,
                 const std::string& what) {
  const auto deadline = sdk::SteadyClock::now() + kRegisterTimeout;
  const sdk::HttpResponse response =
      client.PostJson(path, body.dump(-1, ' ', false, Json::error_handler_t::replace), deadline);
  if (!response.transport_ok())
    throw Error("cannot reach the runhook server at " + client.base_url() + " to " + what + ": " +
                response.error + " (start one with `runhook server`, or set RUNHOOK_URL)");
  if (!response.success())
    throw Error("the runhook server at " + client.base_url() + " refused to " + what + ": " +
                sdk::DescribeFailure(response));
  return Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

Run Init(Options options) {
  auto hooks = sdk::ValidateHooks(options.hooks);
  if (!hooks) throw Error(hooks.error().message);
  // Nothing configured: the local server at the default address, started if absent.
  const bool use_local_server = options.server_url.empty() && Environment("RUNHOOK_URL").empty();
  ApplyDefaults(options);

  auto state = std::make_unique<detail::RunState>(kBatchRows);
  state->id = options.id;
  state->name = options.name;
  state->entity = options.entity;
  state->project = options.project;
  state->config = options.config;
  state->finish_timeout = options.finish_timeout;
  state->run_path = "/api/v1/runs/" + options.entity + "/" + options.project + "/" + options.id;
  state->mode = detail::ResolveMode(options.mode);
  if (state->mode != "online") {  // offline or disabled: no server is contacted
    detail::StartLocalRun(*state, RegistrationBody(options, *hooks), options.quiet);
    return Run(std::move(state));
  }

  if (use_local_server) options.server_url = sdk::EnsureLocalServer({.quiet = options.quiet});
  auto client =
      std::make_unique<sdk::HttpClient>(options.server_url, Environment("RUNHOOK_API_KEY"));
  state->server_url = client->base_url();
  const std::string what = options.resume.empty() || options.resume == "never"
                               ? "create run '" + options.id + "'"
                               : "resume run '" + options.entity + "/" + options.project + "/" +
                                     options.id + "' (resume=\"" + options.resume + "\")";
  const Json created =
      PostOrThrow(*client, "/api/v1/runs", RegistrationBody(options, *hooks), what);
  const Json& run_json = created.is_object() && created.contains("run") ? created["run"] : Json();
  if (run_json.is_object()) {
    if (run_json.contains("name") && run_json["name"].is_string())
      state->name = run_json["name"].get<std::string>();
    if (run_json.contains("url") && run_json["url"].is_string())
      state->url = run_json["url"].get<std::string>();
    const bool resumed = created.contains("resumed") && created["resumed"] == true;
    if (resumed && run_json.contains("last_step") && run_json["last_step"].is_number_integer())
      state->buffer.StartAfterStep(run_json["last_step"].get<int64_t>());
  }
  if (state->url.empty())
    state->url =
        state->server_url + "/" + state->entity + "/" + state->project + "/runs/" + state->id;
  PostOrThrow(*client, state->run_path + "/start", Json::object(),
              "start run '" + options.id + "'");

  state->shipper = std::make_unique<sdk::Shipper>(
      state->buffer, std::move(client), state->run_path, sdk::ShipperOptions{},
      detail::OpenSpool(*state, RegistrationBody(options, *hooks),
                        /*registered=*/true));
  state->shipper->Start();
  state->uncaught_exceptions_at_init = std::uncaught_exceptions();
  state->crash_slot = sdk::ArmCrashReport(state->server_url, state->run_path + "/finish",
                                          Environment("RUNHOOK_API_KEY"));
  sdk::WatchRun(*state);
  if (!options.quiet) {
    std::printf("runhook: run %s (%s) at %s\n", state->name.c_str(), state->id.c_str(),
                state->url.c_str());
    std::fflush(stdout);
  }
  return Run(std::move(state));
}

}  // namespace runhook
